import { afterEach, beforeEach, expect, test } from 'vitest'
import type {
  ConnectionEstablishedData,
  MessageData,
  PresenceUpdatedData,
  ReplayEndData,
} from '../../../src/protocol/wire'
import {
  type BackendClient,
  chatPaths,
  startTestBackend,
  type TestStream,
  waitUntil,
} from '../../helpers/backend-client'

let backend: Awaited<ReturnType<typeof startTestBackend>>['backend']
let client: BackendClient

beforeEach(async () => {
  ;({ backend, client } = await startTestBackend({ heartbeatMs: 60_000 }))
})
afterEach(() => backend.close())

function seed(projectId: string, count: number): void {
  for (let i = 1; i <= count; i++) backend.append(projectId, 'user_seed', `message ${i}`)
}

async function replayOf(stream: TestStream) {
  await stream.until(() => stream.events.some((event) => event.event === 'replay.end'))
  const end = stream.data<ReplayEndData>('replay.end')[0]
  if (!end) throw new Error('no replay.end')
  return { end, replayed: stream.data<MessageData>('message.replay').map((message) => message.seq) }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)
}

test('a stream answers with the SSE headers', async () => {
  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a' })

  expect(stream.status).toBe(200)
  expect(stream.headers['content-type']).toBe('text/event-stream')
  expect(stream.headers['cache-control']).toBe('no-cache')
  expect(stream.headers['x-accel-buffering']).toBe('no')
})

test.each([0, 1, 200, 201, 1000])('replay after %i missed messages', async (missed) => {
  const cursor = 7
  seed('p1', cursor + missed)

  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a', fromSeq: cursor })
  const { end, replayed } = await replayOf(stream)

  const k = Math.min(missed, 200)
  expect(stream.events.map((event) => event.event)).toEqual([
    'connection.established',
    ...Array<string>(k).fill('message.replay'),
    'replay.end',
  ])
  expect(stream.events[0]?.id).toBe(String(cursor))
  expect(stream.data<ConnectionEstablishedData>('connection.established')[0]).toMatchObject({
    projectId: 'p1',
    from_seq: cursor,
    connection_id: expect.stringMatching(/^conn_/),
  })
  expect(replayed).toEqual(range(cursor + 1, cursor + k))
  expect(stream.events.filter((event) => event.event === 'message.replay').map((event) => event.id)).toEqual(
    replayed.map(String),
  )
  expect(end).toMatchObject({ projectId: 'p1', totalAvailable: missed, lastReplayedSeq: cursor + k })

  // What the replay could not carry comes from the history API, from lastReplayedSeq on.
  const fetched: number[] = []
  let after = end.lastReplayedSeq
  for (let more = true; more; ) {
    const page = (
      await client.request({
        path: `${chatPaths('p1').messages}?after_seq=${after}&limit=200`,
        userId: 'user_a',
      })
    ).json<{ messages: MessageData[]; hasMore: boolean }>()
    fetched.push(...page.messages.map((message) => message.seq))
    after = page.messages.at(-1)?.seq ?? after
    more = page.hasMore
  }
  expect([...replayed, ...fetched]).toEqual(range(cursor + 1, cursor + missed))
})

test('Last-Event-ID wins over from_seq, and the cursor is exclusive', async () => {
  seed('p1', 10)

  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a', fromSeq: 2, lastEventId: '5' })
  const { end, replayed } = await replayOf(stream)

  expect(stream.events[0]?.id).toBe('5')
  expect(stream.data<ConnectionEstablishedData>('connection.established')[0]?.from_seq).toBe(5)
  expect(replayed).toEqual([6, 7, 8, 9, 10])
  expect(end).toMatchObject({ lastReplayedSeq: 10, totalAvailable: 5 })
})

test('an empty Last-Event-ID counts as absent', async () => {
  seed('p1', 4)

  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a', fromSeq: 2, lastEventId: '' })

  expect((await replayOf(stream)).replayed).toEqual([3, 4])
})

