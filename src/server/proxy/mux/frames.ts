/**
 * The frames of a mux stream (WHATWG HTML "event stream format"). Pure: strings in, strings
 * out. Every event carries an `id`, because the merged stream's last event ID would otherwise
 * leak from one project's event into the next project's.
 */

import { formatMuxId, MUX_EVENT, type MuxOpenData, type MuxProjectData } from '../../../protocol/mux'
import type { ServerSentEvent } from '../../../sse/types'

/**
 * @internal One event frame. [spec] A `data` value ends at a line break, so data holding line
 * breaks is written as one `data:` line per line, which the parser joins with LF again (data
 * from our parser holds only LF; CR and CRLF would end a line all the same). `event` and `id`
 * values come from single lines.
 */
export function eventFrame(event: string, id: string, data: string): string {
  let frame = `event: ${event}\nid: ${id}\n`
  for (const line of data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`
  return `${frame}\n`
}

/** @internal An upstream event re-tagged with its project: same name, same data, id `<projectId>/<id>`. */
export function projectEventFrame(projectId: string, event: ServerSentEvent): string {
  return eventFrame(event.event, formatMuxId(projectId, event.id), event.data)
}

/** @internal `mux.open`, the first event of every mux stream. */
export function openFrame(data: MuxOpenData): string {
  // The stream's own events carry an id too, so the last event ID never names a project.
  return eventFrame(MUX_EVENT.open, '', JSON.stringify(data))
}

/** @internal `mux.project`: a project's upstream opened, failed or closed. */
export function projectStateFrame(data: MuxProjectData): string {
  return eventFrame(MUX_EVENT.project, formatMuxId(data.projectId, undefined), JSON.stringify(data))
}

/**
 * @internal `mux.ping`: the project's upstream sent a heartbeat comment. [spec] An event with
 * empty data is never dispatched, so it carries `{}`.
 */
export function projectPingFrame(projectId: string): string {
  return eventFrame(MUX_EVENT.ping, formatMuxId(projectId, undefined), '{}')
}

/** @internal The proxy's own heartbeat: a comment, which dispatches nothing. */
export const HEARTBEAT_FRAME = ': ping\n\n'
