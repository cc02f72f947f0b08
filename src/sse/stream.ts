/**
 * Bytes to events: UTF-8 decoding of a `fetch` body, chunk by chunk, in front of the parser.
 */
import { createParser } from './parse'
import type { EventStreamDecoder, ParserCallbacks, TextDecoderConstructorLike } from './types'

/**
 * @public Creates a decoder for the bytes of an event stream: feed it each chunk of the
 * response body, call `end()` when the body ends or is aborted.
 *
 * [spec] Streams must be decoded using the UTF-8 decode algorithm. A UTF-8 sequence split
 * across chunks decodes as one character; invalid bytes become U+FFFD. One byte order mark at
 * the start of the stream is skipped; a second one is content.
 *
 * Throws a `TypeError` at creation when the runtime has no global `TextDecoder`.
 *
 * @example
 * ```ts
 * const decoder = createEventStreamDecoder({ onEvent: (event) => handle(event) })
 * for await (const bytes of response.body) decoder.feed(bytes)
 * decoder.end()
 * ```
 */
export function createEventStreamDecoder(callbacks: ParserCallbacks): EventStreamDecoder {
  const TextDecoder = platformTextDecoder()
  const parser = createParser(callbacks)
  // `ignoreBOM: true` passes a leading BOM through as U+FEFF so that exactly one component,
  // the parser, skips it. With the default, the decoder would strip the first BOM and the
  // parser a second one, which is content.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })

  return {
    feed(bytes) {
      parser.feed(decoder.decode(bytes, { stream: true }))
    },
    end() {
      // Flushing yields at most U+FFFD for a truncated sequence, never a line end, so it could
      // not complete an event: drop it, and reset both decoder and parser for the next stream.
      decoder.decode()
      parser.reset()
    },
    get lastEventId() {
      return parser.lastEventId
    },
  }
}

function platformTextDecoder(): TextDecoderConstructorLike {
  const scope: object = globalThis
  if ('TextDecoder' in scope && typeof scope.TextDecoder === 'function') {
    return scope.TextDecoder as TextDecoderConstructorLike
  }
  throw new TypeError(
    'createEventStreamDecoder needs a global TextDecoder (browsers, workers and Node.js have one)',
  )
}
