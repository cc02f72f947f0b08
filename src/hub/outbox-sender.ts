/**
 * The persistent outbox of one user: queued sends are stored first, shown optimistically, and
 * POSTed with the same `client_msg_id` until the backend acknowledges them, one at a time per
 * project so their seqs follow the order they were written in.
 */
import { type MessageData, newClientMsgId, type OutboxEntry, type SendDraft } from '../protocol'
import { decodeSendMessageResponse } from '../sse'
import { DEFAULT_BACKOFF, nextDelay } from './backoff'
import type { SessionIo } from './deps'
import { readJson, request } from './http'

/** @internal What the sender is built from. */
export interface OutboxSenderContext extends SessionIo {
  /** The backend has the message: deliver it in seq order (settling the entry) or drop the entry. */
  onAcknowledged(data: MessageData): void
  /** An entry was added, changed state or was removed. */
  onChanged(projectId: string, change: { upsert: OutboxEntry[]; remove: string[] }): void
  onUnauthenticated(code: number, reason: string): void
}

/** @public A user's send queue. */
export interface OutboxSender {
  /** Load the stored queue and start sending it. */
  start(): Promise<void>
  stop(): void
  enqueue(projectId: string, draft: SendDraft): Promise<OutboxEntry>
  retry(clientMsgId: string): Promise<void>
  discard(clientMsgId: string): Promise<OutboxEntry | undefined>
  /** Forget entries the channel settled (committed together with their echo). */
  settled(clientMsgIds: string[]): void
  entries(projectId: string): OutboxEntry[]
  /**
   * The messages of this project's acknowledged sends that no channel has settled yet: a
   * channel that starts is told them again, so each is settled in line or once a window passes it.
   */
  acknowledgedMessages(projectId: string): MessageData[]
  has(clientMsgId: string): boolean
  /** Send now: after `online`, or after a 401 was resolved. */
  resume(): void
  depth(projectId?: string): number
}

