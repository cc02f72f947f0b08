/**
 * A tab's `HubApi` in leader-tab mode. Calls go to whichever tab's worker leads, on the call
 * channel; answers, batches and session events come back on this tab's own channel. The client
 * follows the leader's announcements: when a newer leader appears it attaches again (hello, then
 * every project it shows), lets `Continuity` keep the view whole, and sends again the calls the
 * old leader never answered. Every call settles within its time limit.
 */
import type { Clock, Logger } from '../../hub'
import type {
  BatchListener,
  ChannelBatch,
  HubApi,
  HubError,
  HubStats,
  HubWelcome,
  OutboxEntry,
  PersistentChatMessage,
  SessionListener,
  TabHello,
} from '../../protocol'
import type { Channel, OpenChannel } from '../../worker/leader-platform'
import {
  asHubError,
  type LeaderAnnouncement,
  type LeaderMethod,
  readAnnounce,
  readToTab,
  type ToLeader,
  type ToTab,
  tabChannelName,
} from '../../worker/leader-protocol'
import { createContinuity, type Gap } from './continuity'

/** @public What a leader client is built from. */
export interface LeaderClientOptions {
  openChannel: OpenChannel
  announceChannel: string
  callChannel: string
  /** Time limit of one call, waiting for a leader included. */
  timeLimit(method: LeaderMethod): number
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>
  newId(): string
  log?: Logger | undefined
}

/** @public */
export interface LeaderClient {
  api: HubApi
  /** The leader this tab follows, once one has announced itself. */
  readonly leader: LeaderAnnouncement | undefined
  /** Stop following; pending calls reject. */
  close(): void
}

/**
 * Calls whose effect a new attachment restores by itself (hello carries visibility and network,
 * then every shown project is subscribed): after a failover they settle instead of going again.
 */
const RESTORED_BY_ATTACH: ReadonlySet<LeaderMethod> = new Set<LeaderMethod>([
  'subscribe',
  'unsubscribe',
  'setVisibility',
  'setNetwork',
])

interface Call {
  id: string
  /** Creation order: an attachment covers the state calls made before it started. */
  order: number
  method: LeaderMethod
  args: unknown[]
  /** Part of an attachment (its hello and subscribes): may go before the tab is attached. */
  internal: boolean
  /** The epoch it was posted to; undefined while it waits for a leader (or to go again). */
  epoch: number | undefined
  resolve(value: unknown): void
  reject(error: HubError): void
  timer: unknown
}

interface Tab {
  tabId: string
  channel: Channel
  hello: TabHello
  onBatch: BatchListener
  onSession: SessionListener
  /** Projects the tab shows, subscribed again at every new leader. */
  projects: Set<string>
  /** Projects whose next `reset` comes from subscribing at a new leader. */
  failover: Set<string>
  /** The first hello succeeded: later leaders are attached to without being asked. */
  greeted: boolean
  closed: boolean
  /** A new leader refused the session (401): no attachment until `reconnect()`. */
  suspended: HubError | undefined
  failedAttempts: number
  /** Heartbeats to let pass before the next attempt (backoff after failures). */
  skipHeartbeats: number
  attachedEpoch: number | undefined
  attaching: Promise<HubWelcome> | undefined
}

/** The call went to a leader that is gone; an attachment starts over with the new one. */
const LEADER_CHANGED: HubError = { code: 'unavailable', message: 'the leader changed before answering' }

