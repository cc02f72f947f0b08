/**
 * Spec: which window the channel holds. An empty cache loads the newest page only; a miss
 * beyond `maxBackfill` starts a new window at the newest page; a backend whose log was replaced
 * replaces the cache. Only the request forms DESIGN.md §2 defines are used.
 */
import { expect, test } from 'vitest'
import { snapshotOf } from '../../../src/hub/core'
import type { OutboxEntry } from '../../../src/protocol'
import {
  historyAsked,
  message,
  only,
  openedFrom,
  page,
  range,
  specChannel,
  sse,
  streamingFrom,
  toldSeqs,
} from './spec'

const queued = (clientMsgId: string): OutboxEntry => ({
  client_msg_id: clientMsgId,
  projectId: 'proj_spec',
  userId: 'user_sim',
  text: clientMsgId,
  createdAt: 0,
  status: { state: 'pending', attempts: 0 },
})

test('an empty cache asks after_seq=0, then before_seq above the latest seq — never a request without a cursor (bug 1)', () => {
  const c = specChannel()
  c.input({ type: 'start', online: true })
  let fx = c.input({ type: 'cache_loaded', record: undefined, messages: [] })
  expect(historyAsked(fx)).toEqual(['after 0'])
  expect(c.status()).toEqual({ status: 'connecting' })

  // A backend may answer the first page with the OLDEST messages: it only tells the latest seq.
  fx = c.answer(fx, page(1, 200, 1500))
  expect(historyAsked(fx)).toEqual(['before 1501'])

  fx = c.answer(fx, page(1301, 1500, 1500))
  const [commit] = only(fx, 'commit')
  expect(commit?.batch.reset).toBe(true)
  expect(commit?.batch.record).toMatchObject({ lowSeq: 1301, highSeq: 1500, latestSeq: 1500 })
  // The tabs get the window at once, then the stream opens (the write runs meanwhile).
  expect(fx.map((e) => e.type).filter((t) => t === 'emit_reset' || t === 'open_stream')).toEqual([
    'emit_reset',
    'open_stream',
  ])
  expect(only(fx, 'open_stream')).toEqual([
    { type: 'open_stream', connection: expect.any(Number), cursor: 1500 },
  ])
})

test('a log that fits in the first page needs one request', () => {
  const c = specChannel()
  c.input({ type: 'start', online: true })
  let fx = c.input({ type: 'cache_loaded', record: undefined, messages: [] })
  fx = c.answer(fx, page(1, 37, 37))
  expect(historyAsked(fx)).toEqual([])
  expect(only(fx, 'commit')[0]?.batch.record).toMatchObject({ lowSeq: 1, highSeq: 37 })
})

test('an empty project: the window is empty and the stream opens at 0', () => {
  const c = specChannel()
  c.input({ type: 'start', online: true })
  let fx = c.input({ type: 'cache_loaded', record: undefined, messages: [] })
  fx = c.answer(fx, page(1, 0, 0))
  expect(only(fx, 'open_stream')[0]?.cursor).toBe(0)
})

test('replay.end reporting a miss beyond maxBackfill goes straight to the newest page: nothing to verify, one request', () => {
  const { c, connection } = openedFrom(1, 10, { maxBackfill: 300 })
  const replay = Array.from({ length: 200 }, (_, i) => sse.replay(11 + i))
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.established(10), ...replay] })
  expect(historyAsked(fx)).toEqual([]) // held until the replay ends: is a window due?
  fx = c.input({ type: 'stream_chunk', connection, events: [sse.replayEnd(10, 990, 210)] })
  expect(historyAsked(fx)).toEqual(['before 1001'])

  fx = c.answer(fx, page(801, 1000, 1000))
  expect(only(fx, 'commit')[0]?.batch).toMatchObject({ reset: true, record: { lowSeq: 801, highSeq: 1000 } })
  expect(historyAsked(fx)).toEqual([])
})

test('a miss within maxBackfill is paged forward from highSeq: the user keeps what they were reading', () => {
  const { c, connection } = openedFrom(1, 10, { maxBackfill: 10_000 })
  let fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [sse.established(10), sse.replayEnd(10, 5000)],
  })
  expect(historyAsked(fx)).toEqual(['after 9']) // the check of seq 10, which also pages 11…
  fx = c.answer(fx, page(10, 209, 5010))
  expect(historyAsked(fx)).toEqual(['after 208'])
  expect(only(fx, 'commit')[0]?.batch.reset).toBeUndefined()
})

