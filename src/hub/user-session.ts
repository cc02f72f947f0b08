/**
 * Everything the hub holds for one signed-in user: their store, their project channels
 * (ref-counted by subscribed tabs, closed after a grace period), and their outbox.
 * Sessions of different users share nothing, so one user's events never reach another's tabs.
 */
import type { ChannelChange, OutboxEntry, PresenceStatus, ProjectStats, SendDraft } from '../protocol'
import type { ChatStore } from '../store'
import type { HubConfig, HubDeps, Logger, SessionIo } from './deps'
import { createMuxTransport } from './mux-transport'
import { createOutboxSender, type OutboxSender } from './outbox-sender'
import { createPresence } from './presence'
import { createProjectChannel, type ProjectChannel } from './project-channel'
import { createProjectStreams, type StreamTransport } from './stream-transport'

/** @internal What a session is built from. */
export interface UserSessionContext {
  userId: string
  deps: HubDeps
  config: HubConfig
  store: ChatStore
  log: Logger
  heartbeatMs(): number
  /** Deliver a project's changes to these tabs. */
  deliver(tabIds: ReadonlySet<string>, projectId: string, changes: ChannelChange[]): void
  isVisible(tabId: string): boolean
  /** A 401: every channel of the user stopped until `reconnect()`. Called once per failure. */
  onUnauthenticated(code: number, reason: string): void
}

interface ChannelEntry {
  channel: ProjectChannel
  subscribers: Set<string>
  /** Pending close: the grace period after the last subscriber, or all subscribers hidden. */
  closeTimer: unknown
  closing: 'grace' | 'hidden' | null
}

/** @public One user's part of the hub. */
export interface UserSession {
  readonly userId: string
  readonly store: ChatStore
  start(): Promise<void>
  /** Subscribe a tab: it receives a `reset` with the snapshot, then every later change. */
  subscribe(tabId: string, projectId: string): Promise<void>
  unsubscribe(tabId: string, projectId: string): void
  /** Re-evaluate `closeWhenAllHiddenMs` after a visibility change. */
  visibilityChanged(): void
  send(projectId: string, draft: SendDraft): Promise<OutboxEntry>
  retrySend(clientMsgId: string): Promise<void>
  discardSend(clientMsgId: string): Promise<void>
  loadOlder(projectId: string, beforeSeq: number, limit: number): ReturnType<ProjectChannel['loadOlder']>
  reconnect(projectId?: string): void
  online(): void
  /** The browser went offline: drop the streams now and show `offline`. */
  offline(): void
  suspend(code: number, reason: string): void
  stats(): ProjectStats[]
  streams(): number
  /** Post `offline` for every project the user was announced on, then close. */
  logout(): Promise<void>
  /** Stop every channel and the outbox; close the store. Posts no presence (a leader standing down). */
  close(): void
}

