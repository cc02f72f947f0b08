/**
 * One project's live channel for one user: the thin shell around the pure core
 * (`core/step.ts`). It carries out the core's effects with the real fetch, clock and store —
 * the stream, history requests, commits, timers — and feeds every outcome back as an input.
 * The delivery rules themselves (dedupe, gap fill, windows, data resets, backoff) live in the core.
 */
import type {
  ChannelChange,
  ChannelSnapshot,
  ConnectionStatus,
  MessageData,
  OutboxEntry,
  PersistentChatMessage,
  ProjectStats,
} from '../protocol'
import { decodeHistoryResponse } from '../sse'
import {
  type ChannelEffect,
  type ChannelInput,
  createChannelState,
  type HistoryQuery,
  type HistoryResult,
  type OlderAnswer,
  snapshotOf,
  statusOf,
  step,
  type TimerName,
} from './core'
import type { SessionIo } from './deps'
import { errorMessage, readJson, request } from './http'
import { otherUser, type StreamTransport } from './stream-transport'

/** @internal What a channel is built from; the user session provides it. */
export interface ChannelContext extends SessionIo {
  projectId: string
  heartbeatMs(): number
  /** This project's queued sends, oldest first. */
  outbox(): OutboxEntry[]
  /** Changes in the order they were applied: fan them out to the project's subscribers. */
  onChanges(changes: ChannelChange[]): void
  /**
   * These `client_msg_id`s are confirmed: their sends are done. `stored`: the commit that wrote
   * their messages already removed them from the stored outbox.
   */
  onSettled(clientMsgIds: string[], stored: boolean): void
  /** A 401 (or another user behind the cookie): the whole user session stops until asked. */
  onUnauthenticated(code: number, reason: string): void
  /** How the stream reaches the proxy: its own fetch, or the user's multiplexed stream. */
  transport: StreamTransport
}

/** @public A running project channel. */
export interface ProjectChannel {
  readonly projectId: string
  /** Loads the cache and starts streaming; idempotent. Resolves once the cache is loaded. */
  start(): Promise<void>
  /** Ends the stream and every timer; the channel can be started again. */
  stop(): void
  /**
   * Runs `use` with the current snapshot once the cache is loaded, so a subscriber added inside
   * it receives every later change and none that the snapshot already holds.
   */
  withSnapshot<T>(use: (snapshot: ChannelSnapshot) => T): Promise<T>
  /** Retry now: clears `auth_failed`, skips a backoff or `Retry-After` wait. */
  reconnect(): void
  /** A send's acknowledged message (from the POST response): delivered in seq order like any other. */
  acknowledge(data: MessageData): void
  loadOlder(
    beforeSeq: number,
    limit: number,
  ): Promise<{ messages: PersistentChatMessage[]; hasOlder: boolean }>
  /** Stop requesting until `reconnect()` (the session saw a 401). */
  suspend(code: number, reason: string): void
  /** The network is back: retry now unless stopped until asked. */
  online(): void
  /** The network is gone: end the stream; the channel then waits for `online()`. */
  offline(): void
  /** Resolves when no write is queued or in flight (so a stopped channel can be dropped). */
  idle(): Promise<void>
  readonly running: boolean
  readonly status: ConnectionStatus
  readonly streaming: boolean
  stats(): Omit<ProjectStats, 'subscribers' | 'outboxDepth'>
}

