/**
 * The history API, only in the two forms DESIGN.md §2 defines (`after_seq`, `before_seq`), one
 * request at a time. In order of priority: the newest page for a new window, a tab's
 * scrollback, the check of the message at `highSeq` after a reconnect, the next page of a gap.
 * A history answer is the truth about the latest seq; the stream's hints only say where to look.
 * A request that fails or makes no progress waits (`history_retry`): no loop repeats without
 * progress.
 *
 * Paging a gap, the page after the one in flight is asked for ahead (`state.prefetch`), so that
 * the backend's and the network's time for it overlaps ours for the one before. It is a guess
 * (the page in flight is full and its seqs are contiguous), so its answer is used only where it
 * covers the request that is due once the page before is accepted (it would hold the message at
 * the new `highSeq` and go past it: the stream may have taken `highSeq` a little beyond the
 * guess), and only if it is as new as what we know: from the new `highSeq` on (what lies below
 * is dropped), it starts at that message, the one it checks, and reports no lower latest seq.
 * Otherwise it is dropped and the due page asked for as usual. Its failure is dropped too: the
 * request that is due meets the same failure, and waits for it.
 */
import type { HistoryResponse } from '../../protocol'
import { toPersistentChatMessage } from '../../sse/transform'
import { DEFAULT_BACKOFF, nextDelay } from './backoff'
import { log, newId, type Step, setTimer } from './context'
import { drainHeld, highestHeld, hold, offer } from './ordering'
import { answerFromHistory, failOlder, olderQuery } from './scrollback'
import { messageAt } from './state'
import { authFailed, backoffReason, connect, dropStream } from './stream'
import type { HistoryPurpose, HistoryQuery, HistoryResult, Message, Prefetch } from './types'

/** A history request that is due: why, and the query. */
interface Due {
  purpose: HistoryPurpose
  query: HistoryQuery
}

/** @internal Issue the next history request, if one is due and none is in flight. */
export function pumpHistory(s: Step) {
  const { state } = s
  if (state.history) return
  const due = dueRequest(s)
  const prefetch = state.prefetch
  if (due && prefetch && prefetch.page === undefined && isPrefetched(due, prefetch.query)) {
    // Asked for ahead and still on its way: it is this request (its answer is checked as it comes).
    takeAhead(s, due, prefetch)
  } else {
    dropPrefetch(s)
    if (!due) return
    issued(s, due)
    request(s, due.purpose, due.query)
  }
  prefetchNext(s)
}

/** The history request due now, if any (none while one is in flight or waits for a retry). */
function dueRequest(s: Step): Due | undefined {
  const { state } = s
  if (state.history || state.historyBackoff || !state.online || state.cache !== 'loaded') return
  if (state.phase.phase === 'auth_failed') return
  const { pageSize } = state.config
  if (state.wantWindow) {
    // [DESIGN §2] "To read the newest page, ask before_seq = a number above the latest known seq."
    const { latestSeq, dataReset } = state.wantWindow
    return { purpose: { purpose: 'window', dataReset }, query: { beforeSeq: latestSeq + 1, limit: pageSize } }
  }
  const older = state.older.find((o) => o.needsHistory)
  if (older) return { purpose: { purpose: 'older', older: older.request }, query: olderQuery(older) }
  if (!state.running) return
  const record = state.record
  if (!record) {
    // Nothing cached. Its answer tells the latest seq; a short log fits in this one page.
    if (state.phase.phase === 'windowing')
      return { purpose: { purpose: 'probe' }, query: { afterSeq: 0, limit: pageSize } }
    return
  }
  if (state.verify === 'after_replay') return // the replay's end says whether a window is due
  if (state.verify === 'due' && record.highSeq === 0) {
    state.verify = 'none'
    drainHeld(s)
  }
  if (state.verify === 'due' || record.latestSeq > record.highSeq) {
    // Every page starts one before what it fetches: the message at `highSeq` comes back too, so
    // each page checks that the backend's log is still the one we hold (a data reset).
    const { highSeq } = record
    const messageId = messageAt(state, highSeq)?.id
    return {
      purpose: { purpose: 'gap', highSeq, messageId },
      query: { afterSeq: Math.max(0, highSeq - 1), limit: pageSize },
    }
  }
  return
}