/** @public Follow the leader and talk to it. */
export function createLeaderClient(options: LeaderClientOptions): LeaderClient {
  const { clock } = options
  const log: Logger = options.log ?? (() => {})
  const announcements = options.openChannel(options.announceChannel)
  const callChannel = options.openChannel(options.callChannel)
  const calls = new Map<string, Call>()
  const continuity = createContinuity()
  /** Projects whose batches wait while the gap before a failover snapshot is fetched. */
  const bridging = new Map<string, Array<{ epoch: number; batchId: number; batch: ChannelBatch }>>()
  let leader: LeaderAnnouncement | undefined
  let tab: Tab | undefined
  let callCount = 0
  let closed = false

  const settle = (call: Call) => {
    calls.delete(call.id)
    clock.clearTimeout(call.timer)
  }

  const attached = () => tab !== undefined && leader !== undefined && tab.attachedEpoch === leader.epoch

  const post = (call: Call) => {
    if (!leader || !tab) return
    call.epoch = leader.epoch
    const message: ToLeader = {
      type: 'call',
      id: call.id,
      tabId: tab.tabId,
      epoch: leader.epoch,
      method: call.method,
      args: call.args,
    }
    callChannel.post(message)
  }

  /** Post every call that waits and may go now. */
  const pump = () => {
    if (!leader) return
    for (const call of [...calls.values()]) {
      if (call.epoch === undefined && (call.internal || attached())) post(call)
    }
  }

  const invoke = (method: LeaderMethod, args: unknown[], internal = false): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(hubError('unavailable', 'the leader client is closed'))
      if (!tab) return reject(hubError('unknown_tab', `${method}() before hello(): call hello() first`))
      if (tab.suspended && !internal) {
        if (method !== 'reconnect') return reject(tab.suspended)
        tab.suspended = undefined
        tab.skipHeartbeats = 0
        reattach()
      }
      const limit = options.timeLimit(method)
      const call: Call = {
        id: options.newId(),
        order: ++callCount,
        method,
        args,
        internal,
        epoch: undefined,
        resolve,
        reject,
        timer: undefined,
      }
      call.timer = clock.setTimeout(() => {
        settle(call)
        reject(
          hubError(
            'timeout',
            leader
              ? `${method}() got no answer from the leader tab within ${limit} ms`
              : `${method}() found no leader tab within ${limit} ms (is the leader worker loading?)`,
          ),
        )
      }, limit)
      calls.set(call.id, call)
      pump()
    })

  /** Hello, then every shown project; tries again while leaders change under it. */
  const attach = (current: Tab): Promise<HubWelcome> => {
    current.attaching ??= (async () => {
      for (;;) {
        const covered = callCount
        if (current.greeted) for (const projectId of current.projects) current.failover.add(projectId)
        try {
          const welcome = (await invoke('hello', [{ ...current.hello }], true)) as HubWelcome
          // Answers come from the current leader only: this is the epoch that said hello.
          const epoch = leader?.epoch
          const projects = [...current.projects]
          const subscribed = await Promise.allSettled(
            projects.map((projectId) => invoke('subscribe', [current.tabId, projectId], true)),
          )
          const failures = subscribed.flatMap((result, i) =>
            result.status === 'rejected' ? [{ projectId: projects[i] ?? '', error: result.reason }] : [],
          )
          if (failures.some((failure) => failure.error === LEADER_CHANGED)) continue
          for (const { projectId, error } of failures) {
            // A project the hub refuses (bad id) is dropped, as its first subscribe would have been.
            if (asHubError(error).code !== 'invalid_argument') throw error
            current.projects.delete(projectId)
          }
          if (leader?.epoch !== epoch) continue
          current.attachedEpoch = epoch
          current.greeted = true
          current.failedAttempts = 0
          for (const call of [...calls.values()]) {
            if (call.order <= covered && !call.internal && RESTORED_BY_ATTACH.has(call.method)) {
              settle(call)
              call.resolve(undefined)
            }
          }
          pump()
          return welcome
        } catch (error) {
          if (error !== LEADER_CHANGED) throw error
        }
      }
    })().finally(() => {
      current.attaching = undefined
    })
    return current.attaching
  }

  /** Attach to a new leader unasked; after a failure, wait a growing number of heartbeats. */
  const reattach = () => {
    const current = tab
    if (!current?.greeted || current.closed || current.suspended || current.attaching || attached()) return
    if (current.skipHeartbeats > 0) {
      current.skipHeartbeats--
      return
    }
    attach(current).catch((error: unknown) => {
      const failure = asHubError(error)
      log({ level: 'warn', event: 'leader_client.attach_failed', code: failure.code, error: failure.message })
      if (failure.code === 'unauthenticated') {
        // No retry loop on a refused session: tell the tab once and wait for `reconnect()`.
        current.suspended = failure
        current.onSession({ type: 'auth_failed', code: 401, reason: failure.message })
        return
      }
      current.failedAttempts++
      current.skipHeartbeats = Math.min(30, 2 ** current.failedAttempts - 1)
    })
  }

  const followed = (next: LeaderAnnouncement) => {
    const previous = leader
    leader = next
    log({ level: 'info', event: 'leader_client.leader', epoch: next.epoch, tabId: next.tabId })
    if (previous) {
      for (const call of [...calls.values()]) {
        if (call.epoch === undefined || call.epoch >= next.epoch) continue
        if (call.internal) {
          settle(call)
          call.reject(LEADER_CHANGED)
        } else if (call.method === 'send') {
          settle(call)
          call.reject(
            hubError(
              'unavailable',
              'the leader tab went away before confirming the send; if it stored it, the outbox still delivers it',
            ),
          )
        } else {
          call.epoch = undefined // goes again once attached (or settles, if the attachment restores it)
        }
      }
    }
    pump()
    reattach()
  }

  announcements.listen((data) => {
    const message = readAnnounce(data)
    if (closed || message?.type !== 'leader') return
    if (!leader || message.epoch > leader.epoch) followed(message)
    else if (message.epoch === leader.epoch) reattach() // a heartbeat: retry a failed attachment
  })

  const onTabMessage = (data: unknown) => {
    const message: ToTab | undefined = readToTab(data)
    if (!message || closed || !tab) return
    switch (message.type) {
      case 'result': {
        const call = calls.get(message.id)
        if (!call || call.epoch !== message.epoch) return
        settle(call)
        if (message.ok) call.resolve(message.value)
        else call.reject(message.error)
        return
      }
      case 'batch': {
        if (message.epoch !== leader?.epoch) return // from a leader that has stood down
        deliver(tab, message.epoch, message.batchId, message.batch)
        return
      }
      case 'session':
        if (message.epoch === leader?.epoch) tab.onSession(message.event)
        return
    }
  }

  const deliver = (current: Tab, epoch: number, batchId: number, batch: ChannelBatch) => {
    const waiting = bridging.get(batch.projectId)
    if (waiting) {
      waiting.push({ epoch, batchId, batch })
      return
    }
    const failover = current.failover.has(batch.projectId) && batch.changes.some((c) => c.type === 'reset')
    if (failover) current.failover.delete(batch.projectId)
    const gap = failover ? continuity.gap(batch) : undefined
    if (!gap) return hand(current, epoch, batchId, continuity.apply(batch, failover))
    // The new leader's window starts after what this tab holds: fetch the messages in between
    // first, holding the project's later batches back so they stay in order.
    const held: Array<{ epoch: number; batchId: number; batch: ChannelBatch }> = []
    bridging.set(batch.projectId, held)
    fetchBridge(current, batch.projectId, gap)
      .catch((error: unknown) => {
        log({ level: 'warn', event: 'leader_client.bridge_failed', error: asHubError(error).message })
        return [] // the reset then replaces the view; scrollback still reaches the rest
      })
      .then((bridge) => {
        bridging.delete(batch.projectId)
        hand(current, epoch, batchId, continuity.apply(batch, true, bridge))
        for (const later of held) {
          if (later.epoch === leader?.epoch) deliver(current, later.epoch, later.batchId, later.batch)
        }
      })
  }

  /** Pages backwards from the snapshot's first seq to just after what the tab holds. */
  const fetchBridge = async (current: Tab, projectId: string, gap: Gap): Promise<PersistentChatMessage[]> => {
    const pages: PersistentChatMessage[][] = []
    let before = gap.beforeSeq
    while (before > gap.afterSeq + 1) {
      const page = (await invoke('loadOlder', [current.tabId, projectId, before, 200], true)) as {
        messages: PersistentChatMessage[]
        hasOlder: boolean
      }
      const first = page.messages[0]?.seq
      if (first === undefined || first >= before) break
      pages.unshift(page.messages)
      before = first
      if (!page.hasOlder) break
    }
    return pages.flat()
  }

  /** Give the tab a batch; acknowledge it once applied. */
  const hand = (current: Tab, epoch: number, batchId: number, batch: ChannelBatch) => {
    const acknowledge = () => {
      const ack: ToLeader = { type: 'ack', tabId: current.tabId, epoch, batchId }
      if (!closed) callChannel.post(ack)
    }
    try {
      Promise.resolve(current.onBatch(batch)).then(acknowledge, acknowledge)
    } catch (error) {
      log({ level: 'warn', event: 'leader_client.batch_failed', error: String(error) })
      acknowledge()
    }
  }

  const api: HubApi = {
    async hello(hello, onBatch, onSession) {
      if (tab && tab.tabId !== hello.tabId) {
        throw hubError('invalid_argument', 'one leader client serves one tab: hello() with the same tabId')
      }
      if (!tab) {
        const channel = options.openChannel(tabChannelName(hello.tabId))
        tab = {
          tabId: hello.tabId,
          channel,
          hello: { ...hello },
          onBatch,
          onSession,
          projects: new Set(),
          failover: new Set(),
          greeted: false,
          closed: false,
          suspended: undefined,
          failedAttempts: 0,
          skipHeartbeats: 0,
          attachedEpoch: undefined,
          attaching: undefined,
        }
        channel.listen(onTabMessage)
      }
      Object.assign(tab, {
        hello: { ...hello },
        onBatch,
        onSession,
        closed: false,
        suspended: undefined,
        attachedEpoch: undefined,
      })
      return attach(tab)
    },
    async subscribe(tabId, projectId) {
      tab?.projects.add(projectId)
      try {
        await invoke('subscribe', [tabId, projectId])
      } catch (error) {
        if (asRecord(error)['code'] === 'invalid_argument') tab?.projects.delete(projectId)
        throw error
      }
    },
    async unsubscribe(tabId, projectId) {
      tab?.projects.delete(projectId)
      tab?.failover.delete(projectId)
      continuity.forget(projectId)
      await invoke('unsubscribe', [tabId, projectId])
    },
    send: async (tabId, projectId, draft) => (await invoke('send', [tabId, projectId, draft])) as OutboxEntry,
    retrySend: async (tabId, clientMsgId) => {
      await invoke('retrySend', [tabId, clientMsgId])
    },
    discardSend: async (tabId, clientMsgId) => {
      await invoke('discardSend', [tabId, clientMsgId])
    },
    loadOlder: async (tabId, projectId, beforeSeq, limit) =>
      (await invoke('loadOlder', [tabId, projectId, beforeSeq, limit])) as {
        messages: PersistentChatMessage[]
        hasOlder: boolean
      },
    reconnect: async (tabId, projectId) => {
      await invoke('reconnect', projectId === undefined ? [tabId] : [tabId, projectId])
    },
    async setVisibility(tabId, visible) {
      if (tab) tab.hello.visible = visible
      await invoke('setVisibility', [tabId, visible])
    },
    async setNetwork(tabId, online) {
      if (tab) tab.hello.online = online
      await invoke('setNetwork', [tabId, online])
    },
    stats: async () => (await invoke('stats', [tab?.tabId])) as HubStats,
    logout: async (tabId, logoutOptions) => {
      await invoke('logout', [tabId, logoutOptions])
    },
    async bye(tabId) {
      await invoke('bye', [tabId])
      if (tab) tab.closed = true
    },
  }

  announcements.post({ type: 'who' })

  return {
    api,
    get leader() {
      return leader
    },
    close() {
      if (closed) return
      closed = true
      for (const call of [...calls.values()]) {
        settle(call)
        call.reject(hubError('unavailable', 'the leader client is closed'))
      }
      announcements.close()
      callChannel.close()
      tab?.channel.close()
    },
  }
}

function hubError(code: HubError['code'], message: string): HubError {
  return { code, message }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
}