test('while it pages a miss, the tabs are told the latest seq the backend holds; once caught up, no longer', () => {
  const { c, connection } = openedFrom(1, 10, { maxBackfill: 10_000 })
  let fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [sse.established(10), sse.replayEnd(10, 300)],
  })
  fx = c.answer(fx, page(10, 209, 310))
  const ranges = (effects: typeof fx) =>
    only(effects, 'emit').flatMap((e) =>
      e.changes.flatMap((change) => (change.type === 'messages' ? [change.range] : [])),
    )
  expect(ranges(fx)).toEqual([{ lowSeq: 1, highSeq: 209, latestSeq: 310 }])
  // A tab subscribing meanwhile starts from a snapshot that says so too.
  expect(snapshotOf(c.state, []).range).toEqual({ lowSeq: 1, highSeq: 209, latestSeq: 310 })

  expect(historyAsked(fx)).toEqual(['after 208'])
  fx = c.answer(fx, page(209, 310, 310))
  expect(ranges(fx)).toEqual([{ lowSeq: 1, highSeq: 310 }])
  expect(snapshotOf(c.state, []).range).toEqual({ lowSeq: 1, highSeq: 310 })
})

test('a history answer beyond maxBackfill starts a new window; a second one for the same latest seq pages forward instead (no loop)', () => {
  const { c, connection } = openedFrom(1, 10, { maxBackfill: 100 })
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.replayEnd(10, 0), sse.live(2000)] })
  expect(historyAsked(fx)).toEqual(['after 9'])
  fx = c.answer(fx, page(10, 30, 2000))
  expect(historyAsked(fx)).toEqual(['before 2001'])
  // A backend whose "newest page" stops short of its latest seq.
  fx = c.answer(fx, page(1500, 1699, 2000))
  expect(only(fx, 'commit')[0]?.batch).toMatchObject({ reset: true, record: { lowSeq: 1500, highSeq: 1699 } })
  expect(historyAsked(fx)).toEqual(['after 1698'])
  fx = c.answer(fx, page(1700, 1899, 2000))
  expect(historyAsked(fx)).toEqual(['after 1898'])
})

test('a backend whose latest seq is below ours was reset: the cache is replaced by its newest page', () => {
  const { c, connection } = openedFrom(1, 500)
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.replayEnd(500, 0)] })
  expect(historyAsked(fx)).toEqual(['after 499'])
  fx = c.answer(fx, page(1, 0, 40))
  expect(historyAsked(fx)).toEqual(['before 41'])
  fx = c.answer(fx, page(1, 40, 40))
  expect(only(fx, 'commit')[0]?.batch).toMatchObject({ reset: true, record: { lowSeq: 1, highSeq: 40 } })
})

test('a reconnect holds the replay until the message at highSeq is checked; another message there is a reset, and the replay is never shown', () => {
  const { c, connection } = openedFrom(1, 100)
  // The backend lost its data and has grown a new log past our highSeq.
  const other = { messageId: 'msg_other_epoch' }
  let fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [sse.replay(101, other), sse.replay(102, other), sse.replayEnd(100, 2, 102)],
  })
  expect(only(fx, 'commit')).toEqual([])
  expect(historyAsked(fx)).toEqual(['after 99'])
  const reset = page(100, 102, 102)
  for (const m of reset.messages) m.messageId = `msg_other_${m.seq}`
  fx = c.answer(fx, reset)
  expect(historyAsked(fx)).toEqual(['before 103'])
  fx = c.answer(fx, reset)
  expect(only(fx, 'commit')[0]?.batch).toMatchObject({ reset: true, record: { lowSeq: 100, highSeq: 102 } })
})

test('a live event that contradicts a held seq triggers the check at once', () => {
  const { c, connection } = streamingFrom(1, 100)
  const fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [sse.live(50, { messageId: 'msg_new_log_50' })],
  })
  expect(historyAsked(fx)).toEqual(['after 99'])
})

test('after a new window the open stream catching up below it is no sign of another log: no request per event; a seq at or below its cursor still is (seed 1412749486)', () => {
  const { c, connection } = openedFrom(1, 10, { maxBackfill: 100 })
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.replayEnd(10, 0), sse.live(2000)] })
  expect(historyAsked(fx)).toEqual(['after 9'])
  fx = c.answer(fx, page(10, 30, 2000))
  expect(historyAsked(fx)).toEqual(['before 2001'])
  fx = c.answer(fx, page(1801, 2000, 2000))
  expect(only(fx, 'commit')[0]?.batch).toMatchObject({ reset: true, record: { lowSeq: 1801, highSeq: 2000 } })
  expect(historyAsked(fx)).toEqual([])

  // The stream, opened at seq 10, goes on with 31, 32, … — the same log, already passed.
  for (let seq = 31; seq <= 80; seq++) {
    fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(seq)] })
    expect(historyAsked(fx), `live ${seq}`).toEqual([])
  }
  // A seq the stream promised not to send (at or below its cursor) is checked.
  fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(5, { messageId: 'msg_other_5' })] })
  expect(historyAsked(fx)).toEqual(['after 1999'])
})

