/**
 * Fakes for leader-tab tests in Node: a Web Locks manager shared by several "workers" (with
 * `steal`, `signal`, `query` and a crash that drops a client's locks), and a freezer that holds
 * back everything a frozen worker would run (channel messages, timers, lock settlements) and
 * replays it in order on thaw. Channels are Node's real `BroadcastChannel`.
 */
import type { Clock, Hub } from '../../src/hub'
import type { BatchListener, ChannelBatch, HubStats, SessionEvent, SessionListener } from '../../src/protocol'
import type { Channel, LocksLike, OpenChannel } from '../../src/worker/leader-platform'
import { broadcastChannel } from '../../src/worker/leader-platform'

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

/** @internal A hub that records what it is asked and lets the test push batches to tabs. */
export interface StubHub extends Hub {
  calls: string[]
  closed: boolean
  tabs: Map<string, { onBatch: BatchListener; onSession: SessionListener }>
  push(tabId: string, batch: ChannelBatch): Promise<void>
  tell(tabId: string, event: SessionEvent): void
}

/** @internal */
export function createStubHub(): StubHub {
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
  }
  const hub: StubHub = {
    calls,
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
    async hello(hello, onBatch, onSession) {
      record(`hello ${hello.tabId}`)
      tabs.set(hello.tabId, { onBatch, onSession })
      return { userId: 'u1', heartbeatMs: 20_000, protocolVersion: 1, verified: true, mode: 'leader-tab' }
    },
    async subscribe(tabId, projectId) {
      record(`subscribe ${tabId} ${projectId}`)
      if (projectId === 'bad id') throw { code: 'invalid_argument', message: 'invalid project id' }
    },
    async unsubscribe(tabId, projectId) {
      record(`unsubscribe ${tabId} ${projectId}`)
    },
    async send(tabId, projectId, draft) {
      record(`send ${tabId} ${projectId} ${draft.text}`)
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
    close() {
      record('close')
      hub.closed = true
    },
  }
  return hub
}
