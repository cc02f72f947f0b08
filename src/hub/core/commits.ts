/**
 * The single writer: accepted messages, new windows and scrollback pages are written one
 * transaction at a time, in the order they were made, each with the range the store holds once
 * it lands (`persisted`). The tabs were told already, when the messages were accepted: a write
 * only moves the persisted range, which is what a new hub resumes from. A failed write keeps its
 * batch and is tried again.
 */
import type { CommitBatch } from '../../store/chat-store'
import { log, newId, type Step, setTimer } from './context'
import type { PendingCommit } from './types'

/** @internal Start the oldest queued write, unless one is in flight or waiting to be retried. */
export function startCommit(s: Step) {
  const { state } = s
  const head = state.commits[0]
  if (!head || head.commit !== undefined || state.timers.has('commit_retry')) return
  if (head.kind !== 'window' && !state.persisted) return // nothing to extend yet: a window comes first
  const commit = newId(s)
  head.commit = commit
  s.effects.push({ type: 'commit', commit, batch: batchOf(s, head) })
}

/** @internal The store has the head write: the persisted range moves; the next write starts. */
export function commitDone(s: Step, commit: number) {
  const { state } = s
  const head = state.commits[0]
  if (head?.commit !== commit) return
  state.commits.shift()
  const range = rangeOf(s, head)
  state.persisted = range
  const ids = head.messages.flatMap((m) => (m.client_msg_id === null ? [] : [m.client_msg_id]))
  if (ids.length > 0) s.effects.push({ type: 'settle', clientMsgIds: ids, stored: true })
  // The asking tab was answered already; other tabs scroll back on their own.
  if (head.kind === 'older' && state.view) state.view.lowSeq = range.lowSeq
}

/** @internal The head write failed: keep it and try again after a pause. */
export function commitFailed(s: Step, commit: number, reason: string) {
  const head = s.state.commits[0]
  if (head?.commit !== commit) return
  head.commit = undefined
  head.attempts++
  log(s, 'warn', 'channel.commit_failed', { attempts: head.attempts, reason })
  setTimer(s, 'commit_retry', Math.min(30_000, 250 * 2 ** Math.min(head.attempts, 7)))
}

/** The store's range once `pending` lands: it extends (or, for a window, replaces) what is persisted. */
function rangeOf(s: Step, pending: PendingCommit): { lowSeq: number; highSeq: number } {
  const persisted = s.state.persisted ?? { lowSeq: 1, highSeq: 0 }
  const first = pending.messages[0]?.seq
  const last = pending.messages.at(-1)?.seq
  switch (pending.kind) {
    case 'window':
      return pending.range ?? { lowSeq: first ?? 1, highSeq: last ?? 0 }
    case 'append':
      return { lowSeq: persisted.lowSeq, highSeq: last ?? persisted.highSeq }
    case 'older':
      return { lowSeq: first ?? persisted.lowSeq, highSeq: persisted.highSeq }
  }
}

function batchOf(s: Step, pending: PendingCommit): CommitBatch {
  const { state } = s
  const range = rangeOf(s, pending)
  return {
    ...(pending.kind === 'window' ? { reset: true } : {}),
    messages: pending.messages,
    record: {
      projectId: state.projectId,
      ...range,
      latestSeq: Math.max(range.highSeq, state.record?.latestSeq ?? 0),
      updatedAt: s.now,
    },
    settledOutbox: pending.messages.flatMap((m) => (m.client_msg_id === null ? [] : [m.client_msg_id])),
  }
}
