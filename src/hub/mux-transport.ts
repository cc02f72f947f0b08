/**
 * One browser connection per user, however many projects (docs/mux-stream.md): every project
 * stream of the session travels in one `GET {apiBase}/mux`, and projects join, leave or restart
 * with a control POST naming that stream. Each project still looks to its channel like its own
 * stream — opened, chunks, ended with why — so the core's rules (cursor, replay → history
 * handoff, 403, 429, stall watchdog) stay per project. A cut of the merged stream ends every
 * project at once; a 403 or 429 of one leaves the others streaming. A proxy without the route
 * (404/405) makes the transport fall back to one stream per project for good.
 */

import {
  formatMuxProjects,
  MUX_EVENT,
  MUX_ROUTE,
  type MuxControlRequest,
  type MuxProjectData,
  parseMuxId,
} from '../protocol'
import type { ServerSentEvent } from '../sse'
import type { RequestFailure } from './core'
import { type Clock, systemClock } from './deps'
import { errorMessage, request, retryAfterMs } from './http'
import {
  createProjectStreams,
  readEventStream,
  type StreamSink,
  type StreamTransport,
  type TransportContext,
} from './stream-transport'

interface Want {
  projectId: string
  cursor: number
  sink: StreamSink
  /** `queued`: not yet asked for; `requested`: in the GET or a POST; `open`: streaming. */
  state: 'queued' | 'requested' | 'open'
}

interface Mux {
  controller: AbortController
  streamId: string | undefined
  heartbeatMs: number
  lastBytesAt: number
  watchdog: unknown
}

