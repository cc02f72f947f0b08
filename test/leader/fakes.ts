/**
 * Fakes for leader-tab tests in Node: a Web Locks manager shared by several "workers" (with
 * `steal`, `signal`, `query` and a crash that drops a client's locks), a freezer that holds
 * back everything a frozen worker would run (channel messages, timers, lock settlements) and
 * replays it in order on thaw, a stub hub, and a tab built as the client builds one in
 * leader-tab mode (the leader dialer under the attachment). Channels are Node's real `BroadcastChannel`.
 */
import { type Attachment, createAttachment } from '../../src/client/attach/attachment'
import { type Clock, type Hub, systemClock } from '../../src/hub'
import { createLeaderDialer } from '../../src/leader/dialer'
import type { Channel, LocksLike, OpenChannel } from '../../src/leader/platform'
import { broadcastChannel, holdLock, whenFree } from '../../src/leader/platform'
import {
  type BatchListener,
  type ChannelBatch,
  HUB_PROTOCOL_VERSION,
  type HubApi,
  type HubConfigJson,
  type HubStats,
  type LogEntry,
  type LogListener,
  readLeaderWorkerStart,
  type SessionEvent,
  type SessionListener,
  tabLockName,
} from '../../src/protocol'

/** @internal Runs work now, or later in order while frozen. */
export interface Freezer {
  run(work: () => void): void
  freeze(): void
  thaw(): void
  readonly frozen: boolean
}

/** @internal */
export function createFreezer(): Freezer {
  let frozen = false
  const backlog: Array<() => void> = []
  return {
    run(work) {
      if (frozen) backlog.push(work)
      else work()
    },
    freeze() {
      frozen = true
    },
    thaw() {
      frozen = false
      for (const work of backlog.splice(0)) work()
    },
    get frozen() {
      return frozen
    },
  }
}

const awake: Freezer = { run: (work) => work(), freeze() {}, thaw() {}, frozen: false }

/** @internal Channels whose deliveries to this context pass through `freezer`; tracked for closing. */
export function channelsFor(freezer: Freezer = awake, opened: Channel[] = []): OpenChannel {
  return (name) => {
    const channel = broadcastChannel(name)
    const frozenAware: Channel = {
      post: (message) => channel.post(message),
      listen: (listener) => channel.listen((data) => freezer.run(() => listener(data))),
      close: () => channel.close(),
    }
    opened.push(frozenAware)
    return frozenAware
  }
}

/** @internal The real clock, with callbacks held back while frozen. */
export function clockFor(freezer: Freezer): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (callback, ms) => setTimeout(() => freezer.run(callback), ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  }
}

interface Holder {
  clientId: string
  /** Settles the request's promise (rejects it with AbortError when stolen). */
  stolen(): void
}

interface Waiter {
  clientId: string
  grant(): void
}

/** @internal A lock manager for an origin. */
export interface FakeLocks {
  /** The `navigator.locks` of one client (a worker or a tab). */
  client(clientId: string, freezer?: Freezer): LocksLike
  holder(name: string): string | undefined
  /** The client is gone (tab closed or crashed): its locks are released, its requests dropped. */
  crash(clientId: string): void
}

/** @internal */
export function createFakeLocks(): FakeLocks {
  const held = new Map<string, Holder>()
  const queues = new Map<string, Waiter[]>()

  const queueOf = (name: string) => {
    let queue = queues.get(name)
    if (!queue) {
      queue = []
      queues.set(name, queue)
    }
    return queue
  }

  const next = (name: string) => {
    if (held.has(name)) return
    queueOf(name).shift()?.grant()
  }

  const abortError = () => Object.assign(new Error('the lock request was aborted'), { name: 'AbortError' })

  return {
    client(clientId, freezer = awake) {
      return {
        request(name, options, callback) {
          return new Promise<void>((resolve, reject) => {
            const settle = (work: () => void) => freezer.run(work)
            if (options.signal?.aborted) return settle(() => reject(abortError()))
            let done = false
            const grant = () => {
              const holder: Holder = {
                clientId,
                stolen: () => {
                  done = true
                  settle(() => reject(abortError()))
                },
              }
              held.set(name, holder)
              freezer.run(() => {
                Promise.resolve()
                  .then(callback)
                  .then(
                    () => {
                      if (held.get(name) === holder) {
                        held.delete(name)
                        next(name)
                      }
                      if (!done) resolve()
                    },
                    (error: unknown) => {
                      if (held.get(name) === holder) {
                        held.delete(name)
                        next(name)
                      }
                      if (!done) reject(error)
                    },
                  )
              })
            }
            if (options.steal) {
              held.get(name)?.stolen()
              held.delete(name)
              return grant()
            }
            const waiter: Waiter = { clientId, grant }
            options.signal?.addEventListener('abort', () => {
              const queue = queueOf(name)
              const at = queue.indexOf(waiter)
              if (at >= 0) {
                queue.splice(at, 1)
                settle(() => reject(abortError()))
              }
            })
            queueOf(name).push(waiter)
            next(name)
          })
        },
        async query() {
          return { held: [...held].map(([name, holder]) => ({ name, clientId: holder.clientId })) }
        },
      }
    },
    holder: (name) => held.get(name)?.clientId,
    crash(clientId) {
      for (const [name, queue] of queues)
        queues.set(
          name,
          queue.filter((w) => w.clientId !== clientId),
        )
      for (const [name, holder] of [...held]) {
        if (holder.clientId === clientId) {
          held.delete(name)
          next(name)
        }
      }
    },
  }
}

