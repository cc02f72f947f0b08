/**
 * Spec: starting, stopping, writing and scrolling back. Stop ends every timer and request; a
 * failed write keeps its batch; scrollback keeps the range one contiguous run.
 */
import { expect, test } from 'vitest'
import type { TimerName } from '../../../src/hub/core'
import {
  cache,
  historyAsked,
  only,
  openedFrom,
  page,
  specChannel,
  sse,
  stored,
  streamingFrom,
  toldSeqs,
} from './spec'

test('stop clears every named timer, ends the stream and the history request (bug 3)', () => {
  const { c, connection } = openedFrom(1, 10)
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.replayEnd(10, 40)] })
  // The check of seq 10 fails: the gap fill waits for its retry timer.
  fx = c.refuse(fx, { kind: 'retry', reason: '502' })
  expect(only(fx, 'set_timer').map((e) => e.name)).toEqual(['history_retry'])
  fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(11)] })

  fx = c.input({ type: 'stop' })
  expect(only(fx, 'abort_stream')).toEqual([{ type: 'abort_stream', connection }])
  expect(new Set(only(fx, 'clear_timer').map((e) => e.name))).toEqual(
    new Set<TimerName>(['stall', 'history_retry']),
  )
  expect(c.state.timers.size).toBe(0)
  expect(c.status()).toEqual({ status: 'disconnected' })

  // A quick stop → start: the old timer firing late does nothing; the new connection starts over
  // (its check waits for the replay's end, as on any connection).
  expect(c.input({ type: 'timer', name: 'history_retry' })).toEqual([])
  fx = c.input({ type: 'start', online: true })
  expect(historyAsked(fx)).toEqual([])
  expect(only(fx, 'open_stream')).toHaveLength(1)
})

test('a failed commit keeps its batch and tries it again later; the tabs were told once, at once (bug 4)', () => {
  const { c, connection } = streamingFrom(1, 10)
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(11), sse.live(12)] })
  expect(toldSeqs(fx)).toEqual([11, 12])
  const first = c.idOf(fx, 'commit')
  fx = c.input({ type: 'commit_failed', commit: first, reason: 'AbortError: the transaction was aborted' })
  expect(only(fx, 'set_timer')).toEqual([{ type: 'set_timer', name: 'commit_retry', ms: 500 }])
  expect(c.state.persisted).toEqual({ lowSeq: 1, highSeq: 10 }) // a new hub would resume from 10
  // Meanwhile more arrive: told at once, and they join the waiting batch.
  fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(13)] })
  expect(toldSeqs(fx)).toEqual([13])
  expect(only(fx, 'commit')).toEqual([])

  fx = c.input({ type: 'timer', name: 'commit_retry' })
  const [retry] = only(fx, 'commit')
  expect(retry?.batch.messages.map((m) => m.seq)).toEqual([11, 12, 13])
  fx = c.input({ type: 'commit_done', commit: retry?.commit ?? -1 })
  expect(toldSeqs(fx)).toEqual([])
  expect(c.state.persisted).toEqual({ lowSeq: 1, highSeq: 13 })
})

test('writes are one at a time, each with the range the store holds once it lands', () => {
  const { c, connection } = streamingFrom(5, 10)
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(11)] })
  expect(only(fx, 'commit')[0]?.batch.record).toMatchObject({ lowSeq: 5, highSeq: 11 })
  const next = c.input({ type: 'stream_chunk', connection, events: [sse.live(12)] })
  expect(only(next, 'commit')).toEqual([])
  fx = c.input({ type: 'commit_done', commit: c.idOf(fx, 'commit') })
  expect(only(fx, 'commit')[0]?.batch.record).toMatchObject({ lowSeq: 5, highSeq: 12 })
})

test('scrollback: the cache first, then before_seq for the rest; a page continuing the range is written', () => {
  const c = specChannel()
  c.startWith(cache(301, 400))
  let fx = c.input({ type: 'load_older', request: 1, beforeSeq: 351, limit: 100 })
  // From the tab's first message itself: our copy of it checks the page that overlaps it.
  expect(only(fx, 'read_cache')).toEqual([{ type: 'read_cache', request: 1, beforeSeq: 352, limit: 101 }])
  fx = c.input({ type: 'cache_read', request: 1, messages: stored(301, 351) })
  expect(historyAsked(fx)).toEqual(['before 302'])
  fx = c.answer(fx, page(251, 300, 400))
  const [answer] = only(fx, 'answer_older')
  expect(answer?.answer).toMatchObject({ ok: true, hasOlder: true })
  expect(answer?.answer.ok && answer.answer.messages.map((m) => m.seq)).toEqual(
    Array.from({ length: 100 }, (_, i) => 251 + i),
  )
  expect(only(fx, 'commit')[0]?.batch.record).toMatchObject({ lowSeq: 251, highSeq: 400 })
})