/** @public Create a session; `start()` loads the outbox. */
export function createUserSession(ctx: UserSessionContext): UserSession {
  const { deps, config, store, userId, log } = ctx
  const channels = new Map<string, ChannelEntry>()
  let suspendedBy: { code: number; reason: string } | undefined

  const io: SessionIo = {
    userId,
    fetch: deps.fetch,
    clock: deps.clock,
    random: deps.random,
    store,
    config,
    log,
    isOnline: deps.isOnline,
  }
  const transport: StreamTransport = (
    config.streams === 'per-project' ? createProjectStreams : createMuxTransport
  )({
    ...io,
    heartbeatMs: ctx.heartbeatMs,
  })

  const outbox: OutboxSender = createOutboxSender({
    ...io,
    onAcknowledged(data) {
      const entry = channels.get(data.projectId)
      if (entry) entry.channel.acknowledge(data)
      // No tab shows the project: the stream will replay the message when one does.
      else if (data.client_msg_id !== null) void outbox.discard(data.client_msg_id)
    },
    onChanged(projectId, change) {
      const entry = channels.get(projectId)
      if (entry) ctx.deliver(entry.subscribers, projectId, [{ type: 'outbox', ...change }])
    },
    onUnauthenticated: (code, reason) => unauthenticated(code, reason),
  })

  const presence = createPresence({
    ...io,
    deliver(projectId, changes) {
      const entry = channels.get(projectId)
      if (entry) ctx.deliver(entry.subscribers, projectId, changes)
    },
  })

  /** What the user is on the project, from the tabs showing it (DESIGN.md §4). */
  const presenceOf = (entry: ChannelEntry): PresenceStatus => {
    if (entry.subscribers.size === 0) return 'offline'
    return [...entry.subscribers].some(ctx.isVisible) ? 'online' : 'away'
  }

  /** Presence changes of the channel: repeats are dropped, a connected stream retries failed posts. */
  const passOn = (projectId: string, changes: ChannelChange[]): ChannelChange[] =>
    changes.filter((change) => {
      if (change.type === 'status' && change.status.status === 'connected') presence.retry()
      return change.type !== 'presence' || presence.observe(projectId, change.userId, change.status)
    })

  const unauthenticated = (code: number, reason: string) => {
    if (suspendedBy) return
    suspendedBy = { code, reason }
    for (const { channel } of channels.values()) channel.suspend(code, reason)
    ctx.onUnauthenticated(code, reason)
  }

  const open = (projectId: string): ChannelEntry => {
    const existing = channels.get(projectId)
    if (existing) return existing
    const entry: ChannelEntry = {
      channel: undefined as never,
      subscribers: new Set(),
      closeTimer: undefined,
      closing: null,
    }
    entry.channel = createProjectChannel({
      ...io,
      projectId,
      heartbeatMs: ctx.heartbeatMs,
      outbox: () => outbox.entries(projectId),
      onChanges(changes) {
        ctx.deliver(entry.subscribers, projectId, passOn(projectId, changes))
      },
      onSettled(ids, stored) {
        const queued = ids.filter((id) => outbox.has(id))
        if (queued.length === 0) return
        // Written with their messages: the stored entries are gone; otherwise (a repeated send's
        // echo, a message outside the window) remove them like a discard.
        if (stored) outbox.settled(queued)
        else for (const id of queued) void outbox.discard(id)
      },
      onUnauthenticated: unauthenticated,
      transport,
    })
    channels.set(projectId, entry)
    if (suspendedBy) entry.channel.suspend(suspendedBy.code, suspendedBy.reason)
    // Sends acknowledged while no channel (or an earlier one) ran: this one settles them.
    for (const data of outbox.acknowledgedMessages(projectId)) entry.channel.acknowledge(data)
    return entry
  }

  const cancelClose = (entry: ChannelEntry) => {
    deps.clock.clearTimeout(entry.closeTimer)
    entry.closing = null
  }

  /** Decide whether the channel should stream, close after the grace period, or pause while hidden. */
  const review = (projectId: string, entry: ChannelEntry) => {
    // Before the close decision: the last tab leaving is `offline` now, not after the grace period
    // (a SharedWorker may be ended with its last tab and never see the timer fire).
    presence.want(projectId, presenceOf(entry))
    if (entry.subscribers.size === 0) {
      if (entry.closing === 'grace') return
      cancelClose(entry)
      entry.closing = 'grace'
      entry.closeTimer = deps.clock.setTimeout(() => {
        if (entry.subscribers.size > 0) return
        entry.channel.stop()
        // Forget it once its last write has landed; a tab subscribing meanwhile starts it again,
        // so two channels never write the same project.
        void entry.channel.idle().then(() => {
          if (entry.subscribers.size === 0 && !entry.channel.running && channels.get(projectId) === entry) {
            channels.delete(projectId)
            presence.forget(projectId)
          }
        })
      }, config.closeGraceMs)
      return
    }
    const anyVisible = [...entry.subscribers].some(ctx.isVisible)
    if (anyVisible || config.closeWhenAllHiddenMs === null) {
      cancelClose(entry)
      void entry.channel.start()
      return
    }
    if (entry.closing === 'hidden') return
    cancelClose(entry)
    entry.closing = 'hidden'
    entry.closeTimer = deps.clock.setTimeout(() => entry.channel.stop(), config.closeWhenAllHiddenMs)
  }

  const session: UserSession = {
    userId,
    store,
    start: () => outbox.start(),
    async subscribe(tabId, projectId) {
      const entry = open(projectId)
      cancelClose(entry)
      await entry.channel.start()
      await entry.channel.withSnapshot((snapshot) => {
        entry.subscribers.add(tabId)
        ctx.deliver(new Set([tabId]), projectId, [{ type: 'reset', snapshot }, ...presence.known(projectId)])
      })
      review(projectId, entry)
    },
    unsubscribe(tabId, projectId) {
      const entry = channels.get(projectId)
      if (!entry?.subscribers.delete(tabId)) return
      review(projectId, entry)
    },
    visibilityChanged() {
      for (const [projectId, entry] of channels) if (entry.subscribers.size > 0) review(projectId, entry)
    },
    send: (projectId, draft) => outbox.enqueue(projectId, draft),
    retrySend: (id) => outbox.retry(id),
    async discardSend(id) {
      await outbox.discard(id)
    },
    async loadOlder(projectId, beforeSeq, limit) {
      return open(projectId).channel.loadOlder(beforeSeq, limit)
    },
    reconnect(projectId) {
      suspendedBy = undefined
      for (const [id, { channel }] of channels)
        if (projectId === undefined || id === projectId) channel.reconnect()
      outbox.resume()
      presence.retry()
    },
    online() {
      for (const { channel } of channels.values()) channel.online()
      outbox.resume()
      presence.retry()
    },
    offline() {
      for (const { channel } of channels.values()) channel.offline()
    },
    suspend: unauthenticated,
    stats: () =>
      [...channels.values()].map(({ channel, subscribers }) => ({
        ...channel.stats(),
        subscribers: subscribers.size,
        outboxDepth: outbox.depth(channel.projectId),
      })),
    streams: () => [...channels.values()].filter(({ channel }) => channel.streaming).length,
    async logout() {
      await presence.signOut()
      session.close()
    },
    close() {
      presence.stop()
      outbox.stop()
      for (const entry of channels.values()) {
        cancelClose(entry)
        entry.channel.stop()
      }
      channels.clear()
      transport.close()
      store.close()
    },
  }
  return session
}
