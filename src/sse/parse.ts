/**
 * The WHATWG HTML "event stream interpretation" algorithm over decoded text: lines in, events
 * out. Pure: no I/O, no timers. https://html.spec.whatwg.org/multipage/server-sent-events.html
 *
 * This is the hot path of every stream, so it avoids per-line allocations beyond the line
 * itself (bench/decoding.mjs measures it against eventsource-parser): line ends are found with
 * `indexOf` rather than a regex iterator, a line inside one chunk is a single `slice`, and the
 * data buffer keeps its lines joined without the trailing line feed the spec appends and then
 * removes at dispatch.
 */
import type { EventStreamParser, ParserCallbacks } from './types'

// [spec] a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair, a single U+000A LINE
// FEED (LF) character not preceded by a U+000D CARRIAGE RETURN (CR) character, and a single
// U+000D CARRIAGE RETURN (CR) character not followed by a U+000A LINE FEED (LF) character being
// the ways in which a line can end.
const LF = 0x0a
const COLON = 0x3a
const SPACE = 0x20

const ASCII_DIGITS = /^[0-9]+$/

/**
 * @public Creates an incremental event-stream parser.
 *
 * Feed it decoded text in pieces of any size; it calls `onEvent` for each complete event.
 * Following the spec, an event whose closing blank line never arrives is never dispatched:
 * there is no flush, call `reset()` when a stream ends.
 *
 * @example
 * ```ts
 * const parser = createParser({ onEvent: (event) => console.log(event.event, event.data) })
 * parser.feed('event: message.new\nid: 1\ndata: {"seq":1}\n\n')
 * ```
 */
