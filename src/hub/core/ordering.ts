/**
 * Exactly once, in seq order: every confirmed message — from the stream, a history page or a
 * send's acknowledgement — is accepted when it is next in line, held when it is early, and
 * dropped when it is known. Accepted messages queue for one commit.
 */
import type { Step } from './context'
import { messageAt } from './state'
import type { Message } from './types'

/** @internal Where a message came from: only the stream can contradict what we hold. */
export type Source = 'stream' | 'history' | 'ack'

/**
 * @internal Offer a confirmed message. Nothing is accepted while the message at `highSeq`
 * awaits its check (a reconnect, or an event that contradicted it), so two different logs are
 * never joined. Held messages it unblocks follow, up to `upTo` (see `drainHeld`).
 */
export function offer(s: Step, message: Message, source: Source, upTo = Number.POSITIVE_INFINITY) {
  const { state } = s
  const record = state.record
  if (!record) {
    // Before the cache or the first window: keep it for when the range exists.
    state.held.set(message.seq, message)
    return
  }
  if (message.seq <= record.highSeq) {
    if (source === 'stream') streamRepeat(s, message.seq, message.id)
    // A send repeated after its message was delivered: its echo settles it.
    if (message.client_msg_id !== null) s.settled.push(message.client_msg_id)
    return
  }
  hintLatest(s, message.seq)
  // Held while the log is unchecked or a new window is on its way (it replaces the range; what
  // would join the old range now may be of another log). An acknowledgement is of the log the
  // backend holds now: only an open, checked stream says that is still ours (seed 939522403: a
  // send acknowledged by a log replaced while the channel was stopped).
  const unvouched = source === 'ack' && !streamVouches(state)
  if (unvouched || state.verify !== 'none' || state.wantWindow || message.seq > record.highSeq + 1) {
    // Two messages for one seq: the backend's log changed under us.
    if (hold(s, message)) state.verify = 'due'
    if (source === 'ack') state.acknowledgedOnly.add(message)
    return
  }
  accept(s, message)
  drainHeld(s, upTo)
}

/**
 * @internal The stream sent a message event at a seq we hold (`id` undefined: unreadable). Is the
 * backend's log still ours? Checked when it is another message than ours, when it cannot be
 * compared with ours (a malformed frame: maybe another log's, after a data reset under the open
 * stream), or when it is at or below the cursor the stream resumed from (a stream sends each seq
 * once, after it). Above the cursor and too old to compare, it is the stream catching up with
 * what history gave (a new window): checking each would be a request per event.
 */
export function streamRepeat(s: Step, seq: number, id: string | undefined) {
  const { state } = s
  const known = messageAt(state, seq)
  if (known ? id === undefined || known.id !== id : seq <= streamCursor(state)) state.verify = 'due'
}

/** The seq the current connection resumed from (every seq of an open stream is above it). */
function streamCursor(state: Step['state']): number {
  const { phase } = state
  return phase.phase === 'connecting' || phase.phase === 'streaming' ? phase.cursor : Number.POSITIVE_INFINITY
}

/**
 * @internal Accept held messages that are now next in line, up to `upTo` (a history page
 * must not pull in a held message beyond the latest seq it reported: that one is not in the
 * backend's log as the page saw it).
 */
export function drainHeld(s: Step, upTo = Number.POSITIVE_INFINITY) {
  const { state } = s
  const record = state.record
  if (!record || state.verify !== 'none' || state.wantWindow) return
  for (let next = state.held.get(record.highSeq + 1); next && next.seq <= upTo; ) {
    if (state.acknowledgedOnly.has(next) && !streamVouches(state)) return
    state.held.delete(next.seq)
    accept(s, next)
    next = state.held.get(record.highSeq + 1)
  }
}

/** Whether an open stream, its replay checked, tells us of any change to the backend's log. */
function streamVouches(state: Step['state']): boolean {
  return state.phase.phase === 'streaming' && state.verify === 'none'
}

/**
 * @internal Hold `message` at its seq. A different message held there was acknowledged or
 * streamed by another log: it is dropped and its send, if any, is done. Returns whether one was.
 */
export function hold(s: Step, message: Message): boolean {
  const { held } = s.state
  const before = held.get(message.seq)
  held.set(message.seq, message)
  if (!before || before.id === message.id) return false
  if (before.client_msg_id !== null) s.settled.push(before.client_msg_id)
  return true
}

/** @internal Drop held messages at or below `highSeq` (a new range covers them), settling their sends. */
export function pruneHeld(s: Step) {
  const record = s.state.record
  if (!record) return
  for (const [seq, message] of s.state.held) {
    if (seq > record.highSeq) continue
    s.state.held.delete(seq)
    if (message.client_msg_id !== null) s.settled.push(message.client_msg_id)
  }
}

/** @internal Something says the backend has reached `seq`: a hint that a gap exists. */
export function hintLatest(s: Step, seq: number) {
  const record = s.state.record
  if (record && Number.isSafeInteger(seq) && seq > record.latestSeq) record.latestSeq = seq
}

/** @internal The highest held seq, or 0. */
export function highestHeld(s: Step): number {
  let highest = 0
  for (const seq of s.state.held.keys()) if (seq > highest) highest = seq
  return highest
}

/** Next in line: advance the range and queue the message for the next commit. */
function accept(s: Step, message: Message) {
  const { state } = s
  const record = state.record
  if (!record) return
  record.highSeq = message.seq
  if (message.seq > record.latestSeq) record.latestSeq = message.seq
  const tail = state.commits.at(-1)
  if (tail && tail.kind === 'append' && tail.commit === undefined) tail.messages.push(message)
  else state.commits.push({ kind: 'append', messages: [message], commit: undefined, attempts: 0 })
  s.toTell.push(message)
}
