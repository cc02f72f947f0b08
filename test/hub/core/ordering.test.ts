/**
 * Spec: exactly once, in seq order, no gaps. Duplicates are dropped, early messages held while
 * the gap before them is paged, malformed frames cost nothing, acknowledgements take their
 * place in line, and tabs are told at once while the write runs.
 */
import { expect, test } from 'vitest'
import { historyAsked, message, only, page, type specChannel, sse, streamingFrom, toldSeqs } from './spec'

/** Finish every commit the effects started; returns the effects of finishing them. */
function land(c: ReturnType<typeof specChannel>, effects: ReturnType<typeof c.input>) {
  const all = []
  for (let commits = only(effects, 'commit'); commits.length > 0; ) {
    const fx = c.input({ type: 'commit_done', commit: commits[0]?.commit ?? -1 })
    all.push(...fx)
    commits = only(fx, 'commit')
  }
  return all
}

test('live messages are told to the tabs at once, in seq order, while one batch writes them', () => {
  const { c, connection } = streamingFrom(1, 10)
  expect(c.status()).toEqual({ status: 'connected' })
  const fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(11), sse.live(12), sse.live(13)] })
  expect(toldSeqs(fx)).toEqual([11, 12, 13])
  expect(only(fx, 'commit').map((e) => e.batch.messages.map((m) => m.seq))).toEqual([[11, 12, 13]])
  // The write landing moves the persisted range only: nothing is told twice.
  expect(toldSeqs(land(c, fx))).toEqual([])
  expect(c.state.persisted).toEqual({ lowSeq: 1, highSeq: 13 })
})

test('a duplicate or an earlier event again is dropped', () => {
  const { c, connection } = streamingFrom(1, 10)
  land(c, c.input({ type: 'stream_chunk', connection, events: [sse.live(11)] }))
  const fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [sse.live(11), sse.live(9), sse.replay(10)],
  })
  expect(only(fx, 'commit')).toEqual([])
  expect(historyAsked(fx)).toEqual([])
})

test('an early message is held while the gap before it is paged with after_seq', () => {
  const { c, connection } = streamingFrom(1, 10)
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(14)] })
  expect(only(fx, 'commit')).toEqual([])
  expect(historyAsked(fx)).toEqual(['after 9'])
  fx = c.answer(fx, page(11, 13, 14))
  expect(toldSeqs(fx)).toEqual([11, 12, 13, 14])
})

test('a malformed frame costs nothing: its id is paged from history', () => {
  const { c, connection } = streamingFrom(1, 10)
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.malformed(11)] })
  expect(only(fx, 'log')[0]).toMatchObject({ event: 'channel.bad_event' })
  expect(historyAsked(fx)).toEqual(['after 9'])
  fx = c.answer(fx, page(11, 11, 11))
  expect(toldSeqs(fx)).toEqual([11])
})

test('a malformed id above the log is dropped once history tells the truth: no request loop', () => {
  const { c, connection } = streamingFrom(1, 10)
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.malformed(999_999)] })
  expect(historyAsked(fx)).toEqual(['after 9'])
  fx = c.answer(fx, page(11, 10, 10))
  expect(historyAsked(fx)).toEqual([])
  expect(c.state.record?.latestSeq).toBe(10)
})

test('a message of another project is skipped like a malformed one', () => {
  const { c, connection } = streamingFrom(1, 10)
  const fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [sse.live(11, { projectId: 'proj_other' })],
  })
  expect(only(fx, 'commit')).toEqual([])
  expect(historyAsked(fx)).toEqual(['after 9'])
})

test('a frame beyond the backend’s log is not pulled in by a history page that says the log ends earlier', () => {
  const { c, connection } = streamingFrom(1, 10)
  // Seq 12 arrives before the backend's history knows it (or it is not in its log at all).
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(12, { messageId: 'msg_phantom' })] })
  fx = c.answer(fx, page(11, 11, 11))
  expect(toldSeqs(fx)).toEqual([11])
  // The real 12, live: it takes its place.
  fx = c.input({ type: 'stream_chunk', connection, events: [sse.live(12)] })
  expect(toldSeqs(fx)).toEqual([12])
  expect(c.state.recent.at(-1)?.id).toBe('msg_12')
})

