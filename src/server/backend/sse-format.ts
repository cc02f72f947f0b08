/**
 * Server-Sent Events framing (WHATWG HTML §9.2, "event stream format"). Pure: strings in,
 * strings out.
 */

/** @internal One event frame. `data` is JSON-encoded, which never contains a raw CR or LF. */
export function formatEvent(event: string, data: unknown, id?: number | string | undefined): string {
  // [spec] Lines are "field: value"; an empty line dispatches the event. JSON.stringify escapes
  // line breaks inside strings, so one `data:` line always suffices.
  const idLine = id === undefined ? '' : `id: ${id}\n`
  return `event: ${event}\n${idLine}data: ${JSON.stringify(data)}\n\n`
}

/** @internal A heartbeat. [spec] A line starting with a colon is a comment; clients ignore it. */
export const HEARTBEAT_FRAME = ': ping\n\n'
