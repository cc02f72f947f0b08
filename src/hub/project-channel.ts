/**
 * One project's live channel for one user: a single fetch-streamed SSE connection, the
 * exactly-once, in-order delivery rules (dedupe, gap fill, new windows, data resets), and the
 * single-writer commit of every batch to the store before it is fanned out.
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
import { AUTHENTICATED_USER_HEADER } from '../protocol'
import type { ServerSentEvent } from '../sse'
import { createEventStreamDecoder, decodeEvent, decodeHistoryResponse, toPersistentChatMessage } from '../sse'
import type { ProjectRecord, StoredMessage } from '../store'
import { DEFAULT_BACKOFF, nextDelay } from './backoff'
import type { SessionIo } from './deps'
import { classifyResponse, errorMessage, type RequestFailure, readJson, request } from './http'

const USER_HEADER = AUTHENTICATED_USER_HEADER

/** @internal What a channel is built from; the user session provides it. */
export interface ChannelContext extends SessionIo {
  projectId: string
  heartbeatMs(): number
  /** This project's queued sends, oldest first. */
  outbox(): OutboxEntry[]
  /** Whether a `client_msg_id` is queued (its echo settles the entry). */
  isQueued(clientMsgId: string): boolean
  /** Changes in the order they were applied: fan them out to the project's subscribers. */
  onChanges(changes: ChannelChange[]): void
  /** A 401 (or another user behind the cookie): the whole user session stops until asked. */
  onUnauthenticated(code: number, reason: string): void
}

/** @public A running project channel. */
export interface ProjectChannel {
  readonly projectId: string
  /** Loads the cache and starts streaming; idempotent. */
  start(): Promise<void>
  /** Ends the stream and every timer; the channel can be started again. */
  stop(): void
  /**
   * Runs `use` with the current snapshot between two batches, so a subscriber added inside it
   * receives every later change and none that the snapshot already holds.
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
  /** The network is gone: end the stream; the loop then waits for `online()`. */
  offline(): void
  readonly status: ConnectionStatus
  readonly streaming: boolean
  stats(): Omit<ProjectStats, 'subscribers' | 'outboxDepth'>
}

/** A parsed event together with the cursor of the connection that delivered it. */
interface Incoming {
  event: ServerSentEvent
  cursor: number
}

