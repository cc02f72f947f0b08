/**
 * Response headers that harden the app's pages. The CSP allows scripts, workers and
 * connections from our own origin only: no inline scripts (Vite emits external modules),
 * inline styles allowed because they cannot run code.
 */

/** @public The Content-Security-Policy of every HTML page. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** @public Adds the HTML hardening headers to `headers`. */
export function addHtmlSecurityHeaders(headers: Headers): void {
  headers.set('content-security-policy', CONTENT_SECURITY_POLICY)
  headers.set('x-frame-options', 'DENY')
  headers.set('cross-origin-opener-policy', 'same-origin')
}

/** @public Adds the headers every response gets, whatever its type. */
export function addCommonSecurityHeaders(headers: Headers): void {
  headers.set('x-content-type-options', 'nosniff')
  headers.set('referrer-policy', 'same-origin')
}
