/**
 * The model hub: the real channel core (`src/hub/core`), one per project, run by a shell that
 * carries out its effects against the model backend, the model store and the model tabs — as
 * `project-channel.ts` does with fetch and IndexedDB — plus the user session's part: tabs
 * subscribing (a `reset` with the snapshot, then every change), the grace period, closing while
 * every tab is hidden, and one suspension for a 401. The effects are carried out in
 * hub-effects.ts.
 */
import {
  type ChannelEffect,
  type ChannelInput,
  type ChannelState,
  type CoreConfig,
  createChannelState,
  type OlderAnswer,
  snapshotOf,
  step,
  type TimerName,
} from '../../src/hub/core'
import type { ChannelChange } from '../../src/protocol'
import type { ModelBackend } from './backend'
import { type EffectWorld, runEffect } from './hub-effects'
import type { ModelTransport } from './mux'
import type { Outbox } from './outbox'
import type { ModelStore } from './store'
import { describeItem } from './trace'
import type { Scheduled, World } from './world'

/** @internal What the hub needs of a tab. */
export interface HubTab {
  readonly id: string
  readonly projectId: string
  readonly visible: boolean
  apply(changes: readonly ChannelChange[]): void
  olderAnswered(answer: OlderAnswer): void
}

/** @internal One project's channel in the model hub. */
export interface SimChannel {
  readonly projectId: string
  readonly state: ChannelState
  readonly subscribers: Set<HubTab>
  /** Subscribed, waiting for the first snapshot. */
  readonly waiting: Set<HubTab>
  readonly timers: Map<TimerName, Scheduled>
  readonly connections: Map<number, { abort(): void }>
  closeTimer: Scheduled | undefined
  /** Stopped after its last tab left (not merely not started yet). */
  stopped: boolean
}

/** @internal */
export interface HubOptions {
  world: World
  backend: ModelBackend
  /** How streams reach the backend: one per project, or the user's multiplexed one. */
  transport: ModelTransport
  store: ModelStore
  outbox: Outbox
  config: CoreConfig & { closeGraceMs: number; closeWhenAllHiddenMs: number | null; heartbeatMs: number }
  random: () => number
  /** The wall clock's offset from virtual time (clock jumps move it). */
  clockOffset(): number
  violation(message: string): void
  /** Receives a line per input and effect, when debugging a seed. */
  trace?: ((line: string) => void) | undefined
}

/** @internal */
export interface ModelHub {
  readonly channels: Map<string, SimChannel>
  readonly stats: {
    historyRequests: number
    streamOpens: number
    olderRequests: number
    historyFailures: number
  }
  subscribe(tab: HubTab): void
  unsubscribe(tab: HubTab): void
  loadOlder(tab: HubTab, beforeSeq: number, limit: number): void
  reconnect(projectId: string): void
  setOnline(online: boolean): void
  visibilityChanged(): void
  /** Apply `input` to the project's channel (if it exists). */
  dispatch(projectId: string, input: ChannelInput): void
}

