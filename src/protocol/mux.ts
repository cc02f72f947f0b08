/**
 * The multiplexed stream (`/api/persistent-chat/mux`, docs/mux-stream.md): one browser
 * connection per user carrying every project. Event names, the `<projectId>/<innerId>` SSE id,
 * the control body, the per-project status payloads and the limits, shared by proxy and hub.
 * Pure: no I/O.
 */
import { isProjectId } from './limits'

/** @public The route under the proxy's base path (`/api/persistent-chat/mux`). */
export const MUX_ROUTE = '/mux'

/**
 * @public SSE event names the proxy itself writes on a mux stream. Upstream events in this
 * namespace are dropped, so a `mux.*` event always comes from the proxy.
 */
export const MUX_EVENT = {
  /** The first event: `MuxOpenData`. */
  open: 'mux.open',
  /** A project's upstream changed state: `MuxProjectData`. */
  project: 'mux.project',
  /** A project's upstream sent a heartbeat comment; data `{}`. */
  ping: 'mux.ping',
} as const

/** @public The reserved event-name prefix of {@link MUX_EVENT}. */
export const MUX_EVENT_PREFIX = 'mux.'

/** @public Most projects one mux stream carries (GET `projects=` and after every control POST). */
export const MAX_MUX_PROJECTS = 32

/** @public Most mux streams one user holds open at one proxy process (429 beyond). */
export const MAX_MUX_STREAMS_PER_USER = 4

/** @public `Retry-After` seconds of the 429 for one mux stream too many. */
export const MUX_RETRY_AFTER_SECONDS = 5

/** @public Stream ids: 16 random bytes (128 bits) in unpadded base64url. */
export const MUX_STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

/** @public Data of `mux.open`. */
export interface MuxOpenData {
  /** Names this stream in control POSTs; only its user may use it. */
  streamId: string
  /** The proxy writes a `: ping` comment after this long without other bytes. */
  heartbeatMs: number
}

/** @public One project and the cursor its upstream starts at (sent as `Last-Event-ID`). */
export interface MuxCursor {
  projectId: string
  /** Non-negative safe integer: the last seq the hub holds. */
  cursor: number
}

/**
 * @public The body of `POST /api/persistent-chat/mux`. `add` of a project already in the
 * stream restarts its upstream at the new cursor; `remove` of one not in it is a no-op.
 */
export interface MuxControlRequest {
  streamId: string
  add?: MuxCursor[] | undefined
  remove?: string[] | undefined
}

/**
 * @public Why a project's upstream ended after `open`:
 * - `ended`: the backend ended the response;
 * - `cut`: the connection to the backend broke;
 * - `removed`: a control POST removed the project;
 * - `replaced`: a control POST added the project again (a new upstream follows).
 */
export type MuxCloseReason = 'ended' | 'cut' | 'removed' | 'replaced'

/**
 * @public Data of `mux.project`. Every upstream attempt of a project emits `open` then at most
 * one `closed`, or `error` alone (`closed` `removed`/`replaced` also ends an attempt still
 * waiting for headers). `cursor` is the attempt's start cursor, so the hub can tell an old
 * attempt's last word from the new one's. The proxy never retries by itself.
 */
export type MuxProjectData =
  | { projectId: string; state: 'open'; cursor: number }
  | {
      projectId: string
      state: 'error'
      cursor: number
      /** What `GET /stream` would have answered: the backend's status, or 502/504. */
      status: number
      /** The `Retry-After` header verbatim, or `null`. */
      retryAfter: string | null
      /** The error body's code: the backend's own, or the proxy's (`bad_gateway`, …). */
      code: string
      message: string
    }
  | { projectId: string; state: 'closed'; cursor: number; reason: MuxCloseReason }

/** @public The state names of {@link MuxProjectData}. */
export type MuxProjectState = MuxProjectData['state']

/**
 * @public The SSE id of a mux event: `<projectId>/<innerId>`, where `innerId` is the upstream
 * event's id (its stream's last event ID) or empty when it has none. Project ids never hold `/`.
 */
export function formatMuxId(projectId: string, innerId: string | undefined): string {
  return `${projectId}/${innerId ?? ''}`
}

/**
 * @public Splits a mux SSE id; `innerId` is `undefined` for `<projectId>/`. Returns `undefined`
 * for an id that is not `<valid projectId>/<anything>`.
 */
export function parseMuxId(
  id: string | undefined,
): { projectId: string; innerId: string | undefined } | undefined {
  if (id === undefined) return undefined
  const slash = id.indexOf('/')
  if (slash === -1) return undefined
  const projectId = id.slice(0, slash)
  if (!isProjectId(projectId)) return undefined
  const innerId = id.slice(slash + 1)
  return { projectId, innerId: innerId === '' ? undefined : innerId }
}

/**
 * @public The `projects` query value of `GET /api/persistent-chat/mux`:
 * `<id>:<cursor>[,<id>:<cursor>…]` (empty for no project). Put it through `URLSearchParams`.
 */
export function formatMuxProjects(projects: readonly MuxCursor[]): string {
  return projects.map(({ projectId, cursor }) => `${projectId}:${cursor}`).join(',')
}
