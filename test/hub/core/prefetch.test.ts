/**
 * Spec: paging a gap, the hub asks for the page after the one in flight (`prefetchHistory`), so
 * that the backend's time for it overlaps ours for the one before. Its answer is a guess: it is
 * taken only where it covers the page due next (the stream may have moved the range on a little
 * past the guess) and, from the due page's first seq on, starts at the message it checks and
 * reports no lower latest seq; anything else is dropped and the due page asked for as usual.
 */
import { expect, test } from 'vitest'
import type { ChannelEffect, HistoryResult } from '../../../src/hub/core'
import {
  behind as behindBy,
  historyAsked,
  message,
  only,
  openedFrom,
  page,
  range,
  type SpecChannel,
  sse,
  toldSeqs,
} from './spec'

const CONFIG = { maxBackfill: 10_000, windowSize: 500, maxTabBackfill: 5_000, prefetchHistory: true }

const behind = (latestSeq: number) => behindBy(latestSeq, CONFIG)

/** The request id of the history request `after N` among the effects. */
function requestFor(effects: ChannelEffect[], afterSeq: number): number {
  const found = only(effects, 'fetch_history').find(
    (e) => 'afterSeq' in e.query && e.query.afterSeq === afterSeq,
  )
  if (!found) throw new Error(`no request after ${afterSeq} among ${JSON.stringify(historyAsked(effects))}`)
  return found.request
}

const answer = (c: SpecChannel, request: number, result: HistoryResult) =>
  c.input({ type: 'history_result', request, result })

const ok = (from: number, to: number, latestSeq: number): HistoryResult => ({
  ok: true,
  page: page(from, to, latestSeq),
})

/** The seqs the effects' commits write. */
const written = (effects: ChannelEffect[]) =>
  only(effects, 'commit').flatMap((e) => e.batch.messages.map((m) => m.seq))

test('paging a gap asks for the next page while one is in flight; the next page is then the one asked ahead, not asked again', () => {
  const { c, fx } = behind(1_000)
  expect(historyAsked(fx)).toEqual(['after 9', 'after 208'])
  const ahead = requestFor(fx, 208)

  const first = answer(c, requestFor(fx, 9), ok(10, 209, 1_000))
  expect(c.state.record?.highSeq).toBe(209)
  // The page after it is already on its way: only the one after that is asked for.
  expect(historyAsked(first)).toEqual(['after 407'])
  expect(c.state.history?.request).toBe(ahead)

  const second = answer(c, ahead, ok(209, 408, 1_000))
  expect(c.state.record?.highSeq).toBe(408)
  expect(historyAsked(second)).toEqual(['after 606'])
})

test('a page asked ahead that answers first waits for the page before it; both are then accepted in one step', () => {
  const { c, fx } = behind(1_000)
  const early = answer(c, requestFor(fx, 208), ok(209, 408, 1_000))
  expect(c.state.record?.highSeq).toBe(10)
  expect(written(early)).toEqual([])

  const both = answer(c, requestFor(fx, 9), ok(10, 209, 1_000))
  expect(c.state.record?.highSeq).toBe(408)
  expect(written(both)).toEqual(range(11, 408))
  expect(historyAsked(both)).toEqual(['after 407', 'after 606'])
})

test('a page that comes back short makes the page asked ahead the wrong one: it is dropped and the due page asked for', () => {
  const { c, fx } = behind(1_000)
  const ahead = requestFor(fx, 208)
  // A backend that caps pages at 100.
  const short = answer(c, requestFor(fx, 9), ok(10, 109, 1_000))
  expect(c.state.record?.highSeq).toBe(109)
  expect(only(short, 'abort_history').map((e) => e.request)).toEqual([ahead])
  expect(historyAsked(short)).toEqual(['after 108', 'after 307'])
  // Its answer, should it still come, is ignored.
  const late = answer(c, ahead, ok(209, 408, 1_000))
  expect(late).toEqual([])
  expect(c.state.record?.highSeq).toBe(109)
})

test('a page asked ahead that the backend answered before the message it checks existed is not taken: no data reset, the page is asked again', () => {
  const { c, fx } = behind(1_000)
  // The backend served the page asked ahead first, when it held only up to 208 …
  answer(c, requestFor(fx, 208), { ok: true, page: { messages: [], hasMore: false, latestSeq: 208 } })
  // … and the page before it just after 209 arrived.
  const first = answer(c, requestFor(fx, 9), ok(10, 209, 1_000))
  expect(c.state.record?.highSeq).toBe(209)
  expect(c.state.wantWindow).toBeUndefined()
  expect(only(first, 'emit_reset')).toEqual([])
  expect(historyAsked(first)).toEqual(['after 208', 'after 407'])
})

test('a page asked ahead, taken while on its way, that the backend served before the message it checks existed is asked again: no data reset', () => {
  const { c, fx } = behind(1_000)
  const first = answer(c, requestFor(fx, 9), ok(10, 209, 1_000))
  const ahead = requestFor(fx, 208)
  expect(c.state.history?.request).toBe(ahead)
  expect(historyAsked(first)).toEqual(['after 407'])
  // It was served before 209 existed.
  const early = answer(c, ahead, { ok: true, page: { messages: [], hasMore: false, latestSeq: 208 } })
  expect(c.state.wantWindow).toBeUndefined()
  expect(only(early, 'emit_reset')).toEqual([])
  expect(c.state.record?.highSeq).toBe(209)
  expect(historyAsked(early)).toEqual(['after 208', 'after 407'])
  expect(c.state.historyBackoff).toBe(false)
})

