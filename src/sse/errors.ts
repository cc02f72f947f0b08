/**
 * Errors of the SSE layer as plain data: discriminated by `type`, described by `message`,
 * with details. Reported, never thrown, and safe to send over comlink.
 */

/**
 * @public A line the event-stream algorithm ignores but a caller may want to log.
 *
 * - `invalid-retry`: a `retry` field whose value is not only ASCII digits.
 */
export interface ParseError {
  type: 'invalid-retry'
  message: string
  /** The field value, after the one optional leading space was removed. */
  value: string
  /** The whole line, without its line ending. */
  line: string
}

/** @public Where a decode error happened: the SSE event, if it came from one. */
export interface DecodeErrorContext {
  /** The SSE event name (e.g. `message.new`); absent for HTTP bodies. */
  event?: string | undefined
  /** The SSE event's last event ID; absent for HTTP bodies. */
  id?: string | undefined
}

/**
 * @public A payload that does not match the wire contract (DESIGN.md §2).
 *
 * - `invalid-json`: an SSE event's data is not JSON.
 * - `missing-field`: a required field is absent.
 * - `invalid-type`: a field has the wrong JSON type (`content.text must be a string`).
 * - `invalid-value`: a field has the right type but a value outside the contract (a `seq` that
 *   is not a positive safe integer, a `content.type` outside its enum).
 *
 * `field` is the path inside the payload (`content.text`, `messages[3].seq`), or `''` for the
 * payload itself.
 */
export type DecodeError = DecodeErrorContext &
  (
    | { type: 'invalid-json'; message: string }
    | { type: 'missing-field'; message: string; field: string }
    | { type: 'invalid-type'; message: string; field: string; expected: string; received: string }
    | { type: 'invalid-value'; message: string; field: string; expected: string; received: string }
  )

/** @public The `type` of a {@link DecodeError}. */
export type DecodeErrorType = DecodeError['type']
