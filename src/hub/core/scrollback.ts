/**
 * Scrollback: a tab asks for the messages before the first one it shows. The cache answers
 * what it holds contiguously below that seq; the history API (`before_seq`) the rest. A page
 * that continues the cached range downwards is written, so the range grows and stays one
 * contiguous run.
 */
import type { HistoryResponse } from '../../protocol'
import type { Step } from './context'
import { stored } from './history'
import { messageAt } from './state'
import type { Message, OlderRequest } from './types'

/**
 * @internal A tab's `loadOlder`: ask the cache first (once it is loaded). The cache is read
 * from `beforeSeq` itself: our copy of the tab's first message checks the history page that
 * overlaps it by one.
 */
export function loadOlder(s: Step, request: number, beforeSeq: number, limit: number) {
  const { state } = s
  state.older.push({ request, beforeSeq, limit, cached: undefined, anchor: undefined, needsHistory: false })
  if (state.cache === 'loaded') readCache(s, request, beforeSeq, limit)
  else if (state.cache === 'unloaded') {
    state.cache = 'loading'
    s.effects.push({ type: 'load_cache' })
  }
}

/** @internal The cache was loaded: the waiting scrollback requests can read it now. */
export function readCacheForOlder(s: Step) {
  for (const older of s.state.older) {
    if (older.cached === undefined && !older.needsHistory)
      readCache(s, older.request, older.beforeSeq, older.limit)
  }
}

/** @internal What the cache holds up to `beforeSeq`: keep the contiguous run that ends right below it. */
export function cacheRead(s: Step, request: number, messages: readonly Message[]) {
  const { state } = s
  const older = state.older.find((o) => o.request === request)
  if (!older || older.cached !== undefined) return
  const lowSeq = state.record?.lowSeq ?? Number.POSITIVE_INFINITY
  older.anchor = messages.find((m) => m.seq === older.beforeSeq) ?? messageAt(state, older.beforeSeq)
  const run = runEndingAt(
    messages.filter((m) => m.seq >= lowSeq),
    older.beforeSeq - 1,
  )
  older.cached = run
  const lowest = run[0]?.seq ?? older.beforeSeq
  if (run.length >= older.limit || lowest <= 1) return answer(s, request, run, lowest > 1)
  older.needsHistory = true
}

/** @internal The query for a scrollback request: one more than needed, overlapping what we hold. */
export function olderQuery(older: OlderRequest): { beforeSeq: number; limit: number } {
  const lowest = older.cached?.[0]?.seq ?? older.beforeSeq
  return { beforeSeq: lowest + 1, limit: older.limit - (older.cached?.length ?? 0) + 1 }
}

/** @internal The history page for a scrollback request. */
export function answerFromHistory(s: Step, request: number, page: HistoryResponse) {
  const { state } = s
  const older = state.older.find((o) => o.request === request)
  if (!older) return
  const cached = older.cached ?? []
  const lowest = cached[0]?.seq ?? older.beforeSeq
  const ours = cached[0] ?? older.anchor
  const theirs = page.messages.find((m) => m.seq === lowest)
  const record = state.record
  // Another message where ours is, or a log that ends below what we hold (it has no seq
  // `lowest` to compare: the page alone would look like an older run that fits).
  if ((ours && theirs && theirs.messageId !== ours.id) || (record && page.latestSeq < record.highSeq)) {
    // The backend's log is not the one we hold (a data reset): the check after it replaces the range.
    state.verify = 'due'
    return failOlder(s, request, 'the backend’s history changed; reloading the latest messages')
  }
  // Only the run that ends right below what we have: the answer stays one contiguous range.
  const run = runEndingAt(page.messages.map(stored), lowest - 1)
  const first = run[0]
  if (record && first && lowest === record.lowSeq) {
    // It continues the cached range downwards: write it, so the range grows.
    record.lowSeq = first.seq
    state.commits.push({ kind: 'older', messages: run, commit: undefined, attempts: 0 })
  }
  const messages = [...run, ...cached]
  const firstSeq = messages[0]?.seq ?? lowest
  answer(s, request, messages, first ? firstSeq > 1 : page.hasMore && firstSeq > 1)
}

/** @internal A scrollback request that cannot be served. */
export function failOlder(s: Step, request: number, reason: string) {
  const index = s.state.older.findIndex((o) => o.request === request)
  if (index < 0) return
  s.state.older.splice(index, 1)
  s.effects.push({ type: 'answer_older', request, answer: { ok: false, reason } })
}

/** @internal Every pending scrollback request fails (the channel stopped, or may not ask). */
export function failAllOlder(s: Step, reason: string, onlyWaitingForHistory = false) {
  for (const older of [...s.state.older]) {
    if (!onlyWaitingForHistory || older.needsHistory) failOlder(s, older.request, reason)
  }
}

/** The contiguous run of `messages` (ascending) that ends at `last`. */
function runEndingAt(messages: readonly Message[], last: number): Message[] {
  const run: Message[] = []
  let expected = last
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    if (!message || message.seq > expected) continue
    if (message.seq !== expected) break
    run.push(message)
    expected--
  }
  return run.reverse()
}

function readCache(s: Step, request: number, beforeSeq: number, limit: number) {
  s.effects.push({ type: 'read_cache', request, beforeSeq: beforeSeq + 1, limit: limit + 1 })
}

function answer(s: Step, request: number, messages: Message[], hasOlder: boolean) {
  const index = s.state.older.findIndex((o) => o.request === request)
  if (index >= 0) s.state.older.splice(index, 1)
  s.effects.push({ type: 'answer_older', request, answer: { ok: true, messages, hasOlder } })
}
