/**
 * HMAC request signing between the proxy and the backend (DESIGN.md §2 "Signing"): the proxy
 * signs every upstream request, the reference backend verifies it. Pure apart from node:crypto.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { SIGNATURE_SKEW_SECONDS } from '../protocol/limits'

/** @public Header carrying the signed user id. */
export const USER_ID_HEADER = 'x-user-id'
/** @public Header carrying the signing time, in unix seconds. */
export const TIMESTAMP_HEADER = 'x-sheen-timestamp'
/** @public Header carrying the V1 signature: hex HMAC-SHA256(secret, timestamp). */
export const SIGNATURE_V1_HEADER = 'x-sheen-hmac-signature'
/** @public Header carrying the V2 signature, which also binds method, path, user and body. */
export const SIGNATURE_V2_HEADER = 'x-sheen-hmac-signature-v2'

/** @public A request body as signed: absent and empty are the same (GET). */
export type SignedBody = string | Uint8Array | undefined

/** @public Options of {@link signRequest}. */
export interface SignRequestOptions {
  secret: string
  /** HTTP method; upper-cased before signing. */
  method: string
  /** The path and query exactly as sent on the request line, e.g. `/v1/projects/p/chat/stream?from_seq=3`. */
  pathWithQuery: string
  userId: string
  /** The exact bytes sent; omit for GET. */
  body?: SignedBody
  /** Clock in unix milliseconds (`Date.now()` when omitted). */
  now?: number | undefined
}

/**
 * @public Signs one request: returns the four headers to add (`x-user-id`,
 * `x-sheen-timestamp`, V1 and V2 signatures). Both signatures are always sent because the real
 * backend still checks V1 on its SSE route.
 */
export function signRequest(options: SignRequestOptions): Record<string, string> {
  const timestamp = String(Math.floor((options.now ?? Date.now()) / 1000))
  return {
    [USER_ID_HEADER]: options.userId,
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_V1_HEADER]: signatureV1(options.secret, timestamp),
    [SIGNATURE_V2_HEADER]: signatureV2(options.secret, {
      timestamp,
      method: options.method,
      pathWithQuery: options.pathWithQuery,
      userId: options.userId,
      body: options.body,
    }),
  }
}

/**
 * @public Request headers as {@link verifyRequest} reads them: Node's `IncomingHttpHeaders`
 * (lower-case keys) or anything with a Fetch-style `get`.
 */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>

/** @public Options of {@link verifyRequest}. */
export interface VerifyRequestOptions {
  secret: string
  method: string
  pathWithQuery: string
  headers: HeaderSource
  /** The raw body bytes received; omit for GET. */
  body?: SignedBody
  /** Clock in unix milliseconds (`Date.now()` when omitted). */
  now?: number | undefined
  /** Accept a request that carries V1 but no V2 (DESIGN.md: `HMAC_ACCEPT_V1`, default true). */
  acceptV1: boolean
}

/** @public Why a request failed verification. Every code maps to HTTP 401. */
export type VerifyFailureCode =
  | 'missing_user'
  | 'missing_timestamp'
  | 'invalid_timestamp'
  | 'stale_timestamp'
  | 'missing_signature'
  | 'v1_not_accepted'
  | 'invalid_signature'

/** @public The outcome of {@link verifyRequest}. */
export type VerifyResult =
  | { ok: true; userId: string; version: 'v1' | 'v2' }
  | { ok: false; code: VerifyFailureCode; message: string }

/**
 * @public Verifies a signed request. Every signature present must be valid (a good V2 does not
 * excuse a bad V1); V2 is required unless `acceptV1`. Signatures are compared in constant time.
 */
export function verifyRequest(options: VerifyRequestOptions): VerifyResult {
  const checked = checkHeaders(options)
  if (!checked.ok) return checked
  const { userId, timestamp, v2 } = checked
  if (v2 === undefined) return { ok: true, userId, version: 'v1' }
  const expected = signatureV2(options.secret, {
    timestamp,
    method: options.method,
    pathWithQuery: options.pathWithQuery,
    userId,
    body: options.body,
  })
  if (!hexEquals(v2, expected)) return fail('invalid_signature', 'signature does not match')
  return { ok: true, userId, version: 'v2' }
}

