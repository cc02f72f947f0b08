/**
 * The dev session (DESIGN.md §3): `POST /api/dev/login {"userId"}` sets a signed cookie,
 * `POST /api/dev/logout` clears it, and `authenticate` reads it for the proxy. The cookie is
 * `{userId}.{issuedAt}.{hex HMAC-SHA256(secret, "pc-session-v1\n{userId}\n{issuedAt}")}`.
 * Web-standard handlers; node:crypto for the HMAC and constant-time comparison.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { readJsonBody } from './proxy/body'
import { errorResponse, jsonResponse } from './proxy/errors'
import { isAllowedOrigin, type OriginPolicy } from './proxy/origin'
import { readCapped } from './proxy/read-capped'
import type { Validated } from './proxy/validate'

/** @public Name of the session cookie. */
export const SESSION_COOKIE = 'pc_session'

/** @public User ids the dev login accepts. */
export const DEV_USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** @public Default session lifetime: 7 days. */
export const DEFAULT_SESSION_MAX_AGE_SECONDS = 7 * 24 * 60 * 60

/** Small body limit for the login form or JSON. */
const MAX_LOGIN_BODY_BYTES = 4096

/** Cookies issued slightly in the future (clock adjustments) are still accepted. */
const ISSUED_AT_SKEW_SECONDS = 60

/** @public Options of {@link createDevSession}. */
export interface DevSessionOptions extends OriginPolicy {
  /** `SESSION_SECRET`: signs the cookie. At least 16 bytes. */
  secret: string | Uint8Array
  maxAgeSeconds?: number | undefined
  /** Clock in unix milliseconds, for tests. */
  now?: (() => number) | undefined
}

/** @public The dev session's handlers. */
export interface DevSession {
  /** The proxy's `authenticate`: the cookie's user, or `null` when missing, tampered or expired. */
  authenticate(request: Request): Promise<{ userId: string } | null>
  /**
   * `POST /api/dev/login`. JSON `{"userId"}` gets `200 {"userId"}`; an HTML form post
   * (`application/x-www-form-urlencoded`) gets a 303 to `next` (a same-origin path) or `/`.
   */
  login(request: Request): Promise<Response>
  /** `POST /api/dev/logout`: clears the cookie; 204 (JSON) or 303 to `/login` (form). */
  logout(request: Request): Promise<Response>
}

/** @public Creates the dev session. */
export function createDevSession(options: DevSessionOptions): DevSession {
  const secret =
    typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret)
  if (secret.byteLength < 16) throw new TypeError('createDevSession: secret must be at least 16 bytes.')
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_SESSION_MAX_AGE_SECONDS
  const nowSeconds = (): number => Math.floor((options.now?.() ?? Date.now()) / 1000)

  const sign = (userId: string, issuedAt: number): string =>
    createHmac('sha256', secret).update(`pc-session-v1\n${userId}\n${issuedAt}`).digest('hex')

  const cookieAttributes = (request: Request, maxAge: number): string => {
    const secure = new URL(request.url).protocol === 'https:' ? '; Secure' : ''
    return `Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`
  }

  return {
    async authenticate(request) {
      const value = readCookie(request.headers.get('cookie'), SESSION_COOKIE)
      if (value === undefined) return null
      const match = /^([A-Za-z0-9_-]{1,64})\.([0-9]{1,12})\.([0-9a-f]{64})$/.exec(value)
      if (match === null) return null
      const [, userId = '', issuedAtText = '', signature = ''] = match
      const expected = Buffer.from(sign(userId, Number(issuedAtText)), 'utf8')
      if (!timingSafeEqual(Buffer.from(signature, 'utf8'), expected)) return null
      const age = nowSeconds() - Number(issuedAtText)
      if (age > maxAgeSeconds || age < -ISSUED_AT_SKEW_SECONDS) return null
      return { userId }
    },

    async login(request) {
      if (!isAllowedOrigin(request, options)) {
        return errorResponse(403, 'forbidden_origin', 'Origin not allowed for state-changing requests.')
      }
      const form = isForm(request)
      const input = form ? await readForm(request) : await readJsonBody(request, MAX_LOGIN_BODY_BYTES)
      if (!input.ok) return errorResponse(input.status, input.code, input.message)
      const userId = field(input.value, 'userId')
      if (userId === undefined || !DEV_USER_ID_PATTERN.test(userId)) {
        if (form) return redirect('/login?error=invalid_user_id')
        return errorResponse(400, 'bad_request', 'userId must match ^[A-Za-z0-9_-]{1,64}$.')
      }

      const issuedAt = nowSeconds()
      const cookie = `${SESSION_COOKIE}=${userId}.${issuedAt}.${sign(userId, issuedAt)}; ${cookieAttributes(request, maxAgeSeconds)}`
      const response = form ? redirect(safeNext(field(input.value, 'next'))) : jsonResponse(200, { userId })
      response.headers.append('set-cookie', cookie)
      return response
    },

    async logout(request) {
      if (!isAllowedOrigin(request, options)) {
        return errorResponse(403, 'forbidden_origin', 'Origin not allowed for state-changing requests.')
      }
      const response = isForm(request)
        ? redirect('/login')
        : new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } })
      response.headers.append('set-cookie', `${SESSION_COOKIE}=; ${cookieAttributes(request, 0)}`)
      return response
    },
  }
}

/** @internal The value of cookie `name` in a `Cookie` header; the first one wins. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined
  for (const part of header.split(';')) {
    const separator = part.indexOf('=')
    if (separator === -1) continue
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim()
  }
  return undefined
}

function isForm(request: Request): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(request.headers.get('content-type') ?? '')
}

async function readForm(request: Request): Promise<Validated<Record<string, string>>> {
  const tooLarge = { ok: false, status: 413, code: 'payload_too_large', message: 'Body too large.' } as const
  if (Number(request.headers.get('content-length') ?? '0') > MAX_LOGIN_BODY_BYTES) return tooLarge
  const read = request.body === null ? undefined : await readCapped(request.body, MAX_LOGIN_BODY_BYTES)
  if (read === undefined || !read.ok) {
    return read?.reason === 'too_large'
      ? tooLarge
      : { ok: false, status: 400, code: 'bad_request', message: 'Body could not be read.' }
  }
  return { ok: true, value: Object.fromEntries(new URLSearchParams(new TextDecoder().decode(read.bytes))) }
}

function field(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const found: unknown = (value as Record<string, unknown>)[name]
  return typeof found === 'string' ? found : undefined
}

/**
 * Only same-origin absolute paths of plain URL characters: `//evil.example`, `/\evil.example`
 * and `/<tab>/evil.example` (browsers strip tabs and newlines) would be open redirects.
 */
function safeNext(next: string | undefined): string {
  if (next === undefined || !/^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/.test(next)) return '/'
  return next
}

function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store' } })
}