test('an acknowledgement beyond highSeq + 1 waits for the gap; one already delivered settles its send', () => {
  const { c } = streamingFrom(1, 10)
  let fx = c.input({ type: 'acknowledged', data: message(13, { client_msg_id: 'client_a' }) })
  expect(historyAsked(fx)).toEqual(['after 9'])
  fx = c.answer(fx, page(11, 12, 13))
  expect(toldSeqs(fx)).toEqual([11, 12, 13])
  // Written with its message, the send is settled in the same transaction.
  expect(only(land(c, fx), 'settle')).toEqual([{ type: 'settle', clientMsgIds: ['client_a'], stored: true }])

  fx = c.input({ type: 'acknowledged', data: message(5, { client_msg_id: 'client_old' }) })
  expect(only(fx, 'settle')).toEqual([{ type: 'settle', clientMsgIds: ['client_old'], stored: false }])
})

test('a presence.updated event of the project reaches the tabs; another project’s does not', () => {
  const { c, connection } = streamingFrom(1, 10)
  const presence = (projectId: string) => ({
    event: 'presence.updated',
    id: undefined,
    data: JSON.stringify({ projectId, userId: 'user_ann', status: 'online' }),
  })
  const fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [presence('proj_spec'), presence('proj_other')],
  })
  expect(only(fx, 'emit').flatMap((e) => e.changes)).toEqual([
    { type: 'presence', userId: 'user_ann', status: 'online' },
  ])
})

test('unknown events change nothing', () => {
  const { c, connection } = streamingFrom(1, 10)
  const fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [{ event: 'build.status', id: undefined, data: '{}' }],
  })
  expect(fx).toEqual([])
})

/** A channel holding 1…10, stopped (its stream closed), then started again: the effects of `start`. */
function stoppedThenStarted(c: ReturnType<typeof specChannel>, beforeStart: () => void) {
  c.input({ type: 'stop' })
  beforeStart()
  const fx = c.input({ type: 'start', online: true })
  const connection = c.idOf(fx, 'open_stream')
  c.input({ type: 'stream_opened', connection, heartbeatMs: 20_000 })
  return c.input({ type: 'stream_chunk', connection, events: [sse.established(10), sse.replayEnd(10, 1)] })
}

test('an acknowledgement while no stream is open waits for the next one to check the log: the backend may have replaced it meanwhile (seed 939522403)', () => {
  const { c } = streamingFrom(1, 10)
  const ack = message(11, { messageId: 'msg_new_11', client_msg_id: 'client_a' })
  let held: ReturnType<typeof c.input> = []
  // The backend's data was reset while the channel was stopped; its new log acknowledges a send at 11.
  const fx = stoppedThenStarted(c, () => {
    held = c.input({ type: 'acknowledged', data: ack })
  })
  expect(toldSeqs(held)).toEqual([])
  expect(only(held, 'commit')).toEqual([])
  expect(c.state.record?.highSeq).toBe(10)
  // The new connection checks seq 10: another message in the new log, so a new window; the send is done.
  const checked = c.answer(fx, {
    messages: [message(10, { messageId: 'msg_new_10' }), ack],
    hasMore: false,
    latestSeq: 11,
  })
  expect(c.state.wantWindow).toEqual({ latestSeq: 11, dataReset: true })
  expect(toldSeqs(checked)).toEqual([])
  expect(only(checked, 'settle').flatMap((e) => e.clientMsgIds)).toEqual(['client_a'])
})

test('an acknowledgement held while no stream was open takes its place once the next one finds the same log', () => {
  const { c } = streamingFrom(1, 10)
  const fx = stoppedThenStarted(c, () => {
    c.input({ type: 'acknowledged', data: message(11, { client_msg_id: 'client_a' }) })
  })
  const checked = c.answer(fx, page(10, 11, 11))
  expect(toldSeqs(checked)).toEqual([11])
  expect(c.state.record?.highSeq).toBe(11)
})
