/**
 * Types of the pure SSE layer: the parsed event, the parser and decoder interfaces and their
 * callbacks, and the structural `TextDecoder` shape this ES-only folder may use.
 */
import type { ParseError } from './errors'

/**
 * @public One event of an event stream, as dispatched by the WHATWG "event stream
 * interpretation" algorithm.
 */
export interface ServerSentEvent {
  /** The event type buffer at dispatch, or `message` when the block set none. */
  event: string
  /** The data buffer at dispatch, without its final line feed. */
  data: string
  /**
   * The last event ID buffer at dispatch: the latest `id` field seen on this stream, in this
   * block or an earlier one; `undefined` while the stream has sent none.
   */
  id: string | undefined
}

/**
 * @public Callbacks of {@link createParser}. They run synchronously inside `feed`; they may
 * call `reset()` (which stops that `feed`), but not `feed()`.
 */
export interface ParserCallbacks {
  /** A complete event (a block with at least one `data` field). */
  onEvent: (event: ServerSentEvent) => void
  /**
   * The last event ID changed at the end of a block, before that block's `onEvent` if any.
   * Also called for `id`-only blocks, which dispatch no event.
   */
  onLastEventId?: ((id: string) => void) | undefined
  /** A valid `retry` field: the reconnection time the server asks for, in milliseconds. */
  onRetry?: ((milliseconds: number) => void) | undefined
  /** A comment line, without its leading `:` and one optional space (e.g. `ping` for `: ping`). */
  onComment?: ((comment: string) => void) | undefined
  /** Input the algorithm ignores but a caller may want to log. Never thrown. */
  onError?: ((error: ParseError) => void) | undefined
}

/** @public An incremental parser of decoded event-stream text. */
export interface EventStreamParser {
  /** Parses the next piece of the stream; pieces may split lines anywhere, even a CRLF pair. */
  feed(chunk: string): void
  /**
   * Starts a new stream: discards the incomplete line and event (so an event without its
   * trailing blank line is never dispatched), forgets the last event ID and skips a leading
   * U+FEFF again.
   */
  reset(): void
  /** The last event ID of this stream as of the last completed block; `undefined` if none yet. */
  readonly lastEventId: string | undefined
}

/** @public An incremental decoder of the bytes of an event stream (a `fetch` body). */
export interface EventStreamDecoder {
  /** Decodes and parses the next bytes; chunks may split UTF-8 sequences anywhere. */
  feed(bytes: Uint8Array): void
  /**
   * The stream ended (or was abandoned): discards any pending data, as the spec requires, and
   * readies the decoder for a new stream.
   */
  end(): void
  /** The last event ID of this stream as of the last completed block; `undefined` if none yet. */
  readonly lastEventId: string | undefined
}

/**
 * @public The part of the platform `TextDecoder` this layer uses. `lib: ES2022` has no
 * `TextDecoder` types, so the constructor is taken from `globalThis` at run time.
 */
export interface TextDecoderLike {
  decode(input?: Uint8Array, options?: { stream?: boolean }): string
}

/** @public The part of the platform `TextDecoder` constructor this layer uses. */
export type TextDecoderConstructorLike = new (
  label?: string,
  options?: { fatal?: boolean; ignoreBOM?: boolean },
) => TextDecoderLike
