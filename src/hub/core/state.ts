/**
 * A channel's state: the initial value, and what is derived from it — the status tabs see, the
 * snapshot a subscribing tab starts from, the message held at a seq. Pure.
 */
import type { ChannelSnapshot, ConnectionStatus, OutboxEntry } from '../../protocol'
import { tabRange } from './context'
import type { ChannelState, CoreConfig, Message } from './types'

/** @public A channel that has done nothing yet. */
export function createChannelState(projectId: string, config: CoreConfig): ChannelState {
  return {
    projectId,
    config,
    running: false,
    online: true,
    phase: { phase: 'stopped' },
    retrying: undefined,
    cache: 'unloaded',
    record: undefined,
    persisted: undefined,
    view: undefined,
    untold: false,
    recent: [],
    held: new Map(),
    acknowledgedOnly: new WeakSet(),
    commits: [],
    history: undefined,
    prefetch: undefined,
    wantWindow: undefined,
    lastWindowLatestSeq: undefined,
    verify: 'none',
    historyBackoff: false,
    historyAttempt: 0,
    older: [],
    timers: new Set(),
    attempt: 0,
    retryMs: undefined,
    lastBytesAt: 0,
    nextId: 1,
    counters: { reconnects: 0, replayed: 0, gapFills: 0, windows: 0, verifies: 0 },
  }
}

/**
 * @public The status tabs see (DESIGN.md §4), derived from the phase: `connected` only while
 * a stream is open, so messages can arrive.
 */
export function statusOf(state: ChannelState): ConnectionStatus {
  const { phase, retrying } = state
  switch (phase.phase) {
    case 'stopped':
      return { status: 'disconnected' }
    case 'streaming':
      return { status: 'connected' }
    case 'offline':
      return { status: 'offline' }
    case 'auth_failed':
      return { status: 'auth_failed', code: phase.code, reason: phase.reason }
    default:
      // Loading, fetching the first window, connecting or waiting: while it tries again after
      // a failure it keeps saying why.
      if (retrying?.kind === 'rate_limited') return { status: 'rate_limited', retryAt: retrying.retryAt }
      if (retrying?.kind === 'backoff') {
        const { attempt, retryAt, reason } = retrying
        return { status: 'reconnecting', attempt, retryAt, reason }
      }
      return { status: 'connecting' }
  }
}

/** @public Whether two statuses read the same (a change worth telling the tabs). */
export function sameStatus(a: ConnectionStatus, b: ConnectionStatus): boolean {
  if (a.status !== b.status) return false
  switch (a.status) {
    case 'reconnecting': {
      const other = b as typeof a
      return a.attempt === other.attempt && a.retryAt === other.retryAt && a.reason === other.reason
    }
    case 'rate_limited':
      return a.retryAt === (b as typeof a).retryAt
    case 'auth_failed': {
      const other = b as typeof a
      return a.code === other.code && a.reason === other.reason
    }
    default:
      return true
  }
}

/**
 * @public What a subscribing tab starts from: the newest messages the tabs were told about,
 * the outbox entries the window does not already confirm, and the status.
 */
export function snapshotOf(state: ChannelState, outbox: readonly OutboxEntry[]): ChannelSnapshot {
  const messages = state.recent.slice(-state.config.windowSize)
  const first = messages[0]?.seq ?? (state.view ? state.view.highSeq + 1 : 1)
  // A send whose echo is already confirmed is never shown as optimistic too — nor one confirmed
  // by a message of the window that is not shown: the outbox forgets it once the window is
  // written, and no tab is told then.
  const confirmed = new Set<string | null>()
  for (const m of state.recent) confirmed.add(m.client_msg_id)
  for (const pending of state.commits) for (const m of pending.messages) confirmed.add(m.client_msg_id)
  return {
    projectId: state.projectId,
    messages,
    outbox: outbox.filter((e) => !confirmed.has(e.client_msg_id)),
    status: statusOf(state),
    range: state.view ? tabRange(state, state.view) : null,
    hasOlder: first > 1,
  }
}

/** @public The confirmed message we hold at `seq` (told to tabs or queued for commit), if any. */
export function messageAt(state: ChannelState, seq: number): Message | undefined {
  for (const pending of state.commits) {
    const first = pending.messages[0]?.seq
    if (first !== undefined && seq >= first) {
      const found = pending.messages[seq - first]
      if (found?.seq === seq) return found
    }
  }
  const first = state.recent[0]?.seq
  if (first === undefined || seq < first) return undefined
  const found = state.recent[seq - first]
  return found?.seq === seq ? found : undefined
}

/** @public The in-flight history request and commit, and the named timers: what `stop` must end. */
export function busyWith(state: ChannelState): { timers: number; history: boolean; commits: number } {
  return {
    timers: state.timers.size,
    history: state.history !== undefined || state.prefetch !== undefined,
    commits: state.commits.length,
  }
}