test('a page asked ahead that holds another log at the seq it checks is a data reset, as any page is', () => {
  const { c, fx } = behind(1_000)
  const other = page(209, 408, 1_000)
  other.messages[0] = message(209, { messageId: 'msg_of_another_log' })
  answer(c, requestFor(fx, 208), { ok: true, page: other })
  const first = answer(c, requestFor(fx, 9), ok(10, 209, 1_000))
  // Seq 209 came with the page before as msg_209: the page asked ahead is of another log.
  expect(c.state.wantWindow).toEqual({ latestSeq: 1_000, dataReset: true })
  expect(historyAsked(first)).toEqual(['before 1001'])
})

test('a failed page asked ahead is dropped without a wait: the due page is asked for when it is due', () => {
  const { c, fx } = behind(1_000)
  const failed = answer(c, requestFor(fx, 208), { ok: false, failure: { kind: 'retry', reason: 'HTTP 503' } })
  expect(failed).toEqual([])
  expect(c.state.historyBackoff).toBe(false)
  const first = answer(c, requestFor(fx, 9), ok(10, 209, 1_000))
  expect(historyAsked(first)).toEqual(['after 208', 'after 407'])
})

test('nothing is asked ahead of the last page of a gap, nor without the option', () => {
  const { c, fx } = behind(300)
  expect(historyAsked(fx)).toEqual(['after 9', 'after 208'])
  const last = answer(c, requestFor(fx, 9), ok(10, 209, 300))
  // The page asked ahead (210…300) is the last: nothing after it.
  expect(historyAsked(last)).toEqual([])

  const off = behindBy(1_000, { ...CONFIG, prefetchHistory: false })
  expect(historyAsked(off.fx)).toEqual(['after 9'])
})

/**
 * History is made to retry by `stopping` (the answer to the first page of a gap): the page asked
 * ahead is ended, the retry goes alone, and a full page afterwards asks ahead again.
 */
function expectRetryAlone(stopping: HistoryResult) {
  const { c, fx } = behind(1_000)
  const stopped = answer(c, requestFor(fx, 9), stopping)
  expect(c.state.historyBackoff).toBe(true)
  expect(only(stopped, 'abort_history').map((e) => e.request)).toEqual([requestFor(fx, 208)])
  const retry = c.input({ type: 'timer', name: 'history_retry' })
  expect(historyAsked(retry)).toEqual(['after 9'])
  const full = c.answer(retry, page(10, 209, 1_000))
  expect(historyAsked(full)).toEqual(['after 208', 'after 407'])
}

test('nothing is asked ahead while history is retrying: a page that made no progress is asked again alone (seed 1204081598)', () => {
  // The backend holds nothing after 10, though it reports more: no progress, so history waits.
  expectRetryAlone(ok(10, 10, 1_000))
})

test('nothing is asked ahead of the retry after a 429 either: the due page goes alone once the wait is over', () => {
  expectRetryAlone({ ok: false, failure: { kind: 'rate_limited', retryAfterMs: 5_000, reason: 'HTTP 429' } })
})

test('stopping ends the page asked ahead with the one in flight', () => {
  const { c, fx } = behind(1_000)
  const stopped = c.input({ type: 'stop' })
  expect(
    only(stopped, 'abort_history')
      .map((e) => e.request)
      .sort((a, b) => a - b),
  ).toEqual([requestFor(fx, 9), requestFor(fx, 208)])
  expect(c.state.prefetch).toBeUndefined()
})

/**
 * A channel holding 1…10 whose stream replayed 11…210 before the check of seq 10 went out, with
 * 1,000 held by the backend (as in the trace of a 5-tab catch-up): the check and the page after
 * it (`after 9`, `after 208`) are asked for.
 */
function replayedAhead() {
  const { c, connection } = openedFrom(1, 10, CONFIG)
  const fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [
      sse.established(10),
      ...range(11, 210).map((seq) => sse.replay(seq)),
      sse.replayEnd(10, 990, 210),
    ],
  })
  return { c, fx }
}

test('a page asked ahead that the replay overtook is taken from the new highSeq: the page it now covers is not asked again', () => {
  const { c, fx } = replayedAhead()
  expect(historyAsked(fx)).toEqual(['after 9', 'after 208'])
  const ahead = requestFor(fx, 208)

  // The check's page ends at 209, and the replay's 210 goes on from it.
  const first = answer(c, requestFor(fx, 9), ok(10, 209, 1_000))
  expect(c.state.record?.highSeq).toBe(210)
  expect(only(first, 'abort_history')).toEqual([])
  expect(historyAsked(first)).toEqual(['after 407'])
  expect(c.state.history?.request).toBe(ahead)

  // Its answer starts at 209, one below the message to check: it is checked at 210 all the same.
  const second = answer(c, ahead, ok(209, 408, 1_000))
  expect(c.state.record?.highSeq).toBe(408)
  // Tabs are told 211…408 (the commit of them waits for the one in flight).
  expect(toldSeqs(second)).toEqual(range(211, 408))
  expect(historyAsked(second)).toEqual(['after 606'])
})

test('a page asked ahead that the replay overtook still checks the message at the new highSeq: another log there is a data reset', () => {
  const { c, fx } = replayedAhead()
  answer(c, requestFor(fx, 9), ok(10, 209, 1_000))
  const other = page(209, 408, 1_000)
  other.messages[1] = message(210, { messageId: 'msg_of_another_log' })
  const second = answer(c, requestFor(fx, 208), { ok: true, page: other })
  expect(c.state.record?.highSeq).toBe(210)
  expect(c.state.wantWindow).toEqual({ latestSeq: 1_000, dataReset: true })
  expect(historyAsked(second)).toEqual(['before 1001'])
})