/** @public Create the sender; `start()` loads the stored queue. */
export function createOutboxSender(ctx: OutboxSenderContext): OutboxSender {
  const { clock, config, log } = ctx
  const queue = new Map<string, OutboxEntry>()
  /** Acknowledged by the backend, waiting for the channel to commit the echo: never POSTed again. */
  const acknowledged = new Map<string, MessageData>()
  /** Projects with a POST in flight. */
  const inFlight = new Set<string>()
  const attempts = new Map<string, number>()
  let waitTimer: unknown
  let paused = false
  let running = false
  /** Aborts in-flight POSTs on stop(): a stopped sender (logout, a leader standing down) sends nothing. */
  let stopping = new AbortController()

  const change = (entry: OutboxEntry) => ctx.onChanged(entry.projectId, { upsert: [entry], remove: [] })

  const forget = (entry: OutboxEntry) => {
    queue.delete(entry.client_msg_id)
    acknowledged.delete(entry.client_msg_id)
  }

  const pump = () => {
    if (!running || paused) return
    for (const entry of queue.values()) {
      if (inFlight.has(entry.projectId)) continue
      if (entry.status.state !== 'pending' || acknowledged.has(entry.client_msg_id)) continue
      inFlight.add(entry.projectId)
      void post(entry).finally(() => {
        inFlight.delete(entry.projectId)
        pump()
      })
    }
  }

  /** Wait before the next round; `resume()` cuts the wait short. */
  const pauseFor = (ms: number) => {
    paused = true
    clock.clearTimeout(waitTimer)
    waitTimer = clock.setTimeout(() => {
      paused = false
      pump()
    }, ms)
  }

  const post = async (entry: OutboxEntry) => {
    if (!ctx.isOnline()) {
      paused = true // `resume()` on `online`
      return
    }
    const body = {
      projectId: entry.projectId,
      client_msg_id: entry.client_msg_id,
      text: entry.text,
      ...(entry.mode === undefined ? {} : { mode: entry.mode }),
      ...(entry.target === undefined ? {} : { target: entry.target }),
    }
    const result = await request(ctx.fetch, clock, `${config.apiBase}/messages`, {
      method: 'POST',
      body,
      signal: stopping.signal,
      timeoutMs: config.requestTimeoutMs,
    })
    if (!running || !queue.has(entry.client_msg_id)) return // stopped, or discarded meanwhile
    if (result.ok) {
      const json = await readJson(result.response)
      const decoded = json.ok ? decodeSendMessageResponse(json.json) : undefined
      if (decoded?.ok) {
        attempts.delete(entry.projectId)
        acknowledged.set(entry.client_msg_id, decoded.response.message)
        ctx.onAcknowledged(decoded.response.message)
        return
      }
      log({ level: 'warn', event: 'outbox.bad_ack', clientMsgId: entry.client_msg_id })
    }
    const failure = result.ok
      ? { kind: 'retry' as const, reason: 'unreadable acknowledgement' }
      : result.failure
    switch (failure.kind) {
      case 'aborted':
        return
      case 'auth':
        if (failure.code === 401) {
          paused = true
          ctx.onUnauthenticated(failure.code, failure.reason)
          return
        }
        return markFailed(entry, failure.code, failure.reason)
      case 'rejected':
        return markFailed(entry, failure.code, failure.reason)
      case 'rate_limited':
        return pauseFor(failure.retryAfterMs)
      case 'retry': {
        const attempt = attempts.get(entry.projectId) ?? 0
        attempts.set(entry.projectId, attempt + 1)
        const next: OutboxEntry = {
          ...entry,
          status: { state: 'pending', attempts: entry.status.attempts + 1 },
        }
        queue.set(entry.client_msg_id, next)
        await ctx.store.putOutbox(next)
        log({
          level: 'info',
          event: 'outbox.retry',
          clientMsgId: entry.client_msg_id,
          reason: failure.reason,
        })
        return pauseFor(nextDelay(attempt, DEFAULT_BACKOFF, ctx.random))
      }
    }
  }

  const markFailed = async (entry: OutboxEntry, code: number, reason: string) => {
    const failed: OutboxEntry = {
      ...entry,
      status: { state: 'failed', attempts: entry.status.attempts + 1, code, reason },
    }
    queue.set(entry.client_msg_id, failed)
    await ctx.store.putOutbox(failed)
    change(failed)
  }

  return {
    async start() {
      for (const entry of await ctx.store.listOutbox()) {
        if (entry.userId === ctx.userId) queue.set(entry.client_msg_id, entry)
      }
      running = true
      stopping = new AbortController()
      pump()
    },
    stop() {
      running = false
      stopping.abort()
      clock.clearTimeout(waitTimer)
    },
    async enqueue(projectId, draft) {
      const existing = draft.client_msg_id === undefined ? undefined : queue.get(draft.client_msg_id)
      if (existing) return existing // the same send, repeated: queue it once
      const entry: OutboxEntry = {
        client_msg_id: draft.client_msg_id ?? newClientMsgId(clock.now()),
        projectId,
        userId: ctx.userId,
        text: draft.text,
        ...(draft.mode === undefined ? {} : { mode: draft.mode }),
        ...(draft.target === undefined ? {} : { target: draft.target }),
        createdAt: clock.now(),
        status: { state: 'pending', attempts: 0 },
      }
      await ctx.store.putOutbox(entry)
      queue.set(entry.client_msg_id, entry)
      change(entry)
      pump()
      return entry
    },
    async retry(clientMsgId) {
      const entry = queue.get(clientMsgId)
      if (entry?.status.state !== 'failed') return
      const pending: OutboxEntry = { ...entry, status: { state: 'pending', attempts: 0 } }
      queue.set(clientMsgId, pending)
      await ctx.store.putOutbox(pending)
      change(pending)
      pump()
    },
    async discard(clientMsgId) {
      const entry = queue.get(clientMsgId)
      if (!entry) return undefined
      forget(entry)
      await ctx.store.deleteOutbox(clientMsgId)
      ctx.onChanged(entry.projectId, { upsert: [], remove: [clientMsgId] })
      return entry
    },
    settled(ids) {
      for (const id of ids) {
        const entry = queue.get(id)
        if (entry) forget(entry)
      }
    },
    entries: (projectId) => [...queue.values()].filter((e) => e.projectId === projectId),
    has: (id) => queue.has(id),
    acknowledgedMessages: (projectId) => [...acknowledged.values()].filter((m) => m.projectId === projectId),
    resume() {
      paused = false
      clock.clearTimeout(waitTimer)
      pump()
    },
    depth: (projectId) =>
      projectId === undefined
        ? queue.size
        : [...queue.values()].filter((e) => e.projectId === projectId).length,
  }
}
