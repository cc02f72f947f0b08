/**
 * The channel core's one entry point: `step(state, input, env) → { state, effects }`. No fetch,
 * timers, store or DOM in here — the shell (`project-channel.ts` in the hub, the model world
 * in `test/sim`) carries out the effects and feeds their outcomes back as inputs. After every
 * input the core starts the write and the history request that are due, and tells the tabs when
 * the status (derived from the phase) changed.
 */
import { commitDone, commitFailed, startCommit } from './commits'
import type { Step } from './context'
import { clearTimer, emit, tellAccepted, tellUntold } from './context'
import { dropPrefetch, historyResult, pumpHistory, stored } from './history'
import { drainHeld, offer, pruneHeld } from './ordering'
import { cacheRead, failAllOlder, loadOlder, readCacheForOlder } from './scrollback'
import { sameStatus, statusOf } from './state'
import { connect, dropStream, stallCheck, streamChunk, streamEnded, streamOpened, suspend } from './stream'
import type { ChannelEffect, ChannelInput, ChannelState, TimerName } from './types'

/** @public What a step may read besides its input: the time and a source of randomness (for jitter). */
export interface StepEnv {
  now: number
  random: () => number
}

/** @public The state after the input, and what the shell must do, in order. */
export interface StepResult {
  state: ChannelState
  effects: ChannelEffect[]
}

/**
 * @public Apply one input. The state is owned by the core and updated in place (the returned
 * `state` is the same object): callers keep no other reference to its parts.
 */
export function step(state: ChannelState, input: ChannelInput, env: StepEnv): StepResult {
  const before = statusOf(state)
  const s: Step = {
    state,
    effects: [],
    now: env.now,
    random: env.random,
    settled: [],
    toTell: [],
    reset: false,
  }
  apply(s, input)
  tellAccepted(s)
  startCommit(s)
  pumpHistory(s)
  tellUntold(s)
  if (s.settled.length > 0) s.effects.push({ type: 'settle', clientMsgIds: s.settled, stored: false })
  const after = statusOf(state)
  if (!sameStatus(before, after)) emit(s, { type: 'status', status: after })
  return { state, effects: s.effects }
}

function apply(s: Step, input: ChannelInput) {
  const { state } = s
  switch (input.type) {
    case 'start':
      state.online = input.online
      if (state.running) return
      state.running = true
      if (state.cache === 'unloaded') {
        state.cache = 'loading'
        state.phase = { phase: 'loading' }
        s.effects.push({ type: 'load_cache' })
      } else {
        resume(s)
      }
      return
    case 'stop':
      return stop(s)
    case 'cache_loaded':
      return cacheLoaded(s, input)
    case 'stream_opened':
      return streamOpened(s, input.connection, input.heartbeatMs)
    case 'stream_chunk':
      return streamChunk(s, input.connection, input.events, input.retryMs)
    case 'stream_ended':
      return streamEnded(s, input.connection, input.failure)
    case 'history_result':
      return historyResult(s, input.request, input.result)
    case 'cache_read':
      return cacheRead(s, input.request, input.messages)
    case 'commit_done':
      return commitDone(s, input.commit)
    case 'commit_failed':
      return commitFailed(s, input.commit, input.reason)
    case 'timer':
      return timerFired(s, input.name)
    case 'online':
      state.online = true
      state.attempt = 0
      resumeHistory(s)
      if (
        state.phase.phase === 'offline' ||
        (state.phase.phase === 'waiting' && state.retrying?.kind === 'backoff')
      ) {
        clearTimer(s, 'reconnect')
        connect(s)
      }
      return
    case 'offline':
      state.online = false
      if (!state.running) return
      dropStream(s)
      clearTimer(s, 'reconnect')
      state.phase = { phase: 'offline' }
      state.retrying = undefined
      return
    case 'reconnect':
      state.attempt = 0
      resumeHistory(s)
      if (
        state.phase.phase === 'auth_failed' ||
        state.phase.phase === 'waiting' ||
        state.phase.phase === 'offline'
      ) {
        clearTimer(s, 'reconnect')
        state.retrying = undefined
        resume(s)
      }
      return
    case 'suspend':
      if (state.phase.phase !== 'auth_failed') suspend(s, input.code, input.reason)
      return
    case 'acknowledged':
      if (input.data.projectId !== state.projectId) return
      offer(s, stored(input.data), 'ack')
      if (state.cache === 'unloaded') {
        state.cache = 'loading'
        s.effects.push({ type: 'load_cache' })
      }
      return
    case 'load_older':
      return loadOlder(s, input.request, input.beforeSeq, input.limit)
  }
}

/** Stop streaming and end whatever is in flight — also when stopped already: a stopped channel still serves scrollback. */
function stop(s: Step) {
  const { state } = s
  state.running = false
  dropStream(s)
  if (state.history) {
    s.effects.push({ type: 'abort_history', request: state.history.request })
    state.history = undefined
  }
  dropPrefetch(s)
  failAllOlder(s, 'the channel stopped')
  for (const name of [...state.timers]) clearTimer(s, name)
  state.historyBackoff = false
  state.wantWindow = undefined
  state.phase = { phase: 'stopped' }
  state.retrying = undefined
}

function cacheLoaded(s: Step, input: Extract<ChannelInput, { type: 'cache_loaded' }>) {
  const { state } = s
  if (state.cache !== 'loading') return
  state.cache = 'loaded'
  const { record } = input
  // A record whose range is not a range (a damaged cache) is no cache.
  if (record && record.highSeq >= record.lowSeq - 1 && record.lowSeq >= 1) {
    const { lowSeq, highSeq } = record
    state.record = { ...record, latestSeq: Math.max(record.latestSeq, highSeq) }
    state.persisted = { lowSeq, highSeq }
    state.view = { lowSeq, highSeq }
    state.recent = input.messages.filter((m) => m.seq >= lowSeq && m.seq <= highSeq)
    state.verify = highSeq > 0 ? 'after_replay' : 'none'
  }
  // Acknowledgements that came before the cache: settled if it holds them already.
  pruneHeld(s)
  drainHeld(s)
  readCacheForOlder(s)
  if (state.running) connect(s)
}

function timerFired(s: Step, name: TimerName) {
  const { state } = s
  if (!state.timers.delete(name)) return // cleared meanwhile
  switch (name) {
    case 'reconnect':
      if (state.phase.phase === 'waiting') connect(s)
      return
    case 'stall':
      return stallCheck(s)
    case 'history_retry':
      state.historyBackoff = false
      return
    case 'commit_retry':
      return // startCommit runs after every input
  }
}

/** Leave a waiting or refusing phase: stopped, loading, or connecting as the rest of the state says. */
function resume(s: Step) {
  const { state } = s
  if (!state.running) state.phase = { phase: 'stopped' }
  else if (state.cache !== 'loaded') state.phase = { phase: 'loading' }
  else {
    state.phase = { phase: 'stopped' }
    connect(s)
  }
}

/** Retry history now (the network is back, or the app asked). */
function resumeHistory(s: Step) {
  if (!s.state.historyBackoff) return
  clearTimer(s, 'history_retry')
  s.state.historyBackoff = false
  s.state.historyAttempt = 0
}