/** @internal */
export function createModelHub(options: HubOptions): ModelHub {
  const { world, backend, outbox, config } = options
  const channels = new Map<string, SimChannel>()
  const stats = { historyRequests: 0, streamOpens: 0, olderRequests: 0, historyFailures: 0 }
  const olderAskers = new Map<number, HubTab>()
  let nextOlder = 1
  let online = true
  let suspended: { code: number; reason: string } | undefined

  const channelOf = (projectId: string): SimChannel => {
    let channel = channels.get(projectId)
    if (!channel) {
      channel = {
        projectId,
        state: createChannelState(projectId, config),
        subscribers: new Set(),
        waiting: new Set(),
        timers: new Map(),
        connections: new Map(),
        closeTimer: undefined,
        stopped: false,
      }
      channels.set(projectId, channel)
      if (suspended) dispatchTo(channel, { type: 'suspend', ...suspended })
      // Sends acknowledged before: this channel settles them (in line, or once a window passes them).
      for (const data of outbox.acknowledged(projectId)) dispatchTo(channel, { type: 'acknowledged', data })
    }
    return channel
  }

  const inbox: Array<[SimChannel, ChannelInput]> = []
  let stepping = false
  const dispatchTo = (channel: SimChannel, input: ChannelInput) => {
    inbox.push([channel, input])
    if (stepping) return
    stepping = true
    try {
      for (let next = inbox.shift(); next; next = inbox.shift()) {
        const [target, applied] = next
        const now = world.now + options.clockOffset()
        const { effects } = step(target.state, applied, { now, random: options.random })
        if (options.trace) {
          options.trace(`${world.now} ${target.projectId} < ${describeItem(applied)}`)
          for (const effect of effects)
            options.trace(`${world.now} ${target.projectId} > ${describeItem(effect)}`)
        }
        for (const effect of effects) run(target, effect)
        afterStep(target, applied)
      }
    } finally {
      stepping = false
    }
  }

  /** Snapshot waiters, the stop invariants, and forgetting a stopped channel once its writes landed. */
  const afterStep = (channel: SimChannel, input: ChannelInput) => {
    const { state } = channel
    const ready =
      state.cache === 'loaded' &&
      (state.view !== undefined || state.phase.phase !== 'windowing' || state.retrying !== undefined)
    if (ready && channel.waiting.size > 0) {
      for (const tab of channel.waiting) {
        channel.waiting.delete(tab)
        channel.subscribers.add(tab)
        tab.apply([{ type: 'reset', snapshot: snapshotOf(state, outbox.entries(channel.projectId)) }])
      }
      // As the session does once a tab has its snapshot: stream on, or close while all are hidden.
      review(channel)
    }
    if (input.type === 'stop') {
      if (channel.timers.size > 0)
        options.violation(`${channel.projectId}: timers left after stop: ${[...channel.timers.keys()]}`)
      if (channel.connections.size > 0)
        options.violation(`${channel.projectId}: a stream left open after stop`)
      if (state.history) options.violation(`${channel.projectId}: a history request left after stop`)
    }
    // As the session does: a channel stopped by its grace period is forgotten once its last
    // write has landed, unless a tab came back meanwhile.
    if (input.type === 'stop') channel.stopped = true
    if (input.type === 'start') channel.stopped = false
    const idle = channel.stopped && state.commits.length === 0 && !state.running
    if (
      idle &&
      channel.subscribers.size === 0 &&
      channel.waiting.size === 0 &&
      channels.get(channel.projectId) === channel
    )
      channels.delete(channel.projectId)
  }

  const tell = (channel: SimChannel, changes: ChannelChange[]) => {
    for (const tab of channel.subscribers) tab.apply(changes)
  }

  const effects: EffectWorld = {
    options,
    stats,
    olderAskers,
    dispatch: (channel, input) => dispatchTo(channel, input),
    tell,
    unauthenticated(channel, code, reason) {
      suspended = { code, reason }
      outbox.pause()
      for (const other of channels.values())
        if (other !== channel) dispatchTo(other, { type: 'suspend', ...suspended })
    },
  }
  const run = (channel: SimChannel, effect: ChannelEffect) => runEffect(effects, channel, effect)

  /** Stream, close after the grace period, or close while every tab is hidden. */
  const review = (channel: SimChannel) => {
    world.cancel(channel.closeTimer)
    channel.closeTimer = undefined
    const tabs = [...channel.subscribers, ...channel.waiting]
    if (tabs.length === 0) {
      channel.closeTimer = world.after(config.closeGraceMs, 'grace', () => {
        channel.closeTimer = undefined
        dispatchTo(channel, { type: 'stop' })
      })
      return
    }
    // A tab waiting for its snapshot needs the channel, shown or hidden (the session starts the
    // channel for every tab that subscribes).
    if (channel.waiting.size > 0 || config.closeWhenAllHiddenMs === null || tabs.some((t) => t.visible)) {
      dispatchTo(channel, { type: 'start', online })
      return
    }
    channel.closeTimer = world.after(config.closeWhenAllHiddenMs, 'all hidden', () => {
      channel.closeTimer = undefined
      dispatchTo(channel, { type: 'stop' })
    })
  }

  outbox.connect({
    acknowledged(data) {
      const channel = channels.get(data.projectId)
      if (channel) dispatchTo(channel, { type: 'acknowledged', data })
      else if (data.client_msg_id !== null) outbox.settle([data.client_msg_id])
    },
    changed(projectId, change) {
      const channel = channels.get(projectId)
      if (channel) tell(channel, [{ type: 'outbox', ...change }])
    },
  })

  return {
    channels,
    stats,
    subscribe(tab) {
      const channel = channelOf(tab.projectId)
      channel.waiting.add(tab)
      review(channel)
      afterStep(channel, { type: 'reconnect' })
    },
    unsubscribe(tab) {
      const channel = channels.get(tab.projectId)
      if (!channel) return
      channel.subscribers.delete(tab)
      channel.waiting.delete(tab)
      review(channel)
    },
    loadOlder(tab, beforeSeq, limit) {
      stats.olderRequests++
      const request = nextOlder++
      olderAskers.set(request, tab)
      dispatchTo(channelOf(tab.projectId), { type: 'load_older', request, beforeSeq, limit })
    },
    reconnect(projectId) {
      suspended = undefined
      outbox.resume()
      const channel = channels.get(projectId)
      if (channel) dispatchTo(channel, { type: 'reconnect' })
    },
    setOnline(value) {
      online = value
      backend.online = value
      for (const channel of channels.values()) dispatchTo(channel, { type: value ? 'online' : 'offline' })
      if (value) outbox.resume()
    },
    visibilityChanged() {
      for (const channel of channels.values()) if (channel.subscribers.size > 0) review(channel)
    },
    dispatch(projectId, input) {
      const channel = channels.get(projectId)
      if (channel) dispatchTo(channel, input)
    },
  }
}
