/**
 * The leader's side of the wire: answers tabs' calls on the call channel with the hub, and turns
 * the hub's `onBatch`/`onSession`/`onLog` callbacks into posts on each tab's own channel (one post
 * per tab per batch, acknowledged by the tab). Every call passes the fence first, so a leader
 * whose lock was stolen answers nothing and touches nothing.
 */
import type { Hub, Logger } from '../hub'
import type { ChannelBatch, LogEntry, SessionEvent, TabHello, ToLeader, ToTab } from '../protocol'
import { asHubError, hubError, readToLeader, tabChannelName, tabLockName } from '../protocol'
import type { Channel, LocksLike, OpenChannel } from './platform'

/** @public What `serveHub` needs. */
export interface ServeHubOptions {
  hub: Hub
  /** The term being served: calls addressed to another epoch are not ours to answer. */
  epoch: number
  callChannel: string
  openChannel: OpenChannel
  /** Watches each tab's lifetime lock, as the SharedWorker does. */
  locks: LocksLike
  /** Resolves true while this worker still holds the leader lock (see `LeaderHost.fence`). */
  fence(): Promise<boolean>
  log?: Logger | undefined
}

/** @public A running dispatcher. */
export interface Serving {
  /** Stop answering; forget every tab. Idempotent. */
  stop(): void
}

interface TabLink {
  channel: Channel
  /** Aborts the wait on the tab's lifetime lock. */
  watch: AbortController | undefined
  acks: Map<number, () => void>
}

/** @public Serve `hub` to every tab over the call channel until `stop()`. */
export function serveHub(options: ServeHubOptions): Serving {
  const { hub, epoch, locks } = options
  const log: Logger = options.log ?? (() => {})
  const calls = options.openChannel(options.callChannel)
  const links = new Map<string, TabLink>()
  let nextBatchId = 0
  let stopped = false
  /** Fence checks run one after another, so calls start in the order they arrived. */
  let gate: Promise<boolean> = Promise.resolve(true)

  const linkOf = (tabId: string): TabLink => {
    let link = links.get(tabId)
    if (!link) {
      link = { channel: options.openChannel(tabChannelName(tabId)), watch: undefined, acks: new Map() }
      links.set(tabId, link)
    }
    return link
  }

  const post = (tabId: string, message: ToTab) => {
    if (!stopped) linkOf(tabId).channel.post(message)
  }

  const forget = (tabId: string) => {
    const link = links.get(tabId)
    if (!link) return
    links.delete(tabId)
    link.watch?.abort()
    for (const acknowledge of link.acks.values()) acknowledge()
    link.channel.close()
  }

  /** The tab's lifetime lock becomes ours only once the tab is gone (closed or crashed). */
  const watch = (tabId: string) => {
    const link = linkOf(tabId)
    if (link.watch) return
    const controller = new AbortController()
    link.watch = controller
    locks
      .request(tabLockName(tabId), { signal: controller.signal }, () => {
        if (stopped) return
        hub.detach(tabId)
        forget(tabId)
      })
      .catch(() => {}) // aborted: the tab said bye, or this leader stopped
  }

  const hello = async (tabId: string, args: unknown[]) => {
    const greeting = args[0] as TabHello | undefined
    if (typeof greeting !== 'object' || greeting === null || greeting.tabId !== tabId) {
      throw hubError('invalid_argument', 'hello() needs a TabHello whose tabId is the calling tab')
    }
    const onBatch = (batch: ChannelBatch) =>
      new Promise<void>((acknowledged) => {
        if (stopped) return acknowledged()
        const batchId = ++nextBatchId
        linkOf(tabId).acks.set(batchId, acknowledged)
        post(tabId, { type: 'batch', epoch, batchId, batch })
      })
    const onSession = (event: SessionEvent) => post(tabId, { type: 'session', epoch, event })
    const onLog = (entry: LogEntry) => post(tabId, { type: 'log', epoch, entry })
    const welcome = await hub.hello(greeting, onBatch, onSession, onLog)
    watch(tabId)
    return welcome
  }

  const dispatch = async (call: Extract<ToLeader, { type: 'call' }>): Promise<unknown> => {
    if (call.method === 'hello') return hello(call.tabId, call.args)
    if (call.method !== 'stats' && call.method !== 'ping' && call.args[0] !== call.tabId) {
      throw hubError('invalid_argument', `${call.method}() must name the calling tab`)
    }
    const method = hub[call.method] as (...args: unknown[]) => Promise<unknown>
    return Reflect.apply(method, hub, call.args)
  }

  const answer = async (call: Extract<ToLeader, { type: 'call' }>) => {
    const check = gate.then(() => options.fence())
    gate = check.catch(() => false)
    if (!(await check.catch(() => false)) || stopped) return // not the leader any more: silence
    try {
      const value = await dispatch(call)
      post(call.tabId, { type: 'result', id: call.id, epoch, ok: true, value })
    } catch (error) {
      post(call.tabId, { type: 'result', id: call.id, epoch, ok: false, error: asHubError(error) })
    }
    if (call.method === 'bye') forget(call.tabId)
    // Stopped while the hub worked on it: whatever the call started (a session) is closed too.
    if (stopped) hub.close()
  }

  calls.listen((data) => {
    const message = readToLeader(data)
    if (!message || stopped || message.epoch !== epoch) return
    if (message.type === 'ack') {
      const link = links.get(message.tabId)
      link?.acks.get(message.batchId)?.()
      link?.acks.delete(message.batchId)
      return
    }
    void answer(message).catch((error: unknown) =>
      log({ level: 'warn', event: 'leader.answer_failed', error: asHubError(error).message }),
    )
  })

  return {
    stop() {
      if (stopped) return
      stopped = true
      calls.close()
      for (const tabId of [...links.keys()]) forget(tabId)
    },
  }
}
