/**
 * Signed requests to the backend (DESIGN.md §2 "Signing"): builds the URL under `backendUrl`,
 * signs V1 + V2 for exactly the path and body sent, and reports transport failures as data
 * so routes can answer 502/504 instead of throwing.
 */
import { signRequest } from '../signing'

/** @public The subset of `fetch` the proxy needs; pass your own for tests or instrumentation. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/** @public Options of {@link createUpstream}. */
export interface UpstreamOptions {
  /** Backend base URL, e.g. `http://localhost:8081`; a path prefix is kept. */
  backendUrl: string
  /** `WORKER_SHARED_SECRET`. */
  secret: string
  fetch?: FetchLike | undefined
  /** How long to wait for the backend's response headers. */
  headersTimeoutMs?: number | undefined
}

/** @public One request to the backend on behalf of `userId`. */
export interface UpstreamRequest {
  method: 'GET' | 'POST'
  /** Backend path with query, e.g. `/v1/projects/p1/chat/stream?from_seq=3`. */
  path: string
  userId: string
  /** JSON text for POST; omitted for GET (signed as the empty body). */
  body?: string | undefined
  /** Extra headers such as `Last-Event-ID`. */
  headers?: Record<string, string> | undefined
  /** Aborts the upstream request, also after its headers arrived (the browser went away). */
  signal?: AbortSignal | undefined
}

/** @public The backend's answer, or why there is none. */
export type UpstreamResult =
  | { ok: true; response: Response }
  | { ok: false; reason: 'unreachable' | 'timeout' | 'aborted'; message: string }

/** @public A signed client for the backend. */
export interface Upstream {
  request(request: UpstreamRequest): Promise<UpstreamResult>
}

/** @public Default for {@link UpstreamOptions.headersTimeoutMs}. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 15_000

/** @public Creates the signed backend client used by every proxy route. */
export function createUpstream(options: UpstreamOptions): Upstream {
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const base = new URL(options.backendUrl)
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TypeError(`backendUrl must be an http(s) URL, got "${options.backendUrl}".`)
  }
  const prefix = base.href.replace(/\/+$/, '')
  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS

  return {
    async request(request) {
      const url = new URL(prefix + request.path)
      const body = request.body ?? ''
      // Sign what the backend will see: its own path (with our prefix) and query.
      const signature = signRequest({
        secret: options.secret,
        method: request.method,
        pathWithQuery: url.pathname + url.search,
        userId: request.userId,
        body,
      })
      const headers = new Headers({ ...request.headers, ...signature })
      if (request.method === 'POST') headers.set('content-type', 'application/json')

      const timeout = new AbortController()
      const timer = setTimeout(() => timeout.abort(), headersTimeoutMs)
      const signals = [timeout.signal]
      if (request.signal !== undefined) signals.push(request.signal)
      try {
        const init: RequestInit = {
          method: request.method,
          headers,
          signal: AbortSignal.any(signals),
          // A redirect would carry our signatures to another URL.
          redirect: 'error',
        }
        if (request.method === 'POST') init.body = body
        return { ok: true, response: await fetchImpl(url.href, init) }
      } catch (error) {
        if (request.signal?.aborted) return { ok: false, reason: 'aborted', message: 'Client went away.' }
        if (timeout.signal.aborted) {
          return {
            ok: false,
            reason: 'timeout',
            message: `Backend sent no headers within ${headersTimeoutMs} ms.`,
          }
        }
        return { ok: false, reason: 'unreachable', message: describeFailure(error) }
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

/** Names the transport failure without echoing URLs that could carry secrets. */
function describeFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined
  return code !== undefined ? `Backend unreachable (${code}).` : 'Backend unreachable.'
}
