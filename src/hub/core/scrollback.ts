/**
 * Scrollback: a tab asks for the messages before the first one it shows. The cache answers
 * what it holds contiguously below that seq; the history API (`before_seq`) the rest. A page
 * that continues the cached range downwards is written, so the range grows and stays one
 * contiguous run.
 */
import type { HistoryResponse } from '../../protocol'
import type { Step } from './context'
import { stored } from './history'
import type { Message } from './types'

/** @internal A tab's `loadOlder`: ask the cache first (once it is loaded). */
export function loadOlder(s: Step, request: number, beforeSeq: number, limit: number) {
  const { state } = s
  state.older.push({ request, beforeSeq, limit, cached: undefined, needsHistory: false })
  if (state.cache === 'loaded') s.effects.push({ type: 'read_cache', request, beforeSeq, limit })
  else if (state.cache === 'unloaded') {
    state.cache = 'loading'
    s.effects.push({ type: 'load_cache' })
  }
}

/** @internal The cache was loaded: the waiting scrollback requests can read it now. */
export function readCacheForOlder(s: Step) {
  for (const older of s.state.older) {
    if (older.cached === undefined && !older.needsHistory)
      s.effects.push({
        type: 'read_cache',
        request: older.request,
        beforeSeq: older.beforeSeq,
        limit: older.limit,
      })
  }
}

/** @internal What the cache holds before `beforeSeq`: keep the contiguous run that ends right below it. */
export function cacheRead(s: Step, request: number, messages: readonly Message[]) {
  const { state } = s
  const older = state.older.find((o) => o.request === request)
  if (!older || older.cached !== undefined) return
  const lowSeq = state.record?.lowSeq ?? Number.POSITIVE_INFINITY
  const run: Message[] = []
  let expected = older.beforeSeq - 1
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    if (!message || message.seq !== expected || message.seq < lowSeq) break
    run.push(message)
    expected--
  }
  run.reverse()
  older.cached = run
  const lowest = run[0]?.seq ?? older.beforeSeq
  if (run.length >= older.limit || lowest <= 1) return answer(s, request, run, lowest > 1)
  older.needsHistory = true
}

/** @internal The history page for a scrollback request. */
export function answerFromHistory(s: Step, request: number, page: HistoryResponse) {
  const { state } = s
  const older = state.older.find((o) => o.request === request)
  if (!older) return
  const cached = older.cached ?? []
  const lowest = cached[0]?.seq ?? older.beforeSeq
  // Only the run that ends right below what we have: the answer stays one contiguous range.
  const run: Message[] = []
  let expected = lowest - 1
  for (let i = page.messages.length - 1; i >= 0; i--) {
    const data = page.messages[i]
    if (!data || data.seq !== expected) break
    run.push(stored(data))
    expected--
  }
  run.reverse()
  const record = state.record
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

function answer(s: Step, request: number, messages: Message[], hasOlder: boolean) {
  const index = s.state.older.findIndex((o) => o.request === request)
  if (index >= 0) s.state.older.splice(index, 1)
  s.effects.push({ type: 'answer_older', request, answer: { ok: true, messages, hasOlder } })
}