/** Bookkeeping of a request as it goes out (or is taken from the one asked for ahead). */
function issued(s: Step, due: Due) {
  if (due.purpose.purpose === 'gap' && s.state.verify === 'due') s.state.counters.verifies++
}

/**
 * Whether the page asked for ahead covers the gap page `due`: a full answer to it (from
 * `afterSeq + 1` to `afterSeq + limit`) would hold the message `due` starts at and go past it.
 */
function isPrefetched(due: Due, query: HistoryQuery & { afterSeq: number }): boolean {
  return (
    due.purpose.purpose === 'gap' &&
    'afterSeq' in due.query &&
    due.query.limit === query.limit &&
    due.query.afterSeq >= query.afterSeq &&
    due.query.afterSeq < query.afterSeq + query.limit - 1
  )
}

/** An answer to a page asked for ahead, from `highSeq` on: the due page's part of it. */
function fromSeq(page: HistoryResponse, highSeq: number): HistoryResponse {
  if ((page.messages[0]?.seq ?? highSeq) >= highSeq) return page
  return { ...page, messages: page.messages.filter((message) => message.seq >= highSeq) }
}

/**
 * While a gap page is in flight and the gap goes on past it, ask for the page after it: the one
 * that will be due if this one comes back full (it ends at `afterSeq + limit`, so the next starts
 * one before that). Not while history is retrying (the last answer failed, a 429 included, or
 * made no progress): then the latest seq is a hint the backend did not bear out, and a guess
 * would double every retry (seed 1204081598: a backend over-reporting its latest seq, retried
 * once a second), or the backend asked for fewer requests.
 */
function prefetchNext(s: Step) {
  const { state } = s
  const asked = state.history
  const record = state.record
  if (!state.config.prefetchHistory || state.historyAttempt > 0) return
  if (asked?.purpose !== 'gap' || state.prefetch || !record) return
  if (!('afterSeq' in asked.query)) return
  const { afterSeq, limit } = asked.query
  if (record.latestSeq <= afterSeq + limit) return
  const query = { afterSeq: afterSeq + limit - 1, limit }
  const id = newId(s)
  state.prefetch = { request: id, query, page: undefined }
  s.effects.push({ type: 'fetch_history', request: id, query })
}

/** Forget the page asked for ahead, ending its request if it is still on its way. */
export function dropPrefetch(s: Step) {
  const { prefetch } = s.state
  if (!prefetch) return
  if (prefetch.page === undefined) s.effects.push({ type: 'abort_history', request: prefetch.request })
  s.state.prefetch = undefined
}

/** The page asked for ahead becomes the request `due`, in flight or answered. */
function takeAhead(s: Step, due: Due, prefetch: Prefetch) {
  s.state.prefetch = undefined
  issued(s, due)
  s.state.history = { ...due.purpose, request: prefetch.request, query: prefetch.query, askedAhead: true }
}

/**
 * The page before the one asked for ahead was just handled: if that one has come back and is
 * the request due now, handle its answer too (in this step, so that what it accepts is told and
 * committed with the rest). An answer too early to be used is then dropped like any.
 */
function takePrefetched(s: Step) {
  const { state } = s
  const prefetch = state.prefetch
  if (prefetch?.page === undefined || state.history) return
  const due = dueRequest(s)
  if (!due || !isPrefetched(due, prefetch.query)) return
  takeAhead(s, due, prefetch)
  historyResult(s, prefetch.request, { ok: true, page: prefetch.page })
}

/**
 * Whether a page asked for ahead is as new as what we know: it starts at `highSeq` (the message
 * it checks) and reports no lower latest seq. The backend may have served it before the page
 * before it, when the log ended lower: then it is no sign of a data reset, only too early.
 */
function isFresh(s: Step, highSeq: number, page: HistoryResponse): boolean {
  return page.messages[0]?.seq === highSeq && page.latestSeq >= (s.state.record?.latestSeq ?? 0)
}

