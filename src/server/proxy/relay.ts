/**
 * Turns backend answers into proxy answers: successes pass through unchanged, errors keep
 * their status, body and `Retry-After`, and transport failures become 502/504.
 */
import { errorResponse, isErrorBody, jsonResponse } from './errors'
import { readCapped } from './read-capped'
import type { UpstreamResult } from './upstream'
import type { Invalid } from './validate'

/** Upstream error bodies are small JSON; anything bigger is not worth relaying. */
const MAX_ERROR_BODY_BYTES = 16 * 1024

/** @internal 400/413 for a failed validation. */
export function invalidResponse(invalid: Invalid): Response {
  return errorResponse(invalid.status, invalid.code, invalid.message)
}

/** @internal 502 when the backend cannot be reached, 504 when it sends no headers in time. */
export function upstreamFailureResponse(failure: Extract<UpstreamResult, { ok: false }>): Response {
  if (failure.reason === 'timeout') return errorResponse(504, 'gateway_timeout', failure.message)
  return errorResponse(502, 'bad_gateway', failure.message)
}

/**
 * @internal Relays a non-2xx backend response with the same status and `Retry-After`. The body
 * is relayed when it is an `ErrorBody`, else replaced by one, so clients always get the
 * documented error shape. A status that is no error (a 3xx the upstream fetch does not follow,
 * such as 300 or 304) is a 502: relayed as is, a browser would read it as a redirect or a cache hit.
 */
export async function relayError(upstream: Response): Promise<Response> {
  if (upstream.status < 400) {
    await upstream.body?.cancel().catch(() => {})
    return errorResponse(
      502,
      'bad_gateway',
      `Backend answered ${upstream.status}, not a success or an error.`,
    )
  }
  const headers: Record<string, string> = {}
  const retryAfter = upstream.headers.get('retry-after')
  if (retryAfter !== null) headers['retry-after'] = retryAfter

  let body: unknown
  if (upstream.body !== null) {
    const read = await readCapped(upstream.body, MAX_ERROR_BODY_BYTES)
    try {
      body = read.ok ? JSON.parse(new TextDecoder().decode(read.bytes)) : undefined
    } catch {
      body = undefined
    }
  }
  if (isErrorBody(body)) return jsonResponse(upstream.status, body, headers)
  return errorResponse(upstream.status, 'upstream_error', `Backend responded ${upstream.status}.`, headers)
}

/** `application/json`, or a `+json` type such as `application/problem+json`. */
const JSON_CONTENT_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i

/**
 * @internal Relays a 2xx JSON backend response, streaming its body. A body that is not declared
 * JSON is a 502: served as it is, a backend's HTML would render from the app's origin.
 */
export function relaySuccess(upstream: Response): Response {
  if (upstream.status === 204 || upstream.body === null) {
    return new Response(null, { status: upstream.status, headers: { 'cache-control': 'no-store' } })
  }
  const contentType = upstream.headers.get('content-type') ?? ''
  if (!JSON_CONTENT_TYPE.test(contentType)) {
    upstream.body.cancel().catch(() => {})
    return errorResponse(502, 'bad_gateway', `Backend answered ${upstream.status} without a JSON body.`)
  }
  return new Response(upstream.body, {
    status: upstream.status,
    headers: {
      'content-type': contentType,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  })
}
