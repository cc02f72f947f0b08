/**
 * One step in progress: the state being updated, the effects asked for so far, and the time
 * and randomness the step may use. Every part of the core writes its effects through here.
 */
import type { ChannelChange, SeqRange } from '../../protocol'
import type { ChannelEffect, ChannelState, Message, TimerName, ViewRange } from './types'

/** @internal */
export interface Step {
  readonly state: ChannelState
  readonly effects: ChannelEffect[]
  readonly now: number
  readonly random: () => number
  /** `client_msg_id`s found confirmed during this step, settled in one effect at its end. */
  readonly settled: string[]
  /** Messages accepted during this step, told to the tabs in one change at its end. */
  toTell: Message[]
  /** The tabs were sent a `reset` in this step: its snapshot already holds what was accepted. */
  reset: boolean
}

/** @internal A fresh id for a connection, request or commit. */
export function newId(s: Step): number {
  return s.state.nextId++
}

/**
 * @internal Tell the tabs what this step accepted: they see a message as soon as it is in line,
 * while its write to the store runs (the persisted range advances only when it lands).
 */
export function tellAccepted(s: Step) {
  const { state } = s
  const messages = s.toTell
  s.toTell = []
  if (messages.length === 0) return
  const { windowSize } = state.config
  state.recent.push(...messages)
  if (state.recent.length > 2 * windowSize) state.recent = state.recent.slice(-windowSize)
  const highSeq = messages.at(-1)?.seq ?? 0
  if (!s.reset && (state.untold || farBehind(state, highSeq))) {
    state.untold = true
    state.view = windowRange(state)
    return
  }
  state.view = { lowSeq: state.view?.lowSeq ?? messages[0]?.seq ?? highSeq, highSeq }
  // After a `reset` in this step the snapshot (built once the step is done) holds them already.
  if (!s.reset) emit(s, { type: 'messages', messages, range: tabRange(state, state.view) })
}

/**
 * @internal At the end of a step: untold tabs get their `reset` as soon as the hub no longer
 * pages a gap of `windowSize` or more — near its end, or when the paging pauses (a failed page,
 * a new window due, a scrollback first), so they never wait out a backoff for what it holds.
 */
export function tellUntold(s: Step) {
  const { state } = s
  if (!state.untold) return
  const record = state.record
  const paging =
    state.history?.purpose === 'gap' &&
    record !== undefined &&
    record.latestSeq - record.highSeq >= state.config.windowSize
  if (paging) return
  state.untold = false
  state.view = windowRange(state)
  if (s.reset) return
  s.reset = true
  s.effects.push({ type: 'emit_reset' })
}

/**
 * A catch-up too long to tell page by page: the tabs would take more than `maxTabBackfill`
 * messages, and `windowSize` or more are still to come. Page by page, each tab deserialized and
 * merged all 10,000 of a long catch-up (five tabs: 50,000) to end on the newest; with a new
 * window it takes the newest `windowSize` and the pages after them, and the older ones are a
 * scroll away in the store.
 */
function farBehind(state: ChannelState, highSeq: number): boolean {
  const latestSeq = state.record?.latestSeq ?? 0
  const told = state.view?.highSeq ?? highSeq
  const { windowSize, maxTabBackfill } = state.config
  return latestSeq - highSeq >= windowSize && latestSeq - told > maxTabBackfill
}

/** The range of the snapshot a subscribing tab gets now: the newest `windowSize` accepted. */
function windowRange(state: ChannelState): ViewRange {
  const { recent } = state
  const first = recent.at(-Math.min(recent.length, state.config.windowSize))
  const highSeq = recent.at(-1)?.seq ?? state.view?.highSeq ?? 0
  return { lowSeq: first?.seq ?? highSeq + 1, highSeq }
}

/**
 * @internal The range as the tabs are told it: with the newest seq the backend is known to
 * hold while the hub is behind it (catching up).
 */
export function tabRange(state: ChannelState, view: ViewRange): SeqRange {
  const latestSeq = state.record?.latestSeq ?? 0
  return latestSeq > view.highSeq ? { ...view, latestSeq } : { ...view }
}

/** @internal Tell every subscribed tab. */
export function emit(s: Step, ...changes: ChannelChange[]) {
  s.effects.push({ type: 'emit', changes })
}

/** @internal Arm a named timer (re-arming replaces it). */
export function setTimer(s: Step, name: TimerName, ms: number) {
  s.state.timers.add(name)
  s.effects.push({ type: 'set_timer', name, ms: Math.max(0, Math.round(ms)) })
}

/** @internal Disarm a named timer, if armed. */
export function clearTimer(s: Step, name: TimerName) {
  if (!s.state.timers.delete(name)) return
  s.effects.push({ type: 'clear_timer', name })
}

/** @internal A structured log line (never message text). */
export function log(
  s: Step,
  level: 'debug' | 'info' | 'warn' | 'error',
  event: string,
  fields: Record<string, unknown> = {},
) {
  s.effects.push({ type: 'log', level, event, fields })
}