/** @internal A history answer arrived. */
export function historyResult(s: Step, request: number, result: HistoryResult) {
  const { state } = s
  if (state.prefetch?.request === request) {
    if (result.ok) state.prefetch.page = result.page
    else state.prefetch = undefined
    return takePrefetched(s)
  }
  const asked = state.history
  if (asked?.request !== request) return // aborted or superseded
  state.history = undefined
  if (!result.ok) return historyFailed(s, asked, result)
  const aheadGap = asked.askedAhead && asked.purpose === 'gap'
  const page = aheadGap ? fromSeq(result.page, asked.highSeq) : result.page
  // Too early to tell anything: the due page is asked for again (by this step's pump).
  if (aheadGap && !isFresh(s, asked.highSeq, page)) return
  state.historyAttempt = 0
  switch (asked.purpose) {
    case 'probe': {
      const last = page.messages.at(-1)?.seq ?? 0
      if (page.latestSeq <= last) return setWindow(s, page.messages.map(stored), page.latestSeq, false)
      state.wantWindow = { latestSeq: page.latestSeq, dataReset: false }
      return
    }
    case 'window':
      state.wantWindow = undefined
      if (page.messages.length === 0 && page.latestSeq > 0) {
        // A backend that answers the newest page with nothing: no progress, ask again later.
        return waitForHistory(s, 'the newest page came back empty')
      }
      return setWindow(s, page.messages.map(stored), page.latestSeq, asked.dataReset)
    case 'gap':
      verified(s, asked.highSeq, asked.messageId, page)
      return takePrefetched(s)
    case 'older':
      return answerFromHistory(s, asked.older, page)
  }
}

/** The same message at `highSeq` means the same log; then the page continues the range. */
function verified(s: Step, highSeq: number, messageId: string | undefined, page: HistoryResponse) {
  const { state } = s
  const first = page.messages[0]
  const replaced =
    page.latestSeq < highSeq ||
    (first !== undefined && first.seq === highSeq && messageId !== undefined && first.messageId !== messageId)
  if (replaced) return dataReset(s, page.latestSeq, highSeq)
  state.verify = 'none'
  applyPage(s, page)
}

/** A page after `highSeq`: accept what continues the range, or decide on a new window. */
function applyPage(s: Step, page: HistoryResponse) {
  const { state } = s
  const record = state.record
  if (!record) return
  state.counters.gapFills++
  if (page.latestSeq < record.highSeq) return dataReset(s, page.latestSeq, record.highSeq)
  if (windowIfTooFar(s, page.latestSeq)) return
  const before = record.highSeq
  const messages = page.messages.map(stored)
  // The page continues the log our range is of (checked at highSeq): where a message is held at
  // one of its seqs, the page's takes its place — a different held one came from another log,
  // and accepting it once the seq below it lands would join two logs (seed 1591424599).
  for (const message of messages) if (state.held.has(message.seq)) hold(s, message)
  for (const message of messages) offer(s, message, 'history', page.latestSeq)
  drainHeld(s, page.latestSeq)
  // The page is the truth: a hint above it (a malformed event's id) is dropped, unless the
  // stream already delivered a message that high.
  record.latestSeq = Math.max(page.latestSeq, record.highSeq, highestHeld(s))
  if (record.highSeq === before && record.latestSeq > record.highSeq)
    waitForHistory(s, `no progress after seq ${before}`)
}

/**
 * @internal A miss larger than `maxBackfill` starts a new window at the latest page. A second
 * window for the same latest seq would fetch the same page again (a backend whose newest page
 * does not reach its latest seq): then it pages forward instead.
 */
export function windowIfTooFar(s: Step, latestSeq: number): boolean {
  const { state } = s
  const record = state.record
  if (!record) return false
  const missed = latestSeq - record.highSeq
  if (missed <= state.config.maxBackfill || state.lastWindowLatestSeq === latestSeq) return false
  log(s, 'info', 'channel.new_window', { missed })
  state.wantWindow = { latestSeq, dataReset: false }
  return true
}

/** The backend's log is not the one we hold (a data reset): replace the cache with its newest page. */
function dataReset(s: Step, latestSeq: number, highSeq: number) {
  log(s, 'warn', 'channel.backend_reset', { latestSeq, highSeq })
  // Held messages are of the old log: none is accepted. Sends among them were acknowledged by
  // it, so they are done (the backend lost them with the rest of its data).
  for (const message of s.state.held.values())
    if (message.client_msg_id !== null) s.settled.push(message.client_msg_id)
  s.state.held.clear()
  s.state.wantWindow = { latestSeq, dataReset: true }
  // The open stream may still carry the old log (events sent before the reset, or a backend
  // that kept it open): end it; the new window opens a fresh one from its own highSeq.
  const { phase } = s.state
  if (phase.phase === 'connecting' || phase.phase === 'streaming') {
    dropStream(s)
    s.state.phase = { phase: 'windowing' }
  }
}