test('no cursor means from the start', async () => {
  seed('p1', 3)

  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a' })

  expect((await replayOf(stream)).replayed).toEqual([1, 2, 3])
})

test('a cursor past the end replays nothing and reports it as the last replayed seq', async () => {
  seed('p1', 3)

  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a', fromSeq: 9 })

  expect(await replayOf(stream)).toEqual({
    replayed: [],
    end: expect.objectContaining({ lastReplayedSeq: 9, totalAvailable: 0 }),
  })
})

test.each([
  ['from_seq', { fromSeq: '-1' }],
  ['from_seq', { fromSeq: 'abc' }],
  ['from_seq', { fromSeq: '1.5' }],
  ['Last-Event-ID', { lastEventId: 'msg_1' }],
])('an invalid %s cursor is a 400', async (_name, cursor) => {
  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a', ...cursor })

  expect(stream.status).toBe(400)
  expect(JSON.parse(stream.text)).toEqual({ error: { code: 'invalid_cursor', message: expect.any(String) } })
})

test('live messages follow the replay with their seq as id, only on their project', async () => {
  seed('p1', 2)
  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a' })
  const other = await client.openStream({ projectId: 'p2', userId: 'user_a' })
  await replayOf(stream)
  await replayOf(other)

  backend.append('p1', 'user_b', 'live one')
  backend.append('p2', 'user_b', 'elsewhere')
  backend.append('p1', 'user_b', 'live two')
  await stream.until(() => stream.data('message.new').length === 2)

  const live = stream.events.filter((event) => event.event === 'message.new')
  expect(live.map((event) => event.id)).toEqual(['3', '4'])
  expect(stream.data<MessageData>('message.new').map((message) => message.content.text)).toEqual([
    'live one',
    'live two',
  ])
  await other.until(() => other.data('message.new').length === 1)
  expect(other.data<MessageData>('message.new')[0]).toMatchObject({ seq: 1, content: { text: 'elsewhere' } })
})

test('presence is pushed as presence.updated to the project streams', async () => {
  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a' })
  await replayOf(stream)

  const response = await client.request({
    method: 'POST',
    path: chatPaths('p1').presence,
    userId: 'user_b',
    body: JSON.stringify({ status: 'away' }),
  })

  expect(response.status).toBe(204)
  expect(response.text).toBe('')
  await stream.until(() => stream.data('presence.updated').length === 1)
  expect(stream.data<PresenceUpdatedData>('presence.updated')).toEqual([
    { projectId: 'p1', userId: 'user_b', status: 'away' },
  ])
  expect(stream.events.at(-1)?.id).toBeUndefined()
})

test.each([['{"status":"busy"}'], ['{}'], ['null'], ['nope']])('presence body %s is a 400', async (body) => {
  const response = await client.request({
    method: 'POST',
    path: chatPaths('p1').presence,
    userId: 'user_b',
    body,
  })

  expect(response.status).toBe(400)
})

test('a quiet stream gets heartbeat comments', async () => {
  await backend.close()
  ;({ backend, client } = await startTestBackend({ heartbeatMs: 20 }))

  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a' })

  await stream.until(() => stream.comments.length >= 3)
  expect(new Set(stream.comments)).toEqual(new Set(['ping']))
})

test('a stream closed by the client leaves the registry', async () => {
  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a' })
  await replayOf(stream)
  expect(backend.openStreams('user_a')).toBe(1)

  stream.close()

  await waitUntil(() => backend.openStreams() === 0)
  expect(backend.openStreams('user_a')).toBe(0)
})

test('close() ends every open stream and resolves', async () => {
  const streams = await Promise.all(
    ['user_a', 'user_b', 'user_c'].map((userId) => client.openStream({ projectId: 'p1', userId })),
  )
  await Promise.all(streams.map(replayOf))

  await backend.close()

  await Promise.all(streams.map((stream) => stream.until(() => stream.ended)))
  expect(backend.openStreams()).toBe(0)
  await backend.close()
})
