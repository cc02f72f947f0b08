/**
 * Mux streams in proxy tests: open `GET /api/persistent-chat/mux` over node:http (the socket
 * stays in the test's hands), read its events by project, and send control POSTs.
 */
import {
  formatMuxProjects,
  MUX_EVENT,
  type MuxCursor,
  type MuxOpenData,
  type MuxProjectData,
  parseMuxId,
} from '../../src/protocol/mux'
import { openSse, type SseEvent, type SseStream, type TestStack } from './servers'

/** @internal A mux stream and views of it by project. */
export interface MuxStream extends SseStream {
  /** The `mux.open` data; throws before it arrived. */
  open(): MuxOpenData
  /** The upstream events of `projectId` (not `mux.*`), in arrival order. */
  eventsOf(projectId: string): SseEvent[]
  /** The `mux.project` data of `projectId`, in arrival order. */
  statesOf(projectId: string): MuxProjectData[]
  /** How many `mux.ping` events `projectId` got. */
  pingsOf(projectId: string): number
  /** The seqs of `message.replay` and `message.new` events of `projectId`. */
  seqsOf(projectId: string): number[]
  /** Waits until `projectId` has `count` states; resolves with the last. */
  nextState(projectId: string, count: number, timeoutMs?: number): Promise<MuxProjectData>
}

/** @internal Each project at cursor 0 (from the start). */
export function fromStart(...projectIds: string[]): MuxCursor[] {
  return projectIds.map((projectId) => ({ projectId, cursor: 0 }))
}

/** @internal The path of a mux GET for `projects` (or a raw `projects` value). */
export function muxPath(projects: readonly MuxCursor[] | string): string {
  const value = typeof projects === 'string' ? projects : formatMuxProjects(projects)
  return `/api/persistent-chat/mux?${new URLSearchParams({ projects: value })}`
}

/** @internal Opens a mux stream through `stack`'s proxy. */
export async function openMux(
  stack: Pick<TestStack, 'url'>,
  cookie: string,
  projects: readonly MuxCursor[] | string,
): Promise<MuxStream> {
  const stream = await openSse(stack.url + muxPath(projects), { cookie })
  const ofProject = (projectId: string) =>
    stream.events.filter((event) => parseMuxId(event.id)?.projectId === projectId)
  const statesOf = (projectId: string) =>
    ofProject(projectId)
      .filter((event) => event.event === MUX_EVENT.project)
      .map((event) => JSON.parse(event.data) as MuxProjectData)
  const eventsOf = (projectId: string) =>
    ofProject(projectId).filter((event) => !event.event.startsWith('mux.'))
  return Object.assign(stream, {
    open() {
      const first = stream.events[0]
      if (first?.event !== MUX_EVENT.open) throw new Error(`no mux.open yet: ${JSON.stringify(first)}`)
      return JSON.parse(first.data) as MuxOpenData
    },
    eventsOf,
    statesOf,
    pingsOf: (projectId: string) =>
      ofProject(projectId).filter((event) => event.event === MUX_EVENT.ping).length,
    seqsOf: (projectId: string) =>
      eventsOf(projectId)
        .filter((event) => event.event === 'message.replay' || event.event === 'message.new')
        .map((event) => (JSON.parse(event.data) as { seq: number }).seq),
    async nextState(projectId: string, count: number, timeoutMs = 5000) {
      await stream.until(() => statesOf(projectId).length >= count, timeoutMs)
      return statesOf(projectId)[count - 1] as MuxProjectData
    },
  })
}

/** @internal Waits for `mux.open` and returns the stream id. */
export async function streamIdOf(stream: MuxStream): Promise<string> {
  await stream.until(() => stream.events.length > 0)
  return stream.open().streamId
}

/** @internal `POST /api/persistent-chat/mux` with `body` (an object is sent as JSON). */
export function muxControl(
  stack: Pick<TestStack, 'fetch'>,
  cookie: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return stack.fetch('/api/persistent-chat/mux', {
    method: 'POST',
    cookie,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}