/** @public Options of {@link precheckRequest}: those of {@link verifyRequest} that need no body. */
export type PrecheckRequestOptions = Pick<VerifyRequestOptions, 'secret' | 'headers' | 'now' | 'acceptV1'>

/**
 * @public Everything {@link verifyRequest} checks without the body: user and timestamp headers,
 * skew, V1 when present, and that V2 is present unless `acceptV1`. Lets a server refuse an
 * unsigned or stale request before reading its body; passing it is no authentication by itself.
 */
export function precheckRequest(
  options: PrecheckRequestOptions,
): { ok: true } | Extract<VerifyResult, { ok: false }> {
  const checked = checkHeaders(options)
  return checked.ok ? { ok: true } : checked
}

function checkHeaders(
  options: PrecheckRequestOptions,
):
  | { ok: true; userId: string; timestamp: string; v2: string | undefined }
  | Extract<VerifyResult, { ok: false }> {
  const userId = readHeader(options.headers, USER_ID_HEADER)
  if (!userId) return fail('missing_user', `missing ${USER_ID_HEADER} header`)
  const timestamp = readHeader(options.headers, TIMESTAMP_HEADER)
  if (!timestamp) return fail('missing_timestamp', `missing ${TIMESTAMP_HEADER} header`)
  if (!/^[0-9]{1,12}$/.test(timestamp)) {
    return fail('invalid_timestamp', `${TIMESTAMP_HEADER} must be unix seconds`)
  }
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000)
  if (Math.abs(nowSeconds - Number(timestamp)) > SIGNATURE_SKEW_SECONDS) {
    return fail('stale_timestamp', `${TIMESTAMP_HEADER} is more than ${SIGNATURE_SKEW_SECONDS} s off`)
  }

  const v1 = readHeader(options.headers, SIGNATURE_V1_HEADER)
  const v2 = readHeader(options.headers, SIGNATURE_V2_HEADER)
  if (v1 === undefined && v2 === undefined) return fail('missing_signature', 'missing signature headers')
  if (v1 !== undefined && !hexEquals(v1, signatureV1(options.secret, timestamp))) {
    return fail('invalid_signature', 'signature does not match')
  }
  // V1 binds only the time, so a leaked V1 signature lets anyone act as any user for the skew
  // window: accept it alone only where the deployment still allows it.
  if (v2 === undefined && !options.acceptV1) return fail('v1_not_accepted', 'a v2 signature is required')
  return { ok: true, userId, timestamp, v2 }
}

/** @internal hex HMAC-SHA256(secret, timestamp). */
export function signatureV1(secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(timestamp).digest('hex')
}

/** @internal hex HMAC-SHA256 over `v2\n{timestamp}\n{METHOD}\n{path with query}\n{userId}\n{hex sha256(body)}`. */
export function signatureV2(
  secret: string,
  parts: { timestamp: string; method: string; pathWithQuery: string; userId: string; body: SignedBody },
): string {
  const bodyHash = createHash('sha256')
    .update(parts.body ?? '')
    .digest('hex')
  const canonical = [
    'v2',
    parts.timestamp,
    parts.method.toUpperCase(),
    parts.pathWithQuery,
    parts.userId,
    bodyHash,
  ].join('\n')
  return createHmac('sha256', secret).update(canonical).digest('hex')
}

function fail(code: VerifyFailureCode, message: string): Extract<VerifyResult, { ok: false }> {
  return { ok: false, code, message }
}

/**
 * Constant-time comparison of a received hex signature with the expected one. The expected
 * value always has 64 hex digits, so a length mismatch reveals nothing secret; timingSafeEqual
 * needs equal lengths, hence the early return.
 */
function hexEquals(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (hasGet(headers)) return headers.get(name) ?? undefined
  const value = headers[name]
  // A repeated header is ambiguous; treat it as absent rather than guess which copy was signed.
  return typeof value === 'string' ? value : undefined
}

function hasGet(headers: HeaderSource): headers is { get(name: string): string | null } {
  return typeof (headers as { get?: unknown }).get === 'function'
}