/** @public Create a channel; nothing happens until `start()`. */
export function createProjectChannel(ctx: ChannelContext): ProjectChannel {
  const { projectId, clock, config, log } = ctx
  const api = config.apiBase

  let record: ProjectRecord | undefined
  /** The newest confirmed messages (at most `windowSize`), ascending. */
  let recent: StoredMessage[] = []
  /** Live messages beyond `highSeq + 1`, held until the gap before them is filled. */
  const held = new Map<number, StoredMessage>()
  /** Accepted since the last commit. */
  let accepted: StoredMessage[] = []
  let settled: string[] = []
  /** A live message contradicted the cache at a seq we hold: ask the backend whether it was reset. */
  let suspectReset = false

  let status: ConnectionStatus = { status: 'disconnected' }
  let running = false
  /** Running, but making no request until `reconnect()` (401/403). */
  let suspended = false
  let loaded: Promise<void> | undefined
  let connection: AbortController | undefined
  let wake: (() => void) | undefined
  let sleepTimer: unknown
  let stallTimer: unknown
  let retryMs: number | undefined
  let attempt = 0
  let looping = false
  /** Serialises everything that changes `record`: stream batches, gap fills, scrollback. */
  let queue: Promise<void> = Promise.resolve()
  const inbox: Incoming[] = []
  let flushScheduled = false
  const counters = { reconnects: 0, replayed: 0, gapFills: 0 }

  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task)
    queue = run.then(
      () => undefined,
      (error: unknown) =>
        log({ level: 'error', event: 'channel.task_failed', projectId, error: errorMessage(error) }),
    )
    return run
  }

  const setStatus = (next: ConnectionStatus) => {
    if (JSON.stringify(next) === JSON.stringify(status)) return
    status = next
    ctx.onChanges([{ type: 'status', status }])
  }

  const range = () => (record ? { lowSeq: record.lowSeq, highSeq: record.highSeq } : null)

  // ── cache ───────────────────────────────────────────────────────────────────────────────

  const load = () => {
    loaded ??= ctx.store.loadProject(projectId, config.windowSize).then((found) => {
      record = found.record
      recent = found.messages
    })
    return loaded
  }

  const remember = (message: StoredMessage) => {
    recent.push(message)
    if (recent.length > config.windowSize * 2) recent = recent.slice(-config.windowSize)
  }

  // ── ordering ────────────────────────────────────────────────────────────────────────────

  /**
   * Offer a confirmed message: accepted if next in line, held if early, dropped if known. Held
   * messages it unblocks follow, up to `upTo`.
   */
  const offer = (message: StoredMessage, live: boolean, upTo = Number.POSITIVE_INFINITY) => {
    if (!record) return
    if (message.seq <= record.highSeq) {
      if (live) {
        const known = recent.find((m) => m.seq === message.seq)
        if (known && known.id !== message.id) suspectReset = true
      }
      // A send repeated after its message was already delivered: its echo settles it.
      const id = message.client_msg_id
      if (id !== null && ctx.isQueued(id) && !settled.includes(id)) settled.push(id)
      return
    }
    if (message.seq > record.latestSeq) record.latestSeq = message.seq
    if (message.seq > record.highSeq + 1) {
      held.set(message.seq, message)
      return
    }
    accept(message)
    for (
      let next = held.get(record.highSeq + 1);
      next && next.seq <= upTo;
      next = held.get(record.highSeq + 1)
    ) {
      held.delete(next.seq)
      accept(next)
    }
  }

  const accept = (message: StoredMessage) => {
    if (!record) return
    record.highSeq = message.seq
    accepted.push(message)
    remember(message)
    if (message.client_msg_id !== null && ctx.isQueued(message.client_msg_id))
      settled.push(message.client_msg_id)
  }

  /** Write what was accepted in one transaction, then tell the tabs. */
  const commit = async () => {
    if (!record || (accepted.length === 0 && settled.length === 0)) return
    const messages = accepted
    const settledNow = settled
    accepted = []
    settled = []
    record.updatedAt = clock.now()
    await ctx.store.commit(projectId, { messages, record: { ...record }, settledOutbox: settledNow })
    const changes: ChannelChange[] = []
    if (messages.length > 0)
      changes.push({ type: 'messages', messages, range: { lowSeq: record.lowSeq, highSeq: record.highSeq } })
    if (settledNow.length > 0) changes.push({ type: 'outbox', upsert: [], remove: settledNow })
    ctx.onChanges(changes)
  }

  const history = async (query: string, signal?: AbortSignal) => {
    const result = await request(
      ctx.fetch,
      clock,
      `${api}/messages?projectId=${encodeURIComponent(projectId)}&${query}`,
      {
        method: 'GET',
        signal,
        timeoutMs: config.requestTimeoutMs,
      },
    )
    if (!result.ok) return result
    if (!sameUser(result.response)) return { ok: false as const, failure: userChanged(result.response) }
    const body = await readJson(result.response)
    if (!body.ok) return body
    const decoded = decodeHistoryResponse(body.json)
    if (!decoded.ok)
      return { ok: false as const, failure: { kind: 'retry' as const, reason: decoded.error.message } }
    return { ok: true as const, page: decoded.history }
  }

  /** Replace the cache with the latest page: an empty cache, a miss beyond `maxBackfill`, or a data reset. */
  const newWindow = async (): Promise<RequestFailure | undefined> => {
    const result = await history(`limit=${config.pageSize}`)
    if (!result.ok) return result.failure
    const messages = result.page.messages.map(stored)
    const last = messages.at(-1)
    const highSeq = last?.seq ?? result.page.latestSeq
    record = {
      projectId,
      lowSeq: messages[0]?.seq ?? highSeq + 1,
      highSeq,
      latestSeq: Math.max(result.page.latestSeq, highSeq),
      updatedAt: clock.now(),
    }
    for (const seq of held.keys()) if (seq <= highSeq) held.delete(seq)
    recent = messages.slice(-config.windowSize)
    accepted = []
    const settledNow = messages.flatMap((m) =>
      m.client_msg_id !== null && ctx.isQueued(m.client_msg_id) ? [m.client_msg_id] : [],
    )
    settled = []
    suspectReset = false
    await ctx.store.commit(projectId, {
      reset: true,
      messages,
      record: { ...record },
      settledOutbox: settledNow,
    })
    // The outbox change lets the session forget the settled sends (found by chaos seed 1:
    // a send acknowledged just before the first window stayed queued forever).
    const changes: ChannelChange[] = [{ type: 'reset', snapshot: snapshotNow() }]
    if (settledNow.length > 0) changes.push({ type: 'outbox', upsert: [], remove: settledNow })
    ctx.onChanges(changes)
    return undefined
  }

  /** Page the history API until the range reaches the newest known seq. */
  const fillGaps = async (): Promise<RequestFailure | undefined> => {
    if (!record) return newWindow()
    while (record.latestSeq > record.highSeq || suspectReset) {
      if (record.latestSeq - record.highSeq > config.maxBackfill) {
        log({
          level: 'info',
          event: 'channel.new_window',
          projectId,
          missed: record.latestSeq - record.highSeq,
        })
        return newWindow()
      }
      const result = await history(`after_seq=${record.highSeq}&limit=${config.pageSize}`)
      if (!result.ok) return result.failure
      const { page } = result
      if (page.latestSeq < record.highSeq) {
        log({
          level: 'warn',
          event: 'channel.backend_reset',
          projectId,
          latestSeq: page.latestSeq,
          highSeq: record.highSeq,
        })
        return newWindow()
      }
      suspectReset = false
      counters.gapFills++
      record.latestSeq = Math.max(record.latestSeq, page.latestSeq)
      const before = record.highSeq
      // Every held message arrived before this request: one beyond the backend's latest seq is
      // not in its log, so a page must not pull it in (it waits for the stream's own copy).
      for (const message of page.messages) offer(stored(message), false, page.latestSeq)
      await commit()
      if (record.highSeq === before) break // nothing more to page now; held events wait for the stream
    }
    return undefined
  }

  // ── stream ──────────────────────────────────────────────────────────────────────────────

  const scheduleFlush = () => {
    if (flushScheduled) return
    flushScheduled = true
    void serial(async () => {
      flushScheduled = false
      await flush()
    })
  }

  const flush = async () => {
    for (const { event, cursor } of inbox.splice(0)) handle(event, cursor)
    const failure = await fillGaps()
    await commit()
    if (!failure || failure.kind === 'aborted') return
    log({ level: 'warn', event: 'channel.gap_fill_failed', projectId, failure })
    if (failure.kind === 'auth') return refuse(failure.code, failure.reason)
    // The stream may be healthy while history failed: try the gap again after a pause.
    clock.setTimeout(() => running && scheduleFlush(), nextDelay(attempt, DEFAULT_BACKOFF, ctx.random) + 250)
  }

  /** [design] A malformed frame costs nothing: its seq (the SSE id) is paged from history. */
  const skip = (event: ServerSentEvent, error: unknown) => {
    const seq = Number(event.id)
    if (record && Number.isSafeInteger(seq) && seq > record.latestSeq) record.latestSeq = seq
    log({ level: 'warn', event: 'channel.bad_event', projectId, id: event.id, error })
  }

  const handle = (event: ServerSentEvent, cursor: number) => {
    const decoded = decodeEvent(event)
    if (!decoded.ok) return skip(event, decoded.error)
    const backendEvent = decoded.event
    // A message of another project must not take this project's seq: it is skipped like a malformed one.
    if (
      (backendEvent.type === 'message.new' || backendEvent.type === 'message.replay') &&
      backendEvent.data.projectId !== projectId
    ) {
      return skip(event, `${backendEvent.type} of project ${backendEvent.data.projectId}`)
    }
    switch (backendEvent.type) {
      case 'message.replay':
        counters.replayed++
        offer(stored(backendEvent.data), false)
        return
      case 'message.new':
        offer(stored(backendEvent.data), true)
        return
      case 'replay.end': {
        // Messages after the cursor that the replay did not carry are paged from history.
        const newest = cursor + backendEvent.data.totalAvailable
        if (record && newest > record.latestSeq) record.latestSeq = newest
        return
      }
      case 'presence.updated':
        if (backendEvent.data.projectId !== projectId) return
        ctx.onChanges([
          { type: 'presence', userId: backendEvent.data.userId, status: backendEvent.data.status },
        ])
        return
      default:
        return // connection.established and unknown events change nothing here
    }
  }

  const sameUser = (response: Response) => {
    const user = response.headers.get(USER_HEADER)
    return user === null || user === ctx.userId
  }
  const userChanged = (response: Response): RequestFailure => ({
    kind: 'auth',
    code: 401,
    reason: `signed in as ${response.headers.get(USER_HEADER)}, not ${ctx.userId}`,
  })

  /** Open the stream and read it until it ends; resolves with why it ended. */
  const stream = async (): Promise<RequestFailure> => {
    const controller = new AbortController()
    connection = controller
    if (!record) {
      const failure = await serial(newWindow)
      if (failure) return failure
    }
    const cursor = record?.highSeq ?? 0
    let response: Response
    try {
      response = await ctx.fetch(`${api}/stream?projectId=${encodeURIComponent(projectId)}`, {
        method: 'GET',
        headers: { accept: 'text/event-stream', 'last-event-id': String(cursor) },
        signal: controller.signal,
      })
    } catch (error) {
      return controller.signal.aborted ? { kind: 'aborted' } : { kind: 'retry', reason: errorMessage(error) }
    }
    if (!response.ok) return classifyResponse(response, clock)
    if (!sameUser(response)) {
      await response.body?.cancel().catch(() => {})
      return userChanged(response)
    }
    const contentType = response.headers.get('content-type') ?? ''
    if (!contentType.toLowerCase().startsWith('text/event-stream') || !response.body) {
      await response.body?.cancel().catch(() => {})
      return { kind: 'retry', reason: `expected text/event-stream, got ${contentType || 'no content type'}` }
    }

    const connectedAt = clock.now()
    setStatus({ status: 'connected' })
    const decoder = createEventStreamDecoder({
      onEvent: (event) => {
        inbox.push({ event, cursor })
      },
      onRetry: (ms) => {
        retryMs = ms
      },
    })
    const stallAfter = Math.round(2.5 * ctx.heartbeatMs())
    const armStall = () => {
      clock.clearTimeout(stallTimer)
      stallTimer = clock.setTimeout(() => controller.abort('stalled'), stallAfter)
    }
    armStall()
    const reader = response.body.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        armStall()
        decoder.feed(value)
        if (inbox.length > 0) scheduleFlush()
      }
      return { kind: 'retry', reason: 'the stream ended' }
    } catch (error) {
      if (controller.signal.reason === 'stalled') {
        return { kind: 'retry', reason: `no bytes for ${stallAfter} ms (2.5 × heartbeat)` }
      }
      return controller.signal.aborted ? { kind: 'aborted' } : { kind: 'retry', reason: errorMessage(error) }
    } finally {
      clock.clearTimeout(stallTimer)
      decoder.end()
      reader.releaseLock()
      if (clock.now() - connectedAt >= config.minUptimeMs) attempt = 0
    }
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve
      sleepTimer = clock.setTimeout(resolve, ms)
    }).finally(() => {
      clock.clearTimeout(sleepTimer)
      wake = undefined
    })

  const waitUntilAsked = () =>
    new Promise<void>((resolve) => {
      wake = resolve
    }).finally(() => {
      wake = undefined
    })

  /** Stop requesting until asked: 401 stops the whole user session, 403 this project. */
  const refuse = (code: number, reason: string) => {
    log({ level: 'warn', event: 'channel.auth_failed', projectId, code, reason })
    if (code === 401) ctx.onUnauthenticated(code, reason)
    else suspend(code, reason)
  }

  const suspend = (code: number, reason: string) => {
    suspended = true
    connection?.abort()
    setStatus({ status: 'auth_failed', code, reason })
  }

  /** Record why the connection ended and decide how long to wait. */
  const fail = (failure: RequestFailure): Promise<void> => {
    switch (failure.kind) {
      case 'aborted':
        return Promise.resolve()
      case 'auth':
        refuse(failure.code, failure.reason)
        return Promise.resolve()
      case 'rate_limited': {
        counters.reconnects++
        const retryAt = clock.now() + failure.retryAfterMs
        setStatus({ status: 'rate_limited', retryAt })
        return sleep(failure.retryAfterMs)
      }
      default: {
        if (!ctx.isOnline()) {
          setStatus({ status: 'offline' })
          return waitUntilAsked()
        }
        const delay = nextDelay(
          attempt,
          { ...DEFAULT_BACKOFF, baseMs: retryMs ?? DEFAULT_BACKOFF.baseMs },
          ctx.random,
        )
        attempt++
        counters.reconnects++
        const reason = failure.kind === 'retry' ? failure.reason : `${failure.code} ${failure.reason}`
        log({ level: 'info', event: 'channel.reconnecting', projectId, attempt, delay, reason })
        setStatus({ status: 'reconnecting', attempt, retryAt: clock.now() + delay, reason })
        return sleep(delay)
      }
    }
  }

  const run = async () => {
    looping = true
    try {
      await load()
      while (running) {
        if (suspended) {
          await waitUntilAsked()
          continue
        }
        if (!ctx.isOnline()) {
          setStatus({ status: 'offline' })
          await waitUntilAsked()
          continue
        }
        if (status.status !== 'reconnecting' && status.status !== 'rate_limited')
          setStatus({ status: 'connecting' })
        const failure = await stream()
        connection = undefined
        if (running) await fail(failure)
      }
    } finally {
      looping = false
    }
  }

  // ── snapshots and scrollback ────────────────────────────────────────────────────────────

  const snapshotNow = (): ChannelSnapshot => {
    const messages = recent.slice(-config.windowSize)
    const first = messages[0]?.seq ?? (record ? record.highSeq + 1 : 1)
    // A send whose echo is already confirmed is never shown as optimistic too.
    const confirmed = new Set(messages.map((m) => m.client_msg_id))
    const outbox = ctx.outbox().filter((e) => !confirmed.has(e.client_msg_id))
    return { projectId, messages, outbox, status, range: range(), hasOlder: first > 1 }
  }

  const loadOlder = (beforeSeq: number, limit: number) =>
    serial(async () => {
      await load()
      const cached = record
        ? (await ctx.store.loadBefore(projectId, beforeSeq, limit)).filter(
            (m) => m.seq >= (record?.lowSeq ?? 0),
          )
        : []
      let messages: StoredMessage[] = cached
      const lowest = messages[0]?.seq ?? beforeSeq
      if (record && messages.length < limit && lowest > 1 && lowest <= record.lowSeq) {
        const result = await history(
          `before_seq=${Math.min(lowest, record.lowSeq)}&limit=${limit - messages.length}`,
        )
        if (result.ok) {
          const older = result.page.messages.map(stored)
          const last = older.at(-1)
          // Only a page that ends right below the cached range extends it (the range stays contiguous).
          if (last && last.seq === record.lowSeq - 1 && older[0]) {
            record.lowSeq = older[0].seq
            await ctx.store.commit(projectId, { messages: older, record: { ...record }, settledOutbox: [] })
          }
          messages = [...older.filter((m) => m.seq < lowest), ...messages]
        }
      }
      return { messages, hasOlder: (messages[0]?.seq ?? lowest) > 1 }
    })

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────

  const channel: ProjectChannel = {
    projectId,
    get status() {
      return status
    },
    get streaming() {
      return connection !== undefined
    },
    start() {
      running = true
      // A loop still unwinding from stop() sees `running` again and carries on: never two loops.
      if (!looping) {
        run().catch((error: unknown) => {
          log({ level: 'error', event: 'channel.crashed', projectId, error: errorMessage(error) })
          running = false
          setStatus({ status: 'disconnected' })
        })
      }
      return load()
    },
    stop() {
      if (!running) return
      running = false
      connection?.abort()
      wake?.()
      setStatus({ status: 'disconnected' })
    },
    async withSnapshot(use) {
      await load()
      return serial(async () => use(snapshotNow()))
    },
    reconnect() {
      attempt = 0
      if (suspended) {
        suspended = false
        setStatus({ status: 'connecting' })
      }
      wake?.()
    },
    suspend,
    online() {
      attempt = 0
      if (!suspended) wake?.()
    },
    offline() {
      connection?.abort()
      wake?.()
    },
    acknowledge(data) {
      if (data.projectId !== projectId) return
      void serial(async () => {
        await load()
        offer(stored(data), false)
        const failure = await fillGaps()
        await commit()
        if (failure && failure.kind !== 'aborted') scheduleFlush()
      })
    },
    loadOlder,
    stats: () => ({
      projectId,
      userId: ctx.userId,
      status: status.status,
      streaming: connection !== undefined,
      lowSeq: record?.lowSeq ?? null,
      highSeq: record?.highSeq ?? null,
      ...counters,
    }),
  }
  return channel
}

function stored(data: MessageData): StoredMessage {
  return toPersistentChatMessage(data) as StoredMessage
}
