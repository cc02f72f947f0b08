/**
 * The stream's lifecycle and events. One connection at a time, opened with `Last-Event-ID:
 * highSeq`; its events are decoded and offered in order; it ends with a reason that decides
 * what comes next — stop until asked (401/403), wait as told (429), or back off with full jitter
 * (network, 5xx, a wrong content type, no bytes for 2.5 × heartbeat).
 *
 * ```
 *              start                       stream_opened
 *   stopped ─────────► loading ─► connecting ─────────► streaming
 *      ▲                  │           ▲  │                 │
 *      │ stop             │ no cache  │  │ failure         │ failure, stall
 *      │              windowing ──────┘  ▼                 ▼
 *      │                           waiting (timer reconnect) ◄──┘
 *      │                      offline ◄── offline ──┐   auth_failed ◄── 401/403
 *      └──────────── any ───────────────────────────┴── online / reconnect ─► connecting
 * ```
 */
import { decodeEvent } from '../../sse/decode'
import type { ServerSentEvent } from '../../sse/types'
import { DEFAULT_BACKOFF, nextDelay } from './backoff'
import { clearTimer, emit, log, newId, type Step, setTimer } from './context'
import { stored, windowIfTooFar } from './history'
import { hintLatest, offer, streamRepeat } from './ordering'
import { failAllOlder } from './scrollback'
import type { RequestFailure, Retrying } from './types'

/** @internal Open the stream if the channel should be streaming and is not. */
export function connect(s: Step) {
  const { state } = s
  if (!state.running || state.cache !== 'loaded') return
  if (state.phase.phase === 'auth_failed') return
  if (!state.online) {
    state.phase = { phase: 'offline' }
    state.retrying = undefined
    return
  }
  const record = state.record
  if (!record) {
    state.phase = { phase: 'windowing' } // the history pump fetches the first window
    return
  }
  // Every connection checks that the backend's log is still the one we hold before it accepts
  // anything (a backend whose data was reset) — the first after a new window too: the log may
  // have been replaced between the window's answer and the stream's start.
  if (record.highSeq > 0) state.verify = 'after_replay'
  const connection = newId(s)
  state.phase = { phase: 'connecting', connection, cursor: record.highSeq }
  s.effects.push({ type: 'open_stream', connection, cursor: record.highSeq })
}

/** @internal The stream answered 200 `text/event-stream`. */
export function streamOpened(s: Step, connection: number, heartbeatMs: number) {
  const { state } = s
  const { phase } = state
  if (phase.phase !== 'connecting' || phase.connection !== connection) return
  const stallAfterMs = Math.round(2.5 * heartbeatMs)
  state.phase = { phase: 'streaming', connection, cursor: phase.cursor, openedAt: s.now, stallAfterMs }
  state.retrying = undefined
  state.lastBytesAt = s.now
  setTimer(s, 'stall', stallAfterMs)
}

/** @internal Bytes arrived: the stream is alive; offer the events they completed. */
export function streamChunk(
  s: Step,
  connection: number,
  events: readonly ServerSentEvent[],
  retryMs: number | undefined,
) {
  const { state } = s
  const { phase } = state
  if (phase.phase !== 'streaming' || phase.connection !== connection) return
  state.lastBytesAt = s.now
  if (retryMs !== undefined) state.retryMs = retryMs
  for (const event of events) handleEvent(s, event, phase.cursor)
}

/** @internal The stream ended (or never opened): decide what comes next. */
export function streamEnded(s: Step, connection: number, failure: RequestFailure) {
  const { phase } = s.state
  if ((phase.phase !== 'connecting' && phase.phase !== 'streaming') || phase.connection !== connection) return
  endStream(s, failure, false)
}

/** @internal The stall timer: no bytes for 2.5 × heartbeat ends the connection. */
export function stallCheck(s: Step) {
  const { state } = s
  const { phase } = state
  if (phase.phase !== 'streaming') return
  const silent = s.now - state.lastBytesAt
  if (silent < 0) {
    // The wall clock went back: start counting again rather than wait for the old time.
    state.lastBytesAt = s.now
    return setTimer(s, 'stall', phase.stallAfterMs)
  }
  if (silent < phase.stallAfterMs) return setTimer(s, 'stall', phase.stallAfterMs - silent)
  endStream(s, { kind: 'retry', reason: `no bytes for ${phase.stallAfterMs} ms (2.5 × heartbeat)` }, true)
}

/** @internal End the connection we hold, if any (stop, offline, suspend). */
export function dropStream(s: Step) {
  const { phase } = s.state
  clearTimer(s, 'stall')
  if (phase.phase === 'connecting' || phase.phase === 'streaming')
    s.effects.push({ type: 'abort_stream', connection: phase.connection })
}

