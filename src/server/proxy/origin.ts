/**
 * CSRF guard for state-changing routes (DESIGN.md §3): the `Origin` header must be the
 * request's own origin or an explicitly allowed one. Browsers send `Origin` on every
 * cross-origin request and on same-origin POSTs, so a POST without it is refused.
 */

/** @public Whether `request` may change state: its `Origin` is its own or listed in `allowedOrigins`. */
export function isAllowedOrigin(request: Request, allowedOrigins: readonly string[] = []): boolean {
  const origin = request.headers.get('origin')
  // `Origin: null` (sandboxed frames, file:, some redirects) never matches.
  if (origin === null || origin === 'null') return false
  if (origin === new URL(request.url).origin) return true
  return allowedOrigins.some((allowed) => normalizeOrigin(allowed) === origin)
}

/** Accepts `https://example.com/` or `https://example.com` in configuration. */
function normalizeOrigin(value: string): string | undefined {
  try {
    return new URL(value).origin
  } catch {
    return undefined
  }
}