export function createParser(callbacks: ParserCallbacks): EventStreamParser {
  const { onEvent, onLastEventId, onRetry, onComment, onError } = callbacks

  /** Text after the last line end: the start of a line not yet complete. */
  let incompleteLine = ''
  /** The previous chunk ended in CR: an LF starting the next chunk ends no further line. */
  let afterCarriageReturn = false
  let atStreamStart = true
  /** Bumped by `reset()`, so a callback that resets stops the `feed` that called it. */
  let streamNumber = 0

  // [spec] When a stream is parsed, a data buffer, an event type buffer, and a last event ID
  // buffer must be associated with it. They must be initialized to the empty string.
  // (The data buffer is kept as its lines joined by LF, `undefined` while it is empty: the
  // spec's buffer is each line followed by an LF, whose last LF dispatch removes. The last
  // event ID is `undefined` rather than '' until the stream sets one, so callers can tell
  // "never sent" from "reset to empty".)
  let dataLines: string | undefined
  let eventTypeBuffer = ''
  let lastEventIdBuffer: string | undefined
  /** The last event ID string: the buffer as of the last dispatch. */
  let lastEventId: string | undefined

  function feed(chunk: string): void {
    let text = chunk
    if (text === '') return

    // [spec] stream = [ bom ] *event — one leading U+FEFF BYTE ORDER MARK is not content.
    if (atStreamStart) {
      atStreamStart = false
      if (text.startsWith('\uFEFF')) text = text.slice(1)
    }
    if (afterCarriageReturn) {
      afterCarriageReturn = false
      if (text.startsWith('\n')) text = text.slice(1)
    }

    // Only the new text is scanned: `incompleteLine` holds no line end. Most streams hold no
    // CR at all, so its search usually runs once per chunk and finds none.
    const stream = streamNumber
    let lineStart = 0
    let nextLf = text.indexOf('\n')
    let nextCr = text.indexOf('\r')
    while (nextLf !== -1 || nextCr !== -1) {
      const atCr = nextCr !== -1 && (nextLf === -1 || nextCr < nextLf)
      const lineEnd = atCr ? nextCr : nextLf
      if (incompleteLine === '') {
        processLine(text, lineStart, lineEnd)
      } else {
        const line = incompleteLine + text.slice(lineStart, lineEnd)
        incompleteLine = ''
        processLine(line, 0, line.length)
      }
      if (stream !== streamNumber) return
      // A CR directly followed by an LF is one line end (CRLF).
      lineStart = atCr && text.charCodeAt(lineEnd + 1) === LF ? lineEnd + 2 : lineEnd + 1
      if (nextLf !== -1 && nextLf < lineStart) nextLf = text.indexOf('\n', lineStart)
      if (nextCr !== -1 && nextCr < lineStart) nextCr = text.indexOf('\r', lineStart)
    }
    incompleteLine += text.slice(lineStart)
    // A final CR already ended its line; remember it so a CRLF split across chunks is one end.
    afterCarriageReturn = text.endsWith('\r')
  }

  /** Processes the line `text[start, end)`, read in place: only the value is sliced out. */
  function processLine(text: string, start: number, end: number): void {
    // [spec] If the line is empty (a blank line): Dispatch the event, as defined below.
    if (start === end) {
      dispatch()
      return
    }
    // [spec] If the line starts with a U+003A COLON character (:): Ignore the line.
    // (Reported to `onComment`, which may track heartbeats.)
    if (text.charCodeAt(start) === COLON) {
      if (onComment) onComment(text.slice(text.charCodeAt(start + 1) === SPACE ? start + 2 : start + 1, end))
      return
    }
    const found = text.indexOf(':', start)
    const colon = found === -1 || found > end ? end : found
    // [spec] If the line contains a U+003A COLON character (:): Collect the characters on the
    // line before the first U+003A COLON character (:), and let field be that string. Collect
    // the characters on the line after the first U+003A COLON character (:), and let value be
    // that string. If value starts with a U+0020 SPACE character, remove it from value.
    // [spec] Otherwise, the string is not empty but does not contain a U+003A COLON character
    // (:): Process the field using the steps described below, using the whole line as the
    // field name, and the empty string as the field value. (Here `colon` is then `end`.)
    const valueStart = colon === end ? end : text.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1
    processField(fieldAt(text, start, colon), text, valueStart, end, start)
  }

  // [spec] Field names must be compared literally, with no case folding performed.
  function processField(
    field: KnownField | undefined,
    text: string,
    valueStart: number,
    end: number,
    lineStart: number,
  ): void {
    switch (field) {
      case 'event':
        // [spec] Set the event type buffer to field value.
        eventTypeBuffer = text.slice(valueStart, end)
        return
      case 'data': {
        // [spec] Append the field value to the data buffer, then append a single U+000A LINE
        // FEED (LF) character to the data buffer.
        const value = text.slice(valueStart, end)
        dataLines = dataLines === undefined ? value : `${dataLines}\n${value}`
        return
      }
      case 'id': {
        // [spec] If the field value does not contain U+0000 NULL, then set the last event ID
        // buffer to the field value. Otherwise, ignore the field.
        const value = text.slice(valueStart, end)
        if (!value.includes('\0')) lastEventIdBuffer = value
        return
      }
      case 'retry': {
        // [spec] If the field value consists of only ASCII digits, then interpret the field
        // value as an integer in base ten, and set the event stream's reconnection time to that
        // integer. Otherwise, ignore the field.
        const value = text.slice(valueStart, end)
        if (ASCII_DIGITS.test(value)) {
          onRetry?.(Number.parseInt(value, 10))
        } else {
          onError?.({
            type: 'invalid-retry',
            message: `Ignored \`retry\` field: ${JSON.stringify(value)} is not a number of milliseconds in ASCII digits`,
            value,
            line: text.slice(lineStart, end),
          })
        }
        return
      }
      default:
      // [spec] Otherwise: The field is ignored.
    }
  }

  function dispatch(): void {
    // [spec] 1. Set the last event ID string of the event source to the value of the last
    // event ID buffer. The buffer does not get reset, so the last event ID string of the event
    // source remains set to this value until the next time it is set by the server.
    if (lastEventIdBuffer !== undefined && lastEventIdBuffer !== lastEventId) {
      lastEventId = lastEventIdBuffer
      onLastEventId?.(lastEventId)
    }
    // [spec] 2. If the data buffer is an empty string, set the data buffer and the event type
    // buffer to the empty string and return.
    if (dataLines === undefined) {
      eventTypeBuffer = ''
      return
    }
    // [spec] 3. If the data buffer's last character is a U+000A LINE FEED (LF) character, then
    // remove the last character from the data buffer. (`dataLines` never holds that last LF.)
    const data = dataLines
    // [spec] 5. Initialize event's type attribute to "message", […] 6. If the event type buffer
    // has a value other than the empty string, change the type of the newly created event to
    // equal the value of the event type buffer.
    const event = eventTypeBuffer === '' ? 'message' : eventTypeBuffer
    // [spec] 7. Set the data buffer and the event type buffer to the empty string.
    dataLines = undefined
    eventTypeBuffer = ''
    onEvent({ event, data, id: lastEventId })
  }

  function reset(): void {
    // [spec] Once the end of the file is reached, any pending data must be discarded. (If the
    // file ends in the middle of an event, before the final empty line, the incomplete event is
    // not dispatched.)
    streamNumber++
    incompleteLine = ''
    afterCarriageReturn = false
    atStreamStart = true
    dataLines = undefined
    eventTypeBuffer = ''
    lastEventIdBuffer = undefined
    lastEventId = undefined
  }

  return {
    feed,
    reset,
    get lastEventId() {
      return lastEventId
    },
  }
}

type KnownField = 'event' | 'data' | 'id' | 'retry'

/** The field the line `text[start, colon)` names, if the algorithm knows it; compared in place. */
function fieldAt(text: string, start: number, colon: number): KnownField | undefined {
  switch (colon - start) {
    case 2:
      return text.startsWith('id', start) ? 'id' : undefined
    case 4:
      return text.startsWith('data', start) ? 'data' : undefined
    case 5:
      if (text.startsWith('event', start)) return 'event'
      return text.startsWith('retry', start) ? 'retry' : undefined
    default:
      return undefined
  }
}