/**
 * @internal 401/403 (stream or history): stop requesting until `reconnect`. A 401 stops the whole
 * user session, which the shell is told.
 */
export function authFailed(s: Step, code: number, reason: string) {
  log(s, 'warn', 'channel.auth_failed', { code, reason })
  suspend(s, code, reason)
  if (code === 401) s.effects.push({ type: 'unauthenticated', code, reason })
}

/** @internal Request nothing until `reconnect`. */
export function suspend(s: Step, code: number, reason: string) {
  const { state } = s
  dropStream(s)
  clearTimer(s, 'reconnect')
  clearTimer(s, 'history_retry')
  state.historyBackoff = false
  state.phase = { phase: 'auth_failed', code, reason }
  state.retrying = undefined
  failAllOlder(s, `not signed in: ${reason}`, true)
}

/** @internal A readable reason for a failure. */
export function backoffReason(failure: RequestFailure): string {
  switch (failure.kind) {
    case 'retry':
    case 'rate_limited':
      return failure.reason
    case 'auth':
    case 'rejected':
      return `${failure.code} ${failure.reason}`.trim()
    case 'aborted':
      return 'aborted'
  }
}

function endStream(s: Step, failure: RequestFailure, abort: boolean) {
  const { state } = s
  const { phase } = state
  if (abort) dropStream(s)
  else clearTimer(s, 'stall')
  if (phase.phase === 'streaming' && s.now - phase.openedAt >= state.config.minUptimeMs) state.attempt = 0
  if (failure.kind === 'auth') return authFailed(s, failure.code, failure.reason)
  state.counters.reconnects++
  if (failure.kind === 'rate_limited') {
    const retryAt = s.now + failure.retryAfterMs
    return wait(s, { kind: 'rate_limited', retryAt }, failure.retryAfterMs)
  }
  if (!state.online) {
    state.phase = { phase: 'offline' }
    state.retrying = undefined
    return
  }
  const base = state.retryMs ?? DEFAULT_BACKOFF.baseMs
  const delay = nextDelay(state.attempt, { ...DEFAULT_BACKOFF, baseMs: base }, s.random)
  state.attempt++
  const reason = backoffReason(failure)
  log(s, 'info', 'channel.reconnecting', { attempt: state.attempt, delay, reason })
  wait(s, { kind: 'backoff', attempt: state.attempt, retryAt: s.now + delay, reason }, delay)
}

function wait(s: Step, retrying: Retrying, ms: number) {
  s.state.phase = { phase: 'waiting', retryAt: retrying.retryAt }
  s.state.retrying = retrying
  setTimer(s, 'reconnect', ms)
}

function handleEvent(s: Step, event: ServerSentEvent, cursor: number) {
  const { state } = s
  const decoded = decodeEvent(event)
  if (!decoded.ok) return skip(s, event, decoded.error.message)
  const backendEvent = decoded.event
  switch (backendEvent.type) {
    case 'message.replay':
    case 'message.new':
      // A message of another project must not take this project's seq: skipped like a malformed one.
      if (backendEvent.data.projectId !== state.projectId)
        return skip(s, event, `${backendEvent.type} of project ${backendEvent.data.projectId}`)
      if (backendEvent.type === 'message.replay') state.counters.replayed++
      else if (state.verify === 'after_replay') state.verify = 'due' // live without a replay end
      return offer(s, stored(backendEvent.data), 'stream')
    case 'replay.end':
      // Messages after the cursor that the replay did not carry are paged from history.
      hintLatest(s, cursor + backendEvent.data.totalAvailable)
      if (state.verify === 'after_replay') {
        // Too far behind: the new window replaces the range, so there is nothing to check.
        if (windowIfTooFar(s, state.record?.latestSeq ?? 0)) state.verify = 'none'
        else state.verify = 'due'
      }
      return
    case 'presence.updated': {
      const { projectId, userId, status } = backendEvent.data
      if (projectId === state.projectId) emit(s, { type: 'presence', userId, status })
      return
    }
    default:
      return // connection.established and unknown events change nothing here
  }
}

/**
 * [design] A malformed frame costs nothing: its id hints at a seq, which history then pages; a
 * message event at a seq we hold is a repeat we cannot read (see `streamRepeat`).
 */
function skip(s: Step, event: ServerSentEvent, error: string) {
  const seq = Number(event.id)
  if (event.id !== undefined && event.id !== '') hintLatest(s, seq)
  const record = s.state.record
  if (event.event?.startsWith('message.') && record && seq >= 1 && seq <= record.highSeq)
    streamRepeat(s, seq, undefined)
  log(s, 'warn', 'channel.bad_event', { id: event.id, error })
}
