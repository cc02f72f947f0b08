/**
 * The multiplexed stream over real HTTP: proxy + reference backend (SQLite in memory) on
 * loopback. One browser connection carries several projects, each with its own cursor, replay,
 * live events, errors and backend stream; control POSTs change the set; closing the browser's
 * side or the server ends every upstream.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import {
  MAX_MUX_STREAMS_PER_USER,
  MAX_STREAMS_PER_USER,
  MUX_STREAM_ID_PATTERN,
  type MuxProjectData,
} from '../../src/protocol'
import type { RunningBackend } from '../../src/server/backend'
import { fromStart, muxControl, openMux, streamIdOf } from '../helpers/mux'
import { startStack, type TestStack, waitFor } from '../helpers/servers'

let stack: TestStack
let backend: RunningBackend

beforeAll(async () => {
  stack = await startStack()
  if (stack.server.backend === undefined) throw new Error('reference backend expected')
  backend = stack.server.backend
})

afterAll(async () => {
  await stack.close()
})

const hasReplayEnd = (stream: Awaited<ReturnType<typeof openMux>>, projectId: string) =>
  stream.eventsOf(projectId).some((event) => event.event === 'replay.end')

test('three projects on one stream: mux.open, then every replay and live event tagged with its project', async () => {
  const cookie = await stack.login('mux_three')
  backend.append('m3_a', 'bob', 'a one')
  backend.append('m3_a', 'bob', 'a two')
  backend.append('m3_a', 'bob', 'a three')
  backend.append('m3_b', 'bob', 'b one')

  const stream = await openMux(stack, cookie, [
    { projectId: 'm3_a', cursor: 1 },
    { projectId: 'm3_b', cursor: 0 },
    { projectId: 'm3_c', cursor: 0 },
  ])
  await stream.until(() => ['m3_a', 'm3_b', 'm3_c'].every((p) => hasReplayEnd(stream, p)))

  expect(stream.status).toBe(200)
  expect(stream.headers['content-type']).toMatch(/^text\/event-stream/)
  expect(stream.headers['cache-control']).toBe('no-store, no-transform')
  expect(stream.headers['x-accel-buffering']).toBe('no')
  expect(stream.headers['x-persistent-chat-user']).toBe('mux_three')
  expect(stream.headers['access-control-allow-origin']).toBeUndefined()
  expect(stream.open()).toEqual({
    streamId: expect.stringMatching(MUX_STREAM_ID_PATTERN),
    heartbeatMs: 20_000,
  })
  for (const [projectId, cursor] of [
    ['m3_a', 1],
    ['m3_b', 0],
    ['m3_c', 0],
  ] as const) {
    expect(stream.statesOf(projectId)).toEqual([{ projectId, state: 'open', cursor }])
    const [established] = stream.eventsOf(projectId)
    expect(established?.event).toBe('connection.established')
    expect(established?.id).toBe(`${projectId}/${cursor}`)
    expect(JSON.parse(established?.data ?? '{}')).toMatchObject({ projectId, from_seq: cursor })
  }
  // The cursor is exclusive: a's replay starts after seq 1.
  expect(stream.seqsOf('m3_a')).toEqual([2, 3])
  expect(stream.seqsOf('m3_b')).toEqual([1])
  expect(stream.seqsOf('m3_c')).toEqual([])
  const replayIds = stream
    .eventsOf('m3_a')
    .filter((event) => event.event === 'message.replay')
    .map((event) => event.id)
  expect(replayIds).toEqual(['m3_a/2', 'm3_a/3'])
  // replay.end carries no id field upstream; its stream's last event ID (the last seq) goes with it.
  expect(stream.eventsOf('m3_a').find((event) => event.event === 'replay.end')?.id).toBe('m3_a/3')

  const live = {
    m3_a: backend.append('m3_a', 'bob', 'a live'),
    m3_b: backend.append('m3_b', 'bob', 'b live'),
    m3_c: backend.append('m3_c', 'bob', 'c live'),
  }
  await stream.until(() =>
    Object.keys(live).every((p) => stream.eventsOf(p).some((event) => event.event === 'message.new')),
  )
  for (const [projectId, message] of Object.entries(live)) {
    const event = stream.eventsOf(projectId).find((e) => e.event === 'message.new')
    expect(event?.id).toBe(`${projectId}/${message.seq}`)
    // The data is the backend's JSON, untouched.
    expect(JSON.parse(event?.data ?? '{}')).toEqual(message)
  }
  expect(backend.openStreams('mux_three')).toBe(3)
  stream.close()
})

test('a stream with no project is open, and a project can be added later', async () => {
  const cookie = await stack.login('mux_empty')
  backend.append('me_a', 'bob', 'already there')
  const stream = await openMux(stack, cookie, [])
  const streamId = await streamIdOf(stream)
  expect(backend.openStreams('mux_empty')).toBe(0)

  const added = await muxControl(stack, cookie, { streamId, add: fromStart('me_a') })

  expect(added.status).toBe(204)
  expect(added.headers.get('x-persistent-chat-user')).toBe('mux_empty')
  await stream.until(() => hasReplayEnd(stream, 'me_a'))
  expect(stream.statesOf('me_a')).toEqual([{ projectId: 'me_a', state: 'open', cursor: 0 }])
  expect(stream.seqsOf('me_a')).toEqual([1])
  stream.close()
})

test("one project's 403 stops that project only; the others keep streaming", async () => {
  const cookie = await stack.login('mux_forbidden')
  const stream = await openMux(stack, cookie, fromStart('mf_a', 'private_mf', 'mf_b'))

  const refused = await stream.nextState('private_mf', 1)
  await stream.until(() => hasReplayEnd(stream, 'mf_a') && hasReplayEnd(stream, 'mf_b'))
  backend.append('mf_a', 'bob', 'still here')
  backend.append('mf_b', 'bob', 'me too')
  await stream.until(() => stream.seqsOf('mf_a').length === 1 && stream.seqsOf('mf_b').length === 1)

  expect(refused).toEqual({
    projectId: 'private_mf',
    state: 'error',
    cursor: 0,
    status: 403,
    retryAfter: null,
    code: 'forbidden',
    message: 'not a member of this project',
  })
  expect(stream.statesOf('private_mf')).toHaveLength(1)
  expect(stream.eventsOf('private_mf')).toEqual([])
  expect(backend.openStreams('mux_forbidden')).toBe(2)
  stream.close()
})

test("12 projects: the backend's limit still holds, 10 open and 2 are told 429 with Retry-After", async () => {
  const cookie = await stack.login('mux_twelve')
  const projects = Array.from({ length: 12 }, (_, index) => ({ projectId: `m12_${index}`, cursor: 0 }))
  const stream = await openMux(stack, cookie, projects)

  await stream.until(() => projects.every(({ projectId }) => stream.statesOf(projectId).length > 0))
  const states = projects.map(({ projectId }) => stream.statesOf(projectId)[0] as MuxProjectData)
  const open = states.filter((state) => state.state === 'open')
  const limited = states.filter((state) => state.state === 'error')

  expect(open).toHaveLength(MAX_STREAMS_PER_USER)
  expect(limited).toHaveLength(2)
  for (const state of limited) {
    expect(state).toMatchObject({ status: 429, retryAfter: '5', code: 'too_many_streams' })
  }
  expect(backend.openStreams('mux_twelve')).toBe(MAX_STREAMS_PER_USER)

  // Removing one open project frees a backend slot (once the backend saw the close), and adding
  // a limited one again takes it.
  const streamId = stream.open().streamId
  const freed = open[0]?.projectId ?? ''
  const retried = limited[0]?.projectId ?? ''
  expect((await muxControl(stack, cookie, { streamId, remove: [freed] })).status).toBe(204)
  await waitFor(() => backend.openStreams('mux_twelve') === MAX_STREAMS_PER_USER - 1, 1000, 'a free slot')
  expect(
    (await muxControl(stack, cookie, { streamId, add: [{ projectId: retried, cursor: 0 }] })).status,
  ).toBe(204)
  await stream.until(() => stream.statesOf(freed).length === 2)
  expect(stream.statesOf(freed)[1]).toEqual({
    projectId: freed,
    state: 'closed',
    cursor: 0,
    reason: 'removed',
  })
  await stream.until(() => stream.statesOf(retried).at(-1)?.state === 'open')
  expect(backend.openStreams('mux_twelve')).toBe(MAX_STREAMS_PER_USER)
  stream.close()
})

test('closing the browser socket closes every upstream of the mux within 1 s', async () => {
  const cookie = await stack.login('mux_close')
  const stream = await openMux(stack, cookie, fromStart('mc_a', 'mc_b', 'mc_c'))
  await stream.until(() => ['mc_a', 'mc_b', 'mc_c'].every((p) => hasReplayEnd(stream, p)))
  expect(backend.openStreams('mux_close')).toBe(3)

  stream.close()

  const elapsed = await waitFor(
    () => backend.openStreams('mux_close') === 0,
    1000,
    'backend streams to close',
  )
  expect(elapsed).toBeLessThan(1000)
  await waitFor(
    () => stack.logs.some((entry) => entry.event === 'stream.closed' && entry.userId === 'mux_close'),
    1000,
    'the stream.closed log line',
  )
  expect(
    stack.logs.find((entry) => entry.event === 'stream.closed' && entry.userId === 'mux_close'),
  ).toMatchObject({ route: '/api/persistent-chat/mux', reason: 'client_gone' })
})

test('aborting a fetch of the mux closes every upstream within 1 s, and the stream id is gone', async () => {
  const cookie = await stack.login('mux_fetch_abort')
  const controller = new AbortController()
  const response = await fetch(
    `${stack.url}/api/persistent-chat/mux?projects=${encodeURIComponent('mfa_a:0,mfa_b:0')}`,
    { headers: { cookie }, signal: controller.signal },
  )
  const reader = response.body?.getReader()
  const first = new TextDecoder().decode((await reader?.read())?.value)
  const streamId = /"streamId":"([^"]+)"/.exec(first)?.[1]
  await waitFor(() => backend.openStreams('mux_fetch_abort') === 2, 5000, 'both upstreams')

  controller.abort()

  await waitFor(() => backend.openStreams('mux_fetch_abort') === 0, 1000, 'backend streams to close')
  await waitFor(() => stack.logs.some((e) => e.event === 'stream.closed' && e.userId === 'mux_fetch_abort'))
  const late = await muxControl(stack, cookie, { streamId, add: fromStart('mfa_c') })
  expect(late.status).toBe(404)
  expect(backend.openStreams('mux_fetch_abort')).toBe(0)
})

test(`a user holds at most ${MAX_MUX_STREAMS_PER_USER} mux streams; one more is 429 with Retry-After until one closes`, async () => {
  const cookie = await stack.login('mux_limit')
  const streams = await Promise.all(
    Array.from({ length: MAX_MUX_STREAMS_PER_USER }, () => openMux(stack, cookie, [])),
  )
  await Promise.all(streams.map((stream) => streamIdOf(stream)))
  const other = await stack.login('mux_limit_other')

  const refused = await stack.fetch('/api/persistent-chat/mux?projects=', { cookie })
  const otherUser = await openMux(stack, other, [])

  expect(refused.status).toBe(429)
  expect(refused.headers.get('retry-after')).toBe('5')
  expect(await refused.json()).toMatchObject({ error: { code: 'too_many_streams' } })
  expect(otherUser.status).toBe(200)

  streams[0]?.close()
  await waitFor(() => stack.logs.some((e) => e.event === 'stream.closed' && e.userId === 'mux_limit'))
  const again = await openMux(stack, cookie, [])
  expect(again.status).toBe(200)
  for (const stream of [...streams, again, otherUser]) stream.close()
})

test('remove ends that upstream with one closed and nothing after; add of a present project restarts it at the new cursor', async () => {
  const cookie = await stack.login('mux_control')
  for (const text of ['one', 'two', 'three']) backend.append('mctl_a', 'bob', text)
  const stream = await openMux(stack, cookie, fromStart('mctl_a', 'mctl_b'))
  const streamId = await streamIdOf(stream)
  await stream.until(() => hasReplayEnd(stream, 'mctl_a') && hasReplayEnd(stream, 'mctl_b'))

  const removed = await muxControl(stack, cookie, { streamId, remove: ['mctl_b'] })
  expect(removed.status).toBe(204)
  await waitFor(() => backend.openStreams('mux_control') === 1, 1000, 'the removed upstream to close')
  const eventsOfB = stream.eventsOf('mctl_b').length
  backend.append('mctl_b', 'bob', 'nobody listens')

  const restarted = await muxControl(stack, cookie, { streamId, add: [{ projectId: 'mctl_a', cursor: 2 }] })
  expect(restarted.status).toBe(204)
  await stream.until(() => stream.statesOf('mctl_a').length === 3 && hasReplayEnd(stream, 'mctl_a'))
  backend.append('mctl_a', 'bob', 'four')
  await stream.until(() => stream.seqsOf('mctl_a').includes(4))

  expect(stream.statesOf('mctl_b')).toEqual([
    { projectId: 'mctl_b', state: 'open', cursor: 0 },
    { projectId: 'mctl_b', state: 'closed', cursor: 0, reason: 'removed' },
  ])
  expect(stream.eventsOf('mctl_b')).toHaveLength(eventsOfB)
  expect(stream.statesOf('mctl_a')).toEqual([
    { projectId: 'mctl_a', state: 'open', cursor: 0 },
    { projectId: 'mctl_a', state: 'closed', cursor: 0, reason: 'replaced' },
    { projectId: 'mctl_a', state: 'open', cursor: 2 },
  ])
  // The first attempt replayed 1..3, the second replays from its cursor, then live.
  expect(stream.seqsOf('mctl_a')).toEqual([1, 2, 3, 3, 4])
  expect(backend.openStreams('mux_control')).toBe(1)
  // Removing a project the stream does not carry is a no-op.
  expect((await muxControl(stack, cookie, { streamId, remove: ['mctl_b', 'mctl_none'] })).status).toBe(204)
  stream.close()
})

test('adding and removing projects never drops or repeats an event of a project that stays', async () => {
  const cookie = await stack.login('mux_churn')
  const stream = await openMux(stack, cookie, fromStart('mch_stay'))
  const streamId = await streamIdOf(stream)
  await stream.until(() => hasReplayEnd(stream, 'mch_stay'))

  let sent = 0
  for (let round = 0; round < 12; round++) {
    backend.append('mch_stay', 'bob', `before ${round}`)
    const change =
      round % 3 === 2
        ? { remove: ['mch_other_0', 'mch_other_1'] }
        : { add: [{ projectId: `mch_other_${round % 3}`, cursor: 0 }] }
    const answer = await muxControl(stack, cookie, { streamId, ...change })
    expect(answer.status).toBe(204)
    backend.append('mch_stay', 'bob', `after ${round}`)
    sent += 2
  }
  await stream.until(() => stream.seqsOf('mch_stay').length === sent)

  expect(stream.seqsOf('mch_stay')).toEqual(Array.from({ length: sent }, (_, index) => index + 1))
  expect(stream.statesOf('mch_stay')).toEqual([{ projectId: 'mch_stay', state: 'open', cursor: 0 }])
  await waitFor(() => backend.openStreams('mux_churn') === 1, 1000, 'only the staying upstream')
  stream.close()
})

test("a POST naming another user's stream is 404 unknown_stream, the same as a stream that never existed", async () => {
  const owner = await stack.login('mux_owner')
  const intruder = await stack.login('mux_intruder')
  const stream = await openMux(stack, owner, fromStart('mo_a'))
  const streamId = await streamIdOf(stream)
  await stream.until(() => hasReplayEnd(stream, 'mo_a'))

  const foreign = await muxControl(stack, intruder, { streamId, remove: ['mo_a'] })
  const unknown = await muxControl(stack, intruder, { streamId: 'A'.repeat(22), remove: ['mo_a'] })

  expect(foreign.status).toBe(404)
  expect(unknown.status).toBe(404)
  const foreignBody = await foreign.json()
  expect(foreignBody).toEqual(await unknown.json())
  expect(foreignBody).toMatchObject({ error: { code: 'unknown_stream' } })
  backend.append('mo_a', 'bob', 'the owner still gets this')
  await stream.until(() => stream.seqsOf('mo_a').length === 1)
  expect(stream.statesOf('mo_a')).toHaveLength(1)
  stream.close()
})

test('control POSTs need a same-origin Origin (403) and a session (401)', async () => {
  const cookie = await stack.login('mux_origin')
  const stream = await openMux(stack, cookie, fromStart('mor_a'))
  const streamId = await streamIdOf(stream)
  await stream.until(() => hasReplayEnd(stream, 'mor_a'))

  const foreign = await muxControl(
    stack,
    cookie,
    { streamId, remove: ['mor_a'] },
    { origin: 'https://evil.test' },
  )
  const signedOut = await muxControl(stack, '', { streamId, remove: ['mor_a'] })
  const anonymous = await stack.fetch('/api/persistent-chat/mux?projects=mor_b:0')

  expect(foreign.status).toBe(403)
  expect(await foreign.json()).toMatchObject({ error: { code: 'forbidden_origin' } })
  expect(signedOut.status).toBe(401)
  expect(anonymous.status).toBe(401)
  expect(stream.statesOf('mor_a')).toEqual([{ projectId: 'mor_a', state: 'open', cursor: 0 }])
  expect(backend.openStreams('mux_origin')).toBe(1)
  stream.close()
})

test('closing the server ends mux streams cleanly and every upstream with them', async () => {
  const own = await startStack()
  const cookie = await own.login('mux_shutdown')
  const stream = await openMux(own, cookie, fromStart('ms_a', 'ms_b'))
  await stream.until(() => hasReplayEnd(stream, 'ms_a') && hasReplayEnd(stream, 'ms_b'))

  const startedAt = Date.now()
  await own.close()

  expect(Date.now() - startedAt).toBeLessThan(1000)
  await waitFor(() => stream.ended, 1000, 'the stream to end')
  expect(stream.complete).toBe(true)
  expect(
    own.logs.some((e) => e.event === 'stream.closed' && e.route.endsWith('/mux') && e.reason === 'shutdown'),
  ).toBe(true)
  expect(own.server.backend?.openStreams()).toBe(0)
})
