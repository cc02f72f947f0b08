/**
 * JSON responses of the proxy: every error is an `ErrorBody` (DESIGN.md §2), every response
 * is uncacheable and never carries `Access-Control-Allow-Origin`.
 */
import type { ErrorBody } from '../../protocol/wire'

/** @internal Headers every JSON response of the proxy carries. */
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const

/**
 * @public Error codes the proxy itself produces. Upstream error bodies are relayed as they
 * are, so clients may also see the backend's codes.
 */
export type ProxyErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden_origin'
  | 'not_found'
  | 'unknown_stream'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'too_many_streams'
  | 'bad_gateway'
  | 'upstream_error'
  | 'service_unavailable'
  | 'gateway_timeout'
  | 'internal_error'
  | 'proxy_misconfigured'

/** @public A JSON response with the proxy's standard headers. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers?: Record<string, string> | undefined,
): Response {
  const merged = new Headers(JSON_HEADERS)
  if (headers !== undefined) {
    for (const [name, value] of Object.entries(headers)) merged.set(name, value)
  }
  return new Response(JSON.stringify(body), { status, headers: merged })
}

/** @public An `ErrorBody` response: `{"error":{"code","message"}}`. */
export function errorResponse(
  status: number,
  code: ProxyErrorCode,
  message: string,
  headers?: Record<string, string> | undefined,
): Response {
  const body: ErrorBody = { error: { code, message } }
  return jsonResponse(status, body, headers)
}

/** @public Whether `value` has the `ErrorBody` shape. */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false
  const error: unknown = value.error
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    'message' in error &&
    typeof error.message === 'string'
  )
}
