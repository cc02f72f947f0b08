/**
 * The hub's requests to the proxy (DESIGN.md §3) and how their failures are classified:
 * "stop until asked" (401/403), "wait as told" (429), "back off and retry" (network, 5xx,
 * wrong content type), or "refused for good" (other 4xx).
 */
import type { ErrorBody, PreflightResponse } from '../protocol'
import type { RequestFailure } from './core'
import type { Clock, FetchLike } from './deps'

export type { RequestFailure }

/** @public A request's outcome: the response, or a classified failure. Never throws. */
export type RequestResult = { ok: true; response: Response } | { ok: false; failure: RequestFailure }

/** @internal 429 without a usable `Retry-After`. */
const DEFAULT_RETRY_AFTER_MS = 5_000
/** @internal The shortest wait after a 429: `Retry-After: 0` or a past date must not make a tight loop. */
const MIN_RETRY_AFTER_MS = 1_000

/** @public Classify a response that is not 2xx. Reads the body for the reason. */
export async function classifyResponse(response: Response, clock: Clock): Promise<RequestFailure> {
  const reason = await errorReason(response)
  if (response.status === 401 || response.status === 403)
    return { kind: 'auth', code: response.status, reason }
  if (response.status === 429) {
    return {
      kind: 'rate_limited',
      retryAfterMs: retryAfterMs(response.headers.get('retry-after'), clock),
      reason,
    }
  }
  if (response.status === 408 || response.status >= 500 || response.status < 400) {
    return { kind: 'retry', reason: `${response.status} ${reason}`.trim() }
  }
  return { kind: 'rejected', code: response.status, reason }
}

/** @public `Retry-After` as milliseconds from now (at least 1 s): delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, clock: Clock): number {
  if (header === null) return DEFAULT_RETRY_AFTER_MS
  if (/^\d+$/.test(header.trim())) return Math.max(MIN_RETRY_AFTER_MS, Number(header.trim()) * 1000)
  const date = Date.parse(header)
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(MIN_RETRY_AFTER_MS, date - clock.now())
}

/**
 * @public `fetch` with a time limit and failure classification. `signal` aborts it (reported as
 * `aborted`, which is not an error).
 */
export async function request(
  fetch: FetchLike,
  clock: Clock,
  url: string,
  init: { method: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal | undefined; timeoutMs: number },
): Promise<RequestResult> {
  const controller = new AbortController()
  const onAbort = () => controller.abort()
  init.signal?.addEventListener('abort', onAbort)
  let timedOut = false
  const timer = clock.setTimeout(() => {
    timedOut = true
    controller.abort()
  }, init.timeoutMs)
  try {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(url, {
      method: init.method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: controller.signal,
    })
    if (response.ok) return { ok: true, response }
    return { ok: false, failure: await classifyResponse(response, clock) }
  } catch (error) {
    if (timedOut)
      return { ok: false, failure: { kind: 'retry', reason: `no answer within ${init.timeoutMs} ms` } }
    if (init.signal?.aborted) return { ok: false, failure: { kind: 'aborted' } }
    return { ok: false, failure: { kind: 'retry', reason: errorMessage(error) } }
  } finally {
    clock.clearTimeout(timer)
    init.signal?.removeEventListener('abort', onAbort)
  }
}

/** @public Read a JSON body; a body that is not JSON is a `retry` failure (a proxy error page). */
export async function readJson(
  response: Response,
): Promise<{ ok: true; json: unknown } | { ok: false; failure: RequestFailure }> {
  try {
    return { ok: true, json: await response.json() }
  } catch (error) {
    return { ok: false, failure: { kind: 'retry', reason: `unreadable JSON body: ${errorMessage(error)}` } }
  }
}

/** @public Validate the preflight answer. */
export function parsePreflight(json: unknown): PreflightResponse | undefined {
  if (typeof json !== 'object' || json === null) return undefined
  const body = json as Record<string, unknown>
  if (body['authenticated'] !== true || typeof body['userId'] !== 'string' || body['userId'] === '')
    return undefined
  const heartbeatMs = body['heartbeatMs']
  return {
    authenticated: true,
    userId: body['userId'],
    timestamp: typeof body['timestamp'] === 'number' ? body['timestamp'] : 0,
    heartbeatMs: typeof heartbeatMs === 'number' && heartbeatMs > 0 ? heartbeatMs : 0,
  }
}

async function errorReason(response: Response): Promise<string> {
  try {
    const text = await response.text()
    const body = JSON.parse(text) as Partial<ErrorBody>
    if (typeof body.error?.message === 'string') return body.error.message
    return text.slice(0, 200)
  } catch {
    return response.statusText
  }
}

/** @public A readable description of a thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