test('scrollback keeps one contiguous run: cached rows that do not end right below are not used, a page that does not end there is cut', () => {
  const c = specChannel()
  c.startWith(cache(301, 400))
  c.input({ type: 'load_older', request: 1, beforeSeq: 301, limit: 50 })
  let fx = c.input({ type: 'cache_read', request: 1, messages: stored(100, 120) }) // an old window's leftovers
  expect(historyAsked(fx)).toEqual(['before 302'])
  fx = c.answer(fx, page(240, 290, 400))
  const [answer] = only(fx, 'answer_older')
  expect(answer?.answer.ok && answer.answer.messages).toEqual([])
  expect(only(fx, 'commit')).toEqual([])
})

test('scrollback that reaches seq 1 has nothing older; a failed page is an error, not an empty answer', () => {
  const c = specChannel()
  c.startWith(cache(41, 60))
  c.input({ type: 'load_older', request: 1, beforeSeq: 41, limit: 100 })
  let fx = c.input({ type: 'cache_read', request: 1, messages: [] })
  fx = c.answer(fx, page(1, 40, 60))
  expect(only(fx, 'answer_older')[0]?.answer).toMatchObject({ ok: true, hasOlder: false })

  c.input({ type: 'load_older', request: 2, beforeSeq: 1_000, limit: 10 })
  fx = c.input({ type: 'cache_read', request: 2, messages: [] })
  fx = c.refuse(fx, { kind: 'retry', reason: '500 boom' })
  expect(only(fx, 'answer_older')[0]?.answer).toEqual({ ok: false, reason: '500 boom' })
})

test('stop answers a pending scrollback request instead of leaving the tab waiting', () => {
  const c = specChannel()
  c.startWith(cache(41, 60))
  c.input({ type: 'load_older', request: 7, beforeSeq: 41, limit: 10 })
  const fx = c.input({ type: 'stop' })
  expect(only(fx, 'answer_older')).toEqual([
    { type: 'answer_older', request: 7, answer: { ok: false, reason: 'the channel stopped' } },
  ])
})

test('a scrollback page whose overlapping message is not ours reveals a data reset: no answer joins the two logs', () => {
  const { c } = streamingFrom(30, 46)
  c.input({ type: 'load_older', request: 3, beforeSeq: 30, limit: 20 })
  let fx = c.input({ type: 'cache_read', request: 3, messages: stored(30, 30) })
  const other = page(10, 30, 267)
  for (const m of other.messages) m.messageId = `msg_new_log_${m.seq}`
  fx = c.answer(fx, other)
  expect(only(fx, 'answer_older')[0]?.answer.ok).toBe(false)
  expect(only(fx, 'commit')).toEqual([])
  expect(historyAsked(fx)).toEqual(['after 45']) // the check of highSeq, which finds the reset
})

test('a scrollback page from a log that now ends below what we hold reveals a data reset, though it has no message to compare (seed 1521057330)', () => {
  const { c } = streamingFrom(30, 46)
  c.input({ type: 'load_older', request: 3, beforeSeq: 30, limit: 20 })
  let fx = c.input({ type: 'cache_read', request: 3, messages: stored(30, 30) })
  // The backend was reset and holds 26 messages: the newest below seq 31 are 7…26, no seq 30.
  const other = page(7, 26, 26)
  for (const m of other.messages) m.messageId = `msg_new_log_${m.seq}`
  fx = c.answer(fx, other)
  expect(only(fx, 'answer_older')[0]?.answer.ok).toBe(false)
  expect(only(fx, 'commit')).toEqual([])
  expect(historyAsked(fx)).toEqual(['after 45'])
})

test('a stopped channel that serves a scrollback ends its history request at the next stop too (seed 1939371329)', () => {
  const c = specChannel()
  c.startWith(cache(301, 400))
  c.input({ type: 'stop' })
  c.input({ type: 'load_older', request: 1, beforeSeq: 301, limit: 50 })
  let fx = c.input({ type: 'cache_read', request: 1, messages: [] })
  expect(historyAsked(fx)).toEqual(['before 302'])

  fx = c.input({ type: 'stop' })
  expect(only(fx, 'abort_history')).toHaveLength(1)
  expect(only(fx, 'answer_older')[0]?.answer).toMatchObject({ ok: false })
  expect(c.state.history).toBeUndefined()
})
