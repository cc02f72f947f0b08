/**
 * A tab's link to one leader term, over `BroadcastChannel`: calls go out on the call channel
 * addressed to the term's epoch; answers, batches (acknowledged once applied), session events
 * and log entries come back on the tab's own channel. The link dies when its leader is known gone.
 */
import type { Logger } from '../hub'
import type {
  BatchListener,
  HubApi,
  HubLink,
  LeaderAnnouncement,
  LogListener,
  SessionListener,
  ToLeader,
  ToTab,
} from '../protocol'
import { HUB_METHODS, hubError } from '../protocol'
import type { Channel } from './platform'

/** @public What a leader link is built from. */
export interface LeaderLinkOptions {
  tabId: string
  leader: LeaderAnnouncement
  /** The call channel (posted to only). */
  calls: Channel
  newId(): string
  /** Settles, with why, once this leader is known gone (a newer epoch, its liveness lock free). */
  gone: Promise<string>
  log: Logger
  /** Called once on `close()`. */
  onClose?: (() => void) | undefined
}

/** @public */
export interface LeaderLink extends HubLink {
  readonly epoch: number
  /** A message from the tab's own channel, addressed to this link's epoch. */
  receive(message: ToTab): void
}

interface Listeners {
  onBatch: BatchListener
  onSession: SessionListener
  onLog: LogListener | undefined
}

/** @public Link to `leader`. */
export function createLeaderLink(options: LeaderLinkOptions): LeaderLink {
  const { tabId, calls } = options
  const { epoch } = options.leader
  const pending = new Map<string, { resolve(value: unknown): void; reject(error: unknown): void }>()
  let listeners: Listeners | undefined
  let closed = false

  const invoke = (method: keyof HubApi, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (closed) return reject(hubError('unavailable', 'the link to the leader tab is closed'))
      const id = options.newId()
      pending.set(id, { resolve, reject })
      const message: ToLeader = { type: 'call', id, tabId, epoch, method, args }
      calls.post(message)
    })

  const methods = {} as Record<keyof HubApi, unknown>
  for (const method of HUB_METHODS) methods[method] = (...args: unknown[]) => invoke(method, args)
  const api = methods as unknown as HubApi
  api.hello = async (hello, onBatch, onSession, onLog) => {
    // Functions do not cross a channel: the leader posts to this tab's channel instead.
    listeners = { onBatch, onSession, onLog }
    return (await invoke('hello', [hello])) as Awaited<ReturnType<HubApi['hello']>>
  }

  const acknowledge = (batchId: number) => {
    const ack: ToLeader = { type: 'ack', tabId, epoch, batchId }
    if (!closed) calls.post(ack)
  }

  return {
    mode: 'leader-tab',
    epoch,
    api,
    lost: options.gone,
    receive(message) {
      if (closed || message.epoch !== epoch) return
      switch (message.type) {
        case 'result': {
          const call = pending.get(message.id)
          if (!call) return
          pending.delete(message.id)
          if (message.ok) call.resolve(message.value)
          else call.reject(message.error)
          return
        }
        case 'batch': {
          const done = () => acknowledge(message.batchId)
          try {
            Promise.resolve(listeners?.onBatch(message.batch)).then(done, done)
          } catch (error) {
            options.log({ level: 'warn', event: 'leader_link.batch_failed', error: String(error) })
            done()
          }
          return
        }
        case 'session':
          listeners?.onSession(message.event)
          return
        case 'log':
          listeners?.onLog?.(message.entry)
          return
      }
    },
    close() {
      if (closed) return
      closed = true
      const error = hubError('unavailable', 'the link to the leader tab is closed')
      for (const call of pending.values()) call.reject(error)
      pending.clear()
      options.onClose?.()
    },
  }
}