/** @public Create a channel; nothing happens until `start()`. */
export function createProjectChannel(ctx: ChannelContext): ProjectChannel {
  const { projectId, clock, config, log } = ctx
  const api = config.apiBase
  const state = createChannelState(projectId, config)
  const timers = new Map<TimerName, unknown>()
  const streams = new Map<number, { abort(): void }>()
  const histories = new Map<number, AbortController>()
  const olderAnswers = new Map<number, (answer: OlderAnswer) => void>()
  const loaded = deferred()
  /** A first snapshot waits for the first window of an empty cache (unless fetching it fails). */
  const ready = deferred()
  const snapshotReady = () =>
    state.cache === 'loaded' &&
    (state.view !== undefined || state.phase.phase !== 'windowing' || state.retrying !== undefined)
  const idleWaiters: Array<() => void> = []
  let nextOlder = 1

  // Inputs raised while effects run are applied after them, in order: one step at a time.
  const inbox: ChannelInput[] = []
  let stepping = false
  const dispatch = (input: ChannelInput) => {
    inbox.push(input)
    if (stepping) return
    stepping = true
    try {
      for (let next = inbox.shift(); next; next = inbox.shift()) {
        const { effects } = step(state, next, { now: clock.now(), random: ctx.random })
        for (const effect of effects) run(effect)
      }
    } finally {
      stepping = false
    }
    if (state.cache === 'loaded') loaded.resolve()
    if (snapshotReady()) ready.resolve()
    if (state.commits.length === 0 && idleWaiters.length > 0) {
      for (const resolve of idleWaiters.splice(0)) resolve()
    }
  }

  const run = (effect: ChannelEffect) => {
    switch (effect.type) {
      case 'load_cache':
        ctx.store.loadProject(projectId, config.windowSize).then(
          (found) => dispatch({ type: 'cache_loaded', record: found.record, messages: found.messages }),
          (error: unknown) => {
            log({ level: 'error', event: 'channel.cache_failed', projectId, error: errorMessage(error) })
            dispatch({ type: 'cache_loaded', record: undefined, messages: [] })
          },
        )
        return
      case 'open_stream':
        return openStream(effect.connection, effect.cursor)
      case 'abort_stream':
        streams.get(effect.connection)?.abort()
        streams.delete(effect.connection)
        return
      case 'fetch_history':
        return void fetchHistory(effect.request, effect.query)
      case 'abort_history':
        histories.get(effect.request)?.abort()
        return
      case 'read_cache':
        ctx.store.loadBefore(projectId, effect.beforeSeq, effect.limit).then(
          (messages) => dispatch({ type: 'cache_read', request: effect.request, messages }),
          () => dispatch({ type: 'cache_read', request: effect.request, messages: [] }),
        )
        return
      case 'commit':
        ctx.store.commit(projectId, effect.batch).then(
          () => dispatch({ type: 'commit_done', commit: effect.commit }),
          (error: unknown) =>
            dispatch({ type: 'commit_failed', commit: effect.commit, reason: errorMessage(error) }),
        )
        return
      case 'emit':
        return ctx.onChanges(effect.changes)
      case 'emit_reset':
        return ctx.onChanges([{ type: 'reset', snapshot: snapshotOf(state, ctx.outbox()) }])
      case 'settle':
        return ctx.onSettled(effect.clientMsgIds, effect.stored)
      case 'answer_older': {
        const answer = olderAnswers.get(effect.request)
        olderAnswers.delete(effect.request)
        return answer?.(effect.answer)
      }
      case 'set_timer':
        clock.clearTimeout(timers.get(effect.name))
        timers.set(
          effect.name,
          clock.setTimeout(() => {
            timers.delete(effect.name)
            dispatch({ type: 'timer', name: effect.name })
          }, effect.ms),
        )
        return
      case 'clear_timer':
        clock.clearTimeout(timers.get(effect.name))
        timers.delete(effect.name)
        return
      case 'unauthenticated':
        return ctx.onUnauthenticated(effect.code, effect.reason)
      case 'log':
        return log({ level: effect.level, event: effect.event, projectId, ...effect.fields })
    }
  }

  /** Open the stream through the transport and tell the core what happens to it. */
  const openStream = (connection: number, cursor: number) => {
    const handle = ctx.transport.open(projectId, cursor, {
      opened: (heartbeatMs) => dispatch({ type: 'stream_opened', connection, heartbeatMs }),
      chunk: (events, retryMs) => dispatch({ type: 'stream_chunk', connection, events, retryMs }),
      ended(failure) {
        streams.delete(connection)
        dispatch({ type: 'stream_ended', connection, failure })
      },
    })
    streams.set(connection, handle)
  }

  const fetchHistory = async (id: number, query: HistoryQuery) => {
    const controller = new AbortController()
    histories.set(id, controller)
    const cursor = 'afterSeq' in query ? `after_seq=${query.afterSeq}` : `before_seq=${query.beforeSeq}`
    const url = `${api}/messages?projectId=${encodeURIComponent(projectId)}&${cursor}&limit=${query.limit}`
    let result: HistoryResult
    const answer = await request(ctx.fetch, clock, url, {
      method: 'GET',
      signal: controller.signal,
      timeoutMs: config.requestTimeoutMs,
    })
    const refused = answer.ok ? otherUser(answer.response, ctx.userId) : undefined
    if (!answer.ok) result = answer
    else if (refused) result = { ok: false, failure: refused }
    else {
      const body = await readJson(answer.response)
      const decoded = body.ok ? decodeHistoryResponse(body.json) : undefined
      if (!body.ok) result = body
      else if (decoded?.ok) result = { ok: true, page: decoded.history }
      else result = { ok: false, failure: { kind: 'retry', reason: decoded?.error.message ?? 'bad history' } }
    }
    histories.delete(id)
    dispatch({ type: 'history_result', request: id, result })
  }

  return {
    projectId,
    get running() {
      return state.running
    },
    get status() {
      return statusOf(state)
    },
    get streaming() {
      return state.phase.phase === 'connecting' || state.phase.phase === 'streaming'
    },
    start() {
      dispatch({ type: 'start', online: ctx.isOnline() })
      return loaded.promise
    },
    stop() {
      dispatch({ type: 'stop' })
    },
    async withSnapshot(use) {
      await ready.promise
      return use(snapshotOf(state, ctx.outbox()))
    },
    reconnect: () => dispatch({ type: 'reconnect' }),
    suspend: (code, reason) => dispatch({ type: 'suspend', code, reason }),
    online: () => dispatch({ type: 'online' }),
    offline: () => dispatch({ type: 'offline' }),
    acknowledge: (data) => dispatch({ type: 'acknowledged', data }),
    loadOlder(beforeSeq, limit) {
      const id = nextOlder++
      return new Promise((resolve, reject) => {
        olderAnswers.set(id, (answer) =>
          answer.ok
            ? resolve({ messages: answer.messages, hasOlder: answer.hasOlder })
            : reject({ code: 'unavailable', message: `couldn't load older messages: ${answer.reason}` }),
        )
        dispatch({ type: 'load_older', request: id, beforeSeq, limit })
      })
    },
    idle() {
      if (state.commits.length === 0) return Promise.resolve()
      return new Promise((resolve) => idleWaiters.push(resolve))
    },
    stats: () => ({
      projectId,
      userId: ctx.userId,
      status: statusOf(state).status,
      streaming: state.phase.phase === 'connecting' || state.phase.phase === 'streaming',
      lowSeq: state.record?.lowSeq ?? null,
      highSeq: state.record?.highSeq ?? null,
      reconnects: state.counters.reconnects,
      replayed: state.counters.replayed,
      gapFills: state.counters.gapFills,
    }),
  }
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve: () => void = () => {}
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve: () => resolve() }
}
