/**
 * Reads a JSON request body with a byte cap: a declared `Content-Length` over the cap is
 * refused before reading, and a chunked body is cancelled as soon as it passes the cap.
 */
import { MAX_TEXT_BYTES } from '../../protocol/limits'
import { readCapped } from './read-capped'
import type { Validated } from './validate'

/**
 * @public Largest JSON body the proxy reads. JSON escaping can grow a `MAX_TEXT_BYTES` text up
 * to six times (`\u0001` per control character), plus room for the other fields.
 */
export const MAX_BODY_BYTES = MAX_TEXT_BYTES * 6 + 4096

/** @public Reads and parses `request`'s body as JSON, reading at most `maxBytes`. */
export async function readJsonBody(
  request: Request,
  maxBytes: number = MAX_BODY_BYTES,
): Promise<Validated<unknown>> {
  const tooLarge = {
    ok: false,
    status: 413,
    code: 'payload_too_large',
    message: `Body exceeds ${maxBytes} bytes.`,
  } as const
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) return tooLarge
  if (request.body === null)
    return { ok: false, status: 400, code: 'bad_request', message: 'Body is required.' }

  const read = await readCapped(request.body, maxBytes)
  if (!read.ok) {
    if (read.reason === 'too_large') return tooLarge
    return { ok: false, status: 400, code: 'bad_request', message: 'Body could not be read.' }
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(read.bytes)
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false, status: 400, code: 'bad_request', message: 'Body must be UTF-8 JSON.' }
  }
}
