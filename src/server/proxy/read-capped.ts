/** Reads a byte stream to the end, giving up (and cancelling it) past a byte cap. */

/** @internal The bytes read, or why there are none. */
export type CappedRead = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'too_large' | 'unreadable' }

/** @internal Reads `stream` fully unless it holds more than `maxBytes`. */
export async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<CappedRead> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let received = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      received += value.byteLength
      if (received > maxBytes) {
        await reader.cancel().catch(() => {})
        return { ok: false, reason: 'too_large' }
      }
      chunks.push(value)
    }
  } catch {
    // The peer went away or sent a malformed chunked body.
    return { ok: false, reason: 'unreadable' }
  }

  const bytes = new Uint8Array(received)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return { ok: true, bytes }
}