/**
 * The newest page becomes the range (a new window): held messages it covers are settled, the
 * cache is replaced in one commit, and every tab gets a `reset` once it is written.
 */
function setWindow(s: Step, messages: Message[], latestSeq: number, replaced: boolean) {
  const { state } = s
  state.counters.windows++
  state.lastWindowLatestSeq = latestSeq
  const highSeq = messages.at(-1)?.seq ?? latestSeq
  const lowSeq = messages[0]?.seq ?? highSeq + 1
  // Held messages came before the window, maybe from a log the backend no longer has: none is
  // trusted. Their sends are done; their seqs stay a hint, so newer ones are paged (and checked).
  const heldUpTo = replaced ? 0 : highestHeld(s)
  for (const message of state.held.values())
    if (message.client_msg_id !== null) s.settled.push(message.client_msg_id)
  state.held.clear()
  state.record = {
    projectId: state.projectId,
    lowSeq,
    highSeq,
    latestSeq: Math.max(latestSeq, highSeq, heldUpTo),
    updatedAt: s.now,
  }
  // Accepted but unwritten messages of the old range are below the window (or not in the
  // log): they are not written, but their sends are done.
  for (const dropped of state.commits.filter((c) => c.commit === undefined))
    for (const m of dropped.messages) if (m.client_msg_id !== null) s.settled.push(m.client_msg_id)
  state.commits = state.commits.filter((c) => c.commit !== undefined)
  state.commits.push({ kind: 'window', messages, range: { lowSeq, highSeq }, commit: undefined, attempts: 0 })
  state.verify = 'none'
  // Every tab is told at once (the write follows), and the first window is what the stream waited for.
  s.toTell = []
  s.reset = true
  state.untold = false
  state.recent = messages.slice(-state.config.windowSize)
  state.view = { lowSeq, highSeq }
  s.effects.push({ type: 'emit_reset' })
  if (state.phase.phase === 'windowing') connect(s)
}

function historyFailed(s: Step, asked: HistoryPurpose, result: Extract<HistoryResult, { ok: false }>) {
  const { state } = s
  const { failure } = result
  if (failure.kind === 'aborted') return
  if (asked.purpose === 'older') return failOlder(s, asked.older, backoffReason(failure))
  if (failure.kind === 'auth') return authFailed(s, failure.code, failure.reason)
  log(s, 'warn', 'channel.history_failed', { purpose: asked.purpose, reason: backoffReason(failure) })
  // A 429 is waited out as told, and counts as a retry like any failure: nothing is asked ahead
  // of the request after it.
  const attempt = state.historyAttempt++
  const delay =
    failure.kind === 'rate_limited'
      ? failure.retryAfterMs
      : nextDelay(attempt, DEFAULT_BACKOFF, s.random) + 250
  waitForHistory(s, backoffReason(failure), delay)
  // Without a range there is no stream yet: the first window failing is the connection failing.
  if (!state.record && state.phase.phase === 'windowing') {
    state.retrying =
      failure.kind === 'rate_limited'
        ? { kind: 'rate_limited', retryAt: s.now + delay }
        : {
            kind: 'backoff',
            attempt: state.historyAttempt,
            retryAt: s.now + delay,
            reason: backoffReason(failure),
          }
  }
}

/** Pause history requests; `history_retry` (or `online`, `reconnect`) resumes them. */
function waitForHistory(s: Step, reason: string, delay?: number) {
  const { state } = s
  const ms = delay ?? nextDelay(state.historyAttempt++, DEFAULT_BACKOFF, s.random) + 250
  state.historyBackoff = true
  log(s, 'debug', 'channel.history_wait', { reason, ms })
  setTimer(s, 'history_retry', ms)
}

function request(s: Step, purpose: HistoryPurpose, query: HistoryQuery) {
  const id = newId(s)
  s.state.history = { ...purpose, request: id, query }
  s.effects.push({ type: 'fetch_history', request: id, query })
}

/** @internal The wire's message as the store keeps it. */
export function stored(data: HistoryResponse['messages'][number]): Message {
  return toPersistentChatMessage(data) as Message
}
