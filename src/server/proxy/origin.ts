/**
 * CSRF guard for state-changing routes (DESIGN.md §3): the `Origin` header must be the app's own
 * origin or an explicitly allowed one. Browsers send `Origin` on every cross-origin request and
 * on same-origin POSTs, so a POST without it is refused.
 *
 * "The app's own origin" is the request URL's by default. Behind a framework or a proxy that URL
 * is not what the browser used (a Next.js route handler sees `http://localhost:<port>`; a
 * TLS-terminating proxy forwards plain http), so the deployment says where it is served:
 * `publicOrigin` names it, or `trustForwardedHeaders` takes it per request from
 * `X-Forwarded-Proto` / `X-Forwarded-Host`, else `Host`. A page cannot forge those for a victim:
 * a browser sets `Host` itself, and a cross-origin request with custom headers needs a CORS
 * preflight that this proxy never grants.
 */

/** @public Where the app is served, for the Origin check. */
export interface OriginPolicy {
  /** Origins besides the app's own that may POST, e.g. `https://admin.example.com`. */
  allowedOrigins?: readonly string[] | undefined
  /** The origin users load the app from, e.g. `https://chat.example.com` (fixed, the strictest choice). */
  publicOrigin?: string | undefined
  /**
   * Take the app's origin from `X-Forwarded-Proto` + `X-Forwarded-Host` (first values), else the
   * `Host` header and the request's scheme. For Next.js route handlers and apps behind a proxy
   * that sets these headers. Default `false`: the request URL's origin only.
   */
  trustForwardedHeaders?: boolean | undefined
}

/**
 * @public Whether `request` may change state: its `Origin` is the app's (see {@link OriginPolicy})
 * or listed in `allowedOrigins`. A bare array is `allowedOrigins`.
 */
export function isAllowedOrigin(request: Request, policy: OriginPolicy | readonly string[] = {}): boolean {
  const origin = request.headers.get('origin')
  // `Origin: null` (sandboxed frames, file:, some redirects) never matches.
  if (origin === null || origin === 'null') return false
  return acceptedOrigins(request, policy).includes(origin)
}

/** @public The origins a state-changing request may come from, the app's own first. */
export function acceptedOrigins(request: Request, policy: OriginPolicy | readonly string[] = {}): string[] {
  const {
    allowedOrigins = [],
    publicOrigin,
    trustForwardedHeaders = false,
  }: OriginPolicy = isList(policy) ? { allowedOrigins: policy } : policy
  const own = [new URL(request.url).origin]
  if (publicOrigin !== undefined) own.unshift(normalizeOrigin(publicOrigin) ?? '')
  if (trustForwardedHeaders) own.unshift(forwardedOrigin(request) ?? '')
  return [...own, ...allowedOrigins.map((allowed) => normalizeOrigin(allowed) ?? '')].filter(
    (origin, i, all) => origin !== '' && all.indexOf(origin) === i,
  )
}

/** @public Whether `value` is an http(s) origin a policy can name (for checking configuration). */
export function isOrigin(value: string): boolean {
  return normalizeOrigin(value) !== undefined
}

/** The origin the browser used, as the proxy in front (or the `Host` header) tells it. */
function forwardedOrigin(request: Request): string | undefined {
  const first = (name: string) => request.headers.get(name)?.split(',')[0]?.trim() || undefined
  const proto = first('x-forwarded-proto') ?? new URL(request.url).protocol.replace(/:$/, '')
  const host = first('x-forwarded-host') ?? request.headers.get('host') ?? undefined
  if (host === undefined || !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host))
    return undefined
  return normalizeOrigin(`${proto}://${host}`)
}

/** Accepts `https://example.com/` or `https://example.com` in configuration; `undefined` if not http(s). */
function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined
  } catch {
    return undefined
  }
}

function isList(policy: OriginPolicy | readonly string[]): policy is readonly string[] {
  return Array.isArray(policy)
}