/** @internal Polls until `predicate` holds (no fixed sleeps: a condition or a failure). */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const started = Date.now()
  while (!predicate()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

let stubs = 0

/** @internal A hub that records what it is asked and lets the test push batches to tabs. */
export interface StubHub extends Hub {
  /** What `ping` and `hello` answer. */
  id: string
  /** The liveness lock its welcome names, if any. */
  liveness: string | undefined
  calls: string[]
  logged: LogEntry[]
  closed: boolean
  tabs: Map<string, { onBatch: BatchListener; onSession: SessionListener; onLog: LogListener | undefined }>
  push(tabId: string, batch: ChannelBatch): Promise<void>
  tell(tabId: string, event: SessionEvent): void
}

/** @internal */
export function createStubHub(
  host: { id?: string | undefined; liveness?: string | undefined } = {},
): StubHub {
  const tabs: StubHub['tabs'] = new Map()
  const calls: string[] = []
  const record = (entry: string) => {
    calls.push(entry)
  }
  const stats: HubStats = {
    connections: 0,
    tabs: 0,
    visibleTabs: 0,
    hiddenTabs: 0,
    degraded: false,
    mode: 'leader-tab',
    projects: [],
    tabList: [],
    storagePersisted: null,
  }
  const hub: StubHub = {
    id: host.id ?? `stub-${++stubs}`,
    liveness: host.liveness,
    calls,
    logged: [],
    closed: false,
    tabs,
    async push(tabId, batch) {
      const tab = tabs.get(tabId)
      if (!tab) throw new Error(`no tab ${tabId}`)
      await tab.onBatch(batch)
    },
    tell(tabId, event) {
      tabs.get(tabId)?.onSession(event)
    },
    // Not recorded: the attachment pings every hub it starts with, which says nothing about the tab.
    async ping() {
      return { protocolVersion: HUB_PROTOCOL_VERSION, hubId: hub.id }
    },
    async hello(hello, onBatch, onSession, onLog) {
      record(`hello ${hello.tabId}`)
      tabs.set(hello.tabId, { onBatch, onSession, onLog })
      return {
        userId: 'u1',
        heartbeatMs: 20_000,
        protocolVersion: HUB_PROTOCOL_VERSION,
        verified: true,
        mode: 'leader-tab',
        hubId: hub.id,
        ...(hub.liveness === undefined ? {} : { liveness: hub.liveness }),
      }
    },
    async subscribe(tabId, projectId) {
      record(`subscribe ${tabId} ${projectId}`)
      if (projectId === 'bad id') throw { code: 'invalid_argument', message: 'invalid project id' }
    },
    async unsubscribe(tabId, projectId) {
      record(`unsubscribe ${tabId} ${projectId}`)
    },
    async send(tabId, projectId, draft) {
      record(
        `send ${tabId} ${projectId} ${draft.text}${draft.client_msg_id ? ` ${draft.client_msg_id}` : ''}`,
      )
      return {
        client_msg_id: `client_${calls.length}`,
        projectId,
        userId: 'u1',
        text: draft.text,
        createdAt: 1,
        status: { state: 'pending', attempts: 0 },
      }
    },
    async retrySend(tabId, id) {
      record(`retrySend ${tabId} ${id}`)
    },
    async discardSend(tabId, id) {
      record(`discardSend ${tabId} ${id}`)
    },
    async loadOlder(tabId, projectId, beforeSeq, limit) {
      record(`loadOlder ${tabId} ${projectId} ${beforeSeq} ${limit}`)
      return { messages: [], hasOlder: false }
    },
    async reconnect(tabId) {
      record(`reconnect ${tabId}`)
    },
    async setVisibility(tabId, visible) {
      record(`setVisibility ${tabId} ${visible}`)
    },
    async setNetwork(tabId, online) {
      record(`setNetwork ${tabId} ${online}`)
    },
    async stats() {
      record('stats')
      return { ...stats, tabs: tabs.size }
    },
    async logout(tabId) {
      record(`logout ${tabId}`)
    },
    async bye(tabId) {
      record(`bye ${tabId}`)
      tabs.delete(tabId)
    },
    detach(tabId) {
      record(`detach ${tabId}`)
      tabs.delete(tabId)
    },
    setOnline(online) {
      record(`setOnline ${online}`)
    },
    log(entry) {
      hub.logged.push(entry)
    },
    close() {
      record('close')
      hub.closed = true
    },
  }
  return hub
}

/**
 * @internal A factory of fake leader workers that never lead: on the tab's start message each
 * holds its lifetime lock (as `runLeaderWorker` does) and says it started. `terminate()` ends it.
 */
export function idleLeaderWorkers(locks: FakeLocks, clientId: string): (name: string) => Worker {
  return () => {
    const listeners: Array<(event: { data: unknown }) => void> = []
    let release: () => void = () => {}
    const worker = {
      postMessage(message: unknown) {
        const start = readLeaderWorkerStart(message)
        if (!start) return
        void holdLock(locks.client(clientId), start.lifetimeLock).then((free) => {
          release = free
          for (const listener of listeners) listener({ data: { type: 'started' } })
        })
      },
      addEventListener(type: string, listener: (event: { data: unknown }) => void) {
        if (type === 'message') listeners.push(listener)
      },
      removeEventListener() {},
      terminate: () => release(),
    }
    return worker as unknown as Worker
  }
}

/** @internal A tab in leader-tab mode, built as `createChatClient` builds one. */
export interface LeaderTab {
  api: HubApi
  attachment: Attachment
  /** Release the tab's lifetime lock: the tab is gone. */
  closeTab(): void
}

/** @internal What a leader tab is built from. */
export interface LeaderTabOptions {
  locks: FakeLocks
  config: HubConfigJson
  tabId: string
  /** Time limit of every call. Default 3 s. */
  timeLimitMs?: number | undefined
  /** How long a start (hearing a leader, its ping) may take. Default 3 s. */
  startTimeoutMs?: number | undefined
  openChannel?: OpenChannel | undefined
  onLog?: ((entry: LogEntry) => void) | undefined
}

/**
 * @internal The leader dialer (with a worker that only follows) under the attachment, holding
 * the tab's lifetime lock; `cleanups` gets what ends it. Re-dials at once (`random` 0).
 */
export function leaderTab(options: LeaderTabOptions, cleanups: Array<() => void>): LeaderTab {
  const { tabId, locks } = options
  const opened: Channel[] = []
  const page = locks.client(`${tabId}-page`)
  const timeLimitMs = options.timeLimitMs ?? 3000
  const startTimeoutMs = options.startTimeoutMs ?? 3000
  const log = options.onLog ?? (() => {})
  let ids = 0
  const dialer = createLeaderDialer({
    tabId,
    config: options.config,
    dedicatedWorker: idleLeaderWorkers(locks, `${tabId}-worker`),
    openChannel: options.openChannel ?? channelsFor(undefined, opened),
    locks: page,
    clock: systemClock,
    random: () => 0,
    newId: () => `${tabId}-call-${++ids}`,
    log,
    startTimeoutMs,
  })
  const attachment = createAttachment({
    dialers: [dialer],
    clock: systemClock,
    random: () => 0,
    whenFree: (name, signal) => whenFree(page, name, signal),
    timeLimit: () => timeLimitMs,
    startTimeoutMs,
    waitLimitMs: timeLimitMs * 3,
    pingEveryMs: 1000,
    minUptimeMs: 5000,
    log,
  })
  let release: () => void = () => {}
  void page.request(tabLockName(tabId), {}, () => new Promise<void>((r) => (release = r)))
  cleanups.push(() => {
    attachment.close()
    release()
    for (const channel of opened) channel.close()
  })
  return { api: attachment.api, attachment, closeTab: () => release() }
}

/** @internal The hub id a tab is attached to, if attached. */
export function attachedTo(tab: LeaderTab): string | undefined {
  const state = tab.attachment.state
  return state.state === 'attached' ? state.hubId : undefined
}
