/**
 * Small node:http helpers of the backend: bounded body reading and JSON / error responses in
 * the `{"error":{"code","message"}}` shape of DESIGN.md §2.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorBody } from '../../protocol/wire'

/** @internal The outcome of {@link readBody}. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'aborted' }

/**
 * @internal Reads the request body, giving up as soon as it exceeds `maxBytes`: a declared
 * `content-length` above the limit is refused without reading a byte, a chunked body once the
 * running total passes it.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(request.headers['content-length'] ?? 0)
  if (declared > maxBytes) return Promise.resolve({ ok: false, reason: 'too_large' })
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        request.off('data', onData)
        request.pause()
        resolve({ ok: false, reason: 'too_large' })
        return
      }
      chunks.push(chunk)
    }
    request.on('data', onData)
    request.once('end', () => resolve({ ok: true, body: Buffer.concat(chunks, size) }))
    request.once('error', () => resolve({ ok: false, reason: 'aborted' }))
    request.once('close', () => resolve({ ok: false, reason: 'aborted' }))
  })
}

/** @internal Sends a JSON body. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  })
  response.end(text)
}

/** @internal Sends an error in the shared `ErrorBody` shape. */
export function sendError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body: ErrorBody = { error: { code, message } }
  sendJson(response, status, body, headers)
}