test('a data reset ends the open stream (it may still carry the old log); the new window opens a fresh one from its highSeq (seed 696497845)', () => {
  const { c, connection } = streamingFrom(1, 100)
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(150)] })
  expect(historyAsked(fx)).toEqual(['after 99'])
  fx = c.answer(fx, page(1, 40, 40))
  expect(only(fx, 'abort_stream')).toEqual([{ type: 'abort_stream', connection }])
  expect(historyAsked(fx)).toEqual(['before 41'])
  // An old-log event still in flight on the ended connection changes nothing.
  c.input({ type: 'stream_chunk', connection, events: [sse.live(101)] })
  fx = c.answer(fx, page(1, 40, 40))
  expect(only(fx, 'commit')[0]?.batch).toMatchObject({ reset: true, record: { lowSeq: 1, highSeq: 40 } })
  expect(only(fx, 'open_stream')[0]).toMatchObject({ cursor: 40 })
})

test('while a new window is on its way, held replay messages are not joined to the old range — not even when a repeat would unblock them (seed 1325650744)', () => {
  const { c, connection } = openedFrom(1, 10, { maxBackfill: 300 })
  const replay = Array.from({ length: 200 }, (_, i) => sse.replay(11 + i))
  c.input({ type: 'stream_chunk', connection, events: [sse.established(10), ...replay] })
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.replayEnd(10, 990, 210)] })
  expect(historyAsked(fx)).toEqual(['before 1001'])
  // The replay may be of another log (nothing was checked): a repeated event changes nothing.
  const repeat = c.input({ type: 'stream_chunk', connection, events: [sse.replay(11), sse.live(1001)] })
  expect(only(repeat, 'commit')).toEqual([])
  expect(only(repeat, 'emit')).toEqual([])
  fx = c.answer(fx, page(801, 1000, 1000))
  expect(only(fx, 'commit')[0]?.batch).toMatchObject({ reset: true, record: { lowSeq: 801, highSeq: 1000 } })
})

test('a new window confirms the sends it holds, beyond the rows a snapshot shows too: none of them is shown as optimistic (seed 770566314)', () => {
  const c = specChannel({ windowSize: 100 })
  c.input({ type: 'start', online: true })
  const fx = c.input({ type: 'cache_loaded', record: undefined, messages: [] })
  const answer = page(1, 200, 200)
  answer.messages[49] = message(50, { client_msg_id: 'c_window' })
  c.answer(fx, answer)

  // The hub's outbox forgets c_window only once the window is written, and tabs are not told
  // then: a snapshot meanwhile (the new window's, or a tab subscribing) must not show it.
  const snapshot = snapshotOf(c.state, [queued('c_window'), queued('c_later')])
  expect(snapshot.messages.map((m) => m.seq)).toEqual(range(101, 200))
  expect(snapshot.outbox.map((e) => e.client_msg_id)).toEqual(['c_later'])
})

test('the first stream after a new window checks the message at highSeq too: the log may be replaced between the window’s answer and the stream’s start (seed 302267388)', () => {
  const c = specChannel()
  c.input({ type: 'start', online: true })
  let fx = c.input({ type: 'cache_loaded', record: undefined, messages: [] })
  fx = c.answer(fx, page(1, 1, 1))
  const connection = c.idOf(fx, 'open_stream')
  c.input({ type: 'stream_opened', connection, heartbeatMs: 20_000 })
  // Meanwhile the backend's data was reset: its new log replays from seq 2.
  const other = { messageId: 'msg_other_epoch' }
  fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [sse.established(1), sse.replay(2, other), sse.replayEnd(1, 52, 2)],
  })
  expect(toldSeqs(fx)).toEqual([])
  expect(historyAsked(fx)).toEqual(['after 0'])

  const reset = page(1, 2, 52)
  for (const m of reset.messages) m.messageId = `msg_other_${m.seq}`
  fx = c.answer(fx, reset)
  expect(toldSeqs(fx)).toEqual([])
  expect(historyAsked(fx)).toEqual(['before 53'])
})

test('a malformed message event at a seq we hold cannot be compared: the log is checked before anything more is accepted (seed 658632674)', () => {
  const { c, connection } = streamingFrom(1, 1)
  // The backend's data was reset under the open stream: its seq 1 comes again, unreadable.
  const fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [sse.malformed(1), sse.live(2, { messageId: 'msg_other_2' })],
  })
  expect(toldSeqs(fx)).toEqual([])
  expect(historyAsked(fx)).toEqual(['after 0'])
})