/** @internal */
export function createMuxTransport(ctx: TransportContext): StreamTransport {
  const { clock, config, log } = ctx
  // The connection's own liveness and the control POST's time limit are about the real network,
  // so they run on wall-clock time whatever clock the hub's rules run on.
  const wall = systemClock
  const wants = new Map<string, Want>()
  /** What the next control POST says of each project: the latest intent wins. */
  const changes = new Map<string, 'add' | 'remove'>()
  let mux: Mux | undefined
  let posting = false
  let flushQueued = false
  /** Aborts a control POST in flight when the transport closes. */
  const closing = new AbortController()
  let fallback: StreamTransport | undefined

  /** The merged stream is gone: every project on it ends, as one cut of a shared connection. */
  const failAll = (failure: RequestFailure) => {
    if (mux) {
      wall.clearTimeout(mux.watchdog)
      mux.controller.abort()
      mux = undefined
    }
    changes.clear()
    const ended = [...wants.values()]
    wants.clear()
    for (const want of ended) want.sink.ended(failure)
  }

  const openMux = () => {
    const controller = new AbortController()
    const current: Mux = {
      controller,
      streamId: undefined,
      heartbeatMs: ctx.heartbeatMs(),
      lastBytesAt: wall.now(),
      watchdog: undefined,
    }
    mux = current
    const carried = [...wants.values()]
    for (const want of carried) want.state = 'requested'
    const projects = formatMuxProjects(carried.map(({ projectId, cursor }) => ({ projectId, cursor })))
    const ended = (failure: RequestFailure) => {
      if (mux !== current) return
      if (failure.kind === 'rejected' && (failure.code === 404 || failure.code === 405)) return unsupported()
      log({
        level: 'info',
        event: 'mux.ended',
        reason: failure.kind === 'aborted' ? 'aborted' : reasonOf(failure),
      })
      failAll(failure)
    }
    ctx
      .fetch(`${config.apiBase}${MUX_ROUTE}?projects=${encodeURIComponent(projects)}`, {
        method: 'GET',
        headers: { accept: 'text/event-stream' },
        signal: controller.signal,
      })
      .then(
        (response) =>
          readEventStream(response, ctx, controller.signal, {
            opened: () => arm(current),
            chunk: (events) => {
              current.lastBytesAt = wall.now()
              route(current, events)
            },
          }),
        (error: unknown): RequestFailure =>
          controller.signal.aborted ? { kind: 'aborted' } : { kind: 'retry', reason: errorMessage(error) },
      )
      .then(ended, (error: unknown) => ended({ kind: 'retry', reason: errorMessage(error) }))
  }

  /**
   * No bytes on the merged stream (not even the proxy's own pings) for 3 × its heartbeat: a bit
   * longer than a project's own watchdog (2.5 ×), so one stalled project restarts alone, and a
   * stalled connection ends every project at once.
   */
  const arm = (current: Mux) => {
    const stallAfter = Math.round(3 * current.heartbeatMs)
    wall.clearTimeout(current.watchdog)
    current.watchdog = wall.setTimeout(() => {
      if (mux !== current) return
      const silent = wall.now() - current.lastBytesAt
      if (silent >= stallAfter || silent < 0)
        return failAll({ kind: 'retry', reason: `no bytes on the multiplexed stream for ${stallAfter} ms` })
      arm(current)
    }, stallAfter)
  }

  const route = (current: Mux, events: ServerSentEvent[]) => {
    const batches = new Map<Want, ServerSentEvent[]>()
    const batchOf = (want: Want) => {
      let batch = batches.get(want)
      if (!batch) {
        batch = []
        batches.set(want, batch)
      }
      return batch
    }
    for (const event of events) {
      if (event.event === MUX_EVENT.open) {
        const data = parseJson(event.data) as { streamId?: unknown; heartbeatMs?: unknown } | undefined
        if (typeof data?.streamId === 'string') current.streamId = data.streamId
        if (typeof data?.heartbeatMs === 'number' && data.heartbeatMs > 0)
          current.heartbeatMs = data.heartbeatMs
        arm(current)
        for (const want of wants.values()) if (want.state === 'queued') queue(want.projectId, 'add')
        continue
      }
      const target = parseMuxId(event.id)
      const want = target && wants.get(target.projectId)
      if (!target || !want) continue
      if (event.event === MUX_EVENT.project) {
        projectState(want, parseJson(event.data) as MuxProjectData | undefined)
        continue
      }
      if (want.state !== 'open') continue // an earlier attempt's last events
      if (event.event === MUX_EVENT.ping) batchOf(want)
      else batchOf(want).push({ event: event.event, data: event.data, id: target.innerId })
    }
    for (const [want, batch] of batches)
      if (wants.get(want.projectId) === want) want.sink.chunk(batch, undefined)
  }

  const projectState = (want: Want, data: MuxProjectData | undefined) => {
    if (!data || data.cursor !== want.cursor) return // another attempt's word
    switch (data.state) {
      case 'open':
        if (want.state === 'open') return
        want.state = 'open'
        return want.sink.opened(ctx.heartbeatMs())
      case 'error':
        return end(want, failureOf(data, clock))
      case 'closed':
        // `removed` and `replaced` answer our own POSTs: nothing to tell.
        if (data.reason === 'ended' || data.reason === 'cut')
          end(want, {
            kind: 'retry',
            reason: data.reason === 'cut' ? 'the stream was cut' : 'the stream ended',
          })
        return
    }
  }

  const end = (want: Want, failure: RequestFailure) => {
    if (wants.get(want.projectId) !== want) return
    wants.delete(want.projectId)
    want.sink.ended(failure)
  }

  const queue = (projectId: string, change: 'add' | 'remove') => {
    changes.set(projectId, change)
    if (change === 'add') {
      const want = wants.get(projectId)
      if (want) want.state = 'requested'
    }
    // One POST for the changes of one turn.
    if (flushQueued) return
    flushQueued = true
    queueMicrotask(() => {
      flushQueued = false
      void flush()
    })
  }

  const flush = async () => {
    const current = mux
    if (posting || !current?.streamId || changes.size === 0) return
    const add = [...changes].flatMap(([projectId, change]) => {
      const want = wants.get(projectId)
      return change === 'add' && want ? [{ projectId, cursor: want.cursor }] : []
    })
    const remove = [...changes].flatMap(([projectId, change]) => (change === 'remove' ? [projectId] : []))
    changes.clear()
    const body: MuxControlRequest = { streamId: current.streamId, add, remove }
    posting = true
    // The time limit guards against a hung POST, which would hold every later change back.
    const result = await request(ctx.fetch, wall, `${config.apiBase}${MUX_ROUTE}`, {
      method: 'POST',
      body,
      signal: closing.signal,
      timeoutMs: config.requestTimeoutMs,
    })
    posting = false
    if (mux !== current) return
    if (!result.ok) {
      const { failure } = result
      // The stream lives in another process, or is gone: reopen with the full set.
      if (failure.kind === 'rejected' && failure.code === 404)
        return failAll({ kind: 'retry', reason: 'the proxy no longer knows the multiplexed stream' })
      log({ level: 'warn', event: 'mux.control_failed', reason: reasonOf(failure) })
      for (const { projectId, cursor } of add) {
        const want = wants.get(projectId)
        if (want && want.cursor === cursor) end(want, failure)
      }
      for (const projectId of remove) if (!changes.has(projectId)) changes.set(projectId, 'remove')
    }
    if (wants.size === 0) closeMux()
    else if (changes.size > 0) void flush()
  }

  /** Nothing left to carry: the connection goes (a new project opens a new one). */
  const closeMux = () => {
    const current = mux
    mux = undefined
    changes.clear()
    if (!current) return
    wall.clearTimeout(current.watchdog)
    current.controller.abort()
  }

  /** The proxy has no mux route: one stream per project from now on. */
  const unsupported = () => {
    log({
      level: 'warn',
      event: 'mux.unsupported',
      message: `${config.apiBase}${MUX_ROUTE} is not served: one stream per project`,
    })
    fallback = createProjectStreams(ctx)
    failAll({
      kind: 'retry',
      reason: 'the proxy has no multiplexed stream; one stream per project from now on',
    })
  }

  return {
    open(projectId, cursor, sink) {
      if (fallback) return fallback.open(projectId, cursor, sink)
      const want: Want = { projectId, cursor, sink, state: 'queued' }
      wants.set(projectId, want)
      if (!mux) openMux()
      else if (mux.streamId) queue(projectId, 'add')
      return {
        abort() {
          if (wants.get(projectId) !== want) return
          wants.delete(projectId)
          if (wants.size === 0 && !posting) return closeMux()
          queue(projectId, 'remove')
        },
      }
    },
    connections: () => (mux ? 1 : 0) + (fallback?.connections() ?? 0),
    close() {
      closing.abort()
      closeMux()
      wants.clear()
      fallback?.close()
    },
  }
}

/** A project's `error` as the per-project route's answer would have been classified. */
function failureOf(data: Extract<MuxProjectData, { state: 'error' }>, clock: Clock): RequestFailure {
  const { status, message } = data
  if (status === 401 || status === 403) return { kind: 'auth', code: status, reason: message }
  if (status === 429)
    return { kind: 'rate_limited', retryAfterMs: retryAfterMs(data.retryAfter, clock), reason: message }
  if (status === 408 || status >= 500) return { kind: 'retry', reason: `${status} ${message}` }
  return { kind: 'rejected', code: status, reason: message }
}

function reasonOf(failure: RequestFailure): string {
  switch (failure.kind) {
    case 'auth':
    case 'rejected':
      return `${failure.code} ${failure.reason}`
    case 'aborted':
      return 'aborted'
    default:
      return failure.reason
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
