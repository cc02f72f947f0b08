/**
 * The registry of open SSE streams: per-user limits, per-project fan-out, the replay→live
 * handoff of each stream, heartbeats and slow-consumer protection.
 */
import type { ServerResponse } from 'node:http'
import { HEARTBEAT_FRAME } from './sse-format'

/** @internal An event pushed to every open stream of a project. */
export interface LiveEvent {
  /** The message seq, for events that carry one; drives the replay→live dedupe. */
  seq?: number | undefined
  /** The encoded SSE frame, built once and written to every stream. */
  frame: string
}

/** @internal One open stream, as the route that opened it sees it. */
export interface OpenStream {
  /**
   * Writes the replay (everything up to and including `replay.end`) and switches the stream to
   * live: events published since {@link StreamRegistry.open} are written now, minus those with
   * `seq <= lastReplayedSeq`, which the replay already carried.
   */
  finishReplay(frames: string, lastReplayedSeq: number): void
}

/** @internal Options of {@link createStreamRegistry}. */
export interface StreamRegistryOptions {
  heartbeatMs: number
  maxStreamsPerUser: number
  /**
   * Bytes a stream may have queued in the socket before it is dropped. A client that stops
   * reading would otherwise grow server memory without bound; once dropped it reconnects with
   * `Last-Event-ID` and loses nothing.
   */
  maxBufferedBytes?: number | undefined
}

/** @internal See {@link createStreamRegistry}. */
export interface StreamRegistry {
  /**
   * Registers a stream and writes its response headers, or returns `undefined` when the user
   * already holds `maxStreamsPerUser` open streams. The slot is taken now and released when the
   * response closes, however that happens (client abort, slow consumer, {@link closeAll}).
   */
  open(userId: string, projectId: string, response: ServerResponse): OpenStream | undefined
  /** Sends an event to every open stream of a project. */
  publish(projectId: string, event: LiveEvent): void
  /** Open streams, of everyone or of one user. */
  count(userId?: string): number
  /** The projects a user has open streams on, sorted (a project twice when it has two). */
  projectsOf(userId: string): string[]
  /** Ends every stream. */
  closeAll(): void
}

type StreamState =
  /** Registered, replay not yet written: live events wait in `pending`. */
  | { phase: 'replaying'; pending: LiveEvent[] }
  | { phase: 'live'; lastReplayedSeq: number }
  | { phase: 'closed' }

interface Subscriber {
  userId: string
  projectId: string
  response: ServerResponse
  state: StreamState
  heartbeat: NodeJS.Timeout | undefined
}

const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024

/** @internal Creates an empty registry. */
export function createStreamRegistry(options: StreamRegistryOptions): StreamRegistry {
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES
  const byProject = new Map<string, Set<Subscriber>>()
  const perUser = new Map<string, number>()
  const all = new Set<Subscriber>()

  function write(subscriber: Subscriber, chunk: string): void {
    const { response } = subscriber
    if (response.destroyed) return
    response.write(chunk)
    // Any write counts as traffic, so the heartbeat only fires on a quiet stream.
    subscriber.heartbeat?.refresh()
    if (response.writableLength > maxBuffered) response.destroy()
  }

  function deliver(subscriber: Subscriber, event: LiveEvent): void {
    const { state } = subscriber
    if (state.phase === 'replaying') state.pending.push(event)
    else if (state.phase === 'live' && !(event.seq !== undefined && event.seq <= state.lastReplayedSeq)) {
      write(subscriber, event.frame)
    }
  }

  function release(subscriber: Subscriber): void {
    if (subscriber.state.phase === 'closed') return
    subscriber.state = { phase: 'closed' }
    if (subscriber.heartbeat) clearTimeout(subscriber.heartbeat)
    all.delete(subscriber)
    const projectSet = byProject.get(subscriber.projectId)
    projectSet?.delete(subscriber)
    if (projectSet?.size === 0) byProject.delete(subscriber.projectId)
    const held = (perUser.get(subscriber.userId) ?? 1) - 1
    if (held > 0) perUser.set(subscriber.userId, held)
    else perUser.delete(subscriber.userId)
  }

  return {
    open(userId, projectId, response) {
      const held = perUser.get(userId) ?? 0
      if (held >= options.maxStreamsPerUser) return undefined
      perUser.set(userId, held + 1)

      const subscriber: Subscriber = {
        userId,
        projectId,
        response,
        state: { phase: 'replaying', pending: [] },
        heartbeat: undefined,
      }
      all.add(subscriber)
      let projectSet = byProject.get(projectId)
      if (!projectSet) {
        projectSet = new Set()
        byProject.set(projectId, projectSet)
      }
      projectSet.add(subscriber)
      // 'close' fires on client abort, socket error, destroy() and after end(): the one place
      // that gives the slot back, so the count can never leak.
      response.once('close', () => release(subscriber))

      // Events are small and latency matters more than packet count.
      response.socket?.setNoDelay(true)
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        // Tells nginx-style reverse proxies not to buffer the stream.
        'x-accel-buffering': 'no',
      })
      response.flushHeaders()

      return {
        finishReplay(frames, lastReplayedSeq) {
          const { state } = subscriber
          if (state.phase !== 'replaying') return
          subscriber.state = { phase: 'live', lastReplayedSeq }
          write(subscriber, frames)
          for (const event of state.pending) deliver(subscriber, event)
          if (subscriber.state.phase === 'live' && options.heartbeatMs > 0) {
            // write() re-arms the timer, so this fires again only after another quiet period.
            subscriber.heartbeat = setTimeout(() => write(subscriber, HEARTBEAT_FRAME), options.heartbeatMs)
            // Streams must not keep a process alive that is otherwise done.
            subscriber.heartbeat.unref()
          }
        },
      }
    },

    publish(projectId, event) {
      const projectSet = byProject.get(projectId)
      if (!projectSet) return
      for (const subscriber of projectSet) deliver(subscriber, event)
    },

    count(userId) {
      return userId === undefined ? all.size : (perUser.get(userId) ?? 0)
    },

    projectsOf(userId) {
      return [...all].flatMap((s) => (s.userId === userId ? [s.projectId] : [])).sort()
    },

    closeAll() {
      for (const subscriber of [...all]) {
        subscriber.response.end()
        release(subscriber)
      }
    },
  }
}
