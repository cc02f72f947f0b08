/**
 * The multiplexed stream when one project's upstream misbehaves: a loopback relay between the
 * proxy and the real reference backend answers 5xx, resets, answers the wrong content type,
 * cuts mid-event, stalls or sends odd frames for ONE project, while the others stream on.
 * The proxy reports each project's fate as `mux.project` and never retries by itself.
 */
import type { ServerResponse } from 'node:http'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import { startBackend } from '../../src/server/backend'
import { type FaultRelay, startFaultRelay } from '../helpers/fault-relay'
import { fromStart, type MuxStream, muxControl, openMux, streamIdOf } from '../helpers/mux'
import { startStack, TEST_SECRET, type TestStack } from '../helpers/servers'

/** Short, so heartbeats (the backend's and the proxy's) are seen within a test. */
const HEARTBEAT_MS = 150

let backend: RunningBackend
let relay: FaultRelay
let stack: TestStack

beforeAll(async () => {
  backend = await startBackend({
    port: 0,
    dbPath: ':memory:',
    secret: TEST_SECRET,
    heartbeatMs: HEARTBEAT_MS,
  })
  relay = await startFaultRelay(backend.url)
  stack = await startStack({ backendUrl: relay.url, heartbeatMs: HEARTBEAT_MS })
})

afterEach(() => {
  relay.setRespond(null)
  relay.setRewrite((frame) => frame)
})

afterAll(async () => {
  await stack.close()
  await relay.close()
  await backend.close()
})

const isProject = (url: string | undefined, projectId: string) =>
  (url ?? '').includes(`/projects/${projectId}/`)

const hasReplayEnd = (stream: MuxStream, projectId: string) =>
  stream.eventsOf(projectId).some((event) => event.event === 'replay.end')

/** Opens `projects` at cursor 0 and waits until every healthy one finished its replay. */
async function openAll(user: string, projects: string[], healthy: string[]): Promise<MuxStream> {
  const cookie = await stack.login(user)
  const stream = await openMux(stack, cookie, fromStart(...projects))
  await stream.until(() => healthy.every((projectId) => hasReplayEnd(stream, projectId)))
  return stream
}

/** Appends one live message to each project and waits until each arrived on `stream`. */
async function expectLive(stream: MuxStream, projects: string[]): Promise<void> {
  const sent = projects.map((projectId) => backend.append(projectId, 'bob', `live in ${projectId}`))
  await stream.until(() => sent.every((message) => stream.seqsOf(message.projectId).includes(message.seq)))
}

test("a 5xx for one project is that project's error, with the backend's status, Retry-After and code", async () => {
  relay.setRespond((req, res) => {
    if (!isProject(req.url, 'f5_b')) return false
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '7' })
    res.end(JSON.stringify({ error: { code: 'maintenance', message: 'down for a bit' } }))
    return true
  })

  const stream = await openAll('fault_5xx', ['f5_a', 'f5_b', 'f5_c'], ['f5_a', 'f5_c'])
  await expectLive(stream, ['f5_a', 'f5_c'])

  expect(stream.statesOf('f5_b')).toEqual([
    {
      projectId: 'f5_b',
      state: 'error',
      cursor: 0,
      status: 503,
      retryAfter: '7',
      code: 'maintenance',
      message: 'down for a bit',
    },
  ])
  // The proxy does not retry: one request for f5_b reached the relay.
  expect(relay.requests.filter((request) => isProject(request.url, 'f5_b'))).toHaveLength(1)
  stream.close()
})

test('a 500 without an error body, a reset before headers and a 200 that is not an event stream each become an error state', async () => {
  relay.setRespond((req, res) => {
    if (isProject(req.url, 'fx_html')) {
      res.writeHead(500, { 'content-type': 'text/html' })
      res.end('<h1>oops</h1>')
      return true
    }
    if (isProject(req.url, 'fx_reset')) {
      req.socket.destroy()
      return true
    }
    if (isProject(req.url, 'fx_json')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"messages":[]}')
      return true
    }
    return false
  })

  const stream = await openAll('fault_kinds', ['fx_ok', 'fx_html', 'fx_reset', 'fx_json'], ['fx_ok'])
  await stream.until(() => ['fx_html', 'fx_reset', 'fx_json'].every((p) => stream.statesOf(p).length === 1))
  await expectLive(stream, ['fx_ok'])

  expect(stream.statesOf('fx_html')[0]).toMatchObject({
    state: 'error',
    status: 500,
    retryAfter: null,
    code: 'upstream_error',
  })
  expect(stream.statesOf('fx_reset')[0]).toMatchObject({ state: 'error', status: 502, code: 'bad_gateway' })
  expect(stream.statesOf('fx_json')[0]).toMatchObject({
    state: 'error',
    status: 502,
    code: 'bad_gateway',
    message: 'Backend answered the stream without text/event-stream.',
  })
  stream.close()
})

test('a cut mid-event forwards the whole events before it, never half an event, then closed "cut"', async () => {
  let cutStream: ServerResponse | undefined
  relay.setRespond((req, res) => {
    if (!isProject(req.url, 'fc_b')) return false
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('event: message.new\nid: 1\ndata: {"seq":1,"whole":true}\n\n')
    res.write('event: message.new\nid: 2\ndata: {"seq":2,"cut":')
    cutStream = res
    return true
  })

  const stream = await openAll('fault_cut', ['fc_a', 'fc_b'], ['fc_a'])
  await stream.until(() => stream.eventsOf('fc_b').length === 1)
  cutStream?.socket?.destroy()
  await stream.until(() => stream.statesOf('fc_b').length === 2)
  await expectLive(stream, ['fc_a'])

  expect(stream.eventsOf('fc_b')).toEqual([
    { event: 'message.new', id: 'fc_b/1', data: '{"seq":1,"whole":true}' },
  ])
  expect(stream.statesOf('fc_b')).toEqual([
    { projectId: 'fc_b', state: 'open', cursor: 0 },
    { projectId: 'fc_b', state: 'closed', cursor: 0, reason: 'cut' },
  ])
  expect(stream.text).not.toContain('"cut":')
  stream.close()
})

test('an upstream that ends mid-event drops the unfinished event and closes "ended"; the backend ending every stream closes each project', async () => {
  relay.setRespond((req, res) => {
    if (!isProject(req.url, 'fe_b')) return false
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end('event: message.new\nid: 1\ndata: {"seq":1}\n\nevent: message.new\nid: 2\ndata: {"seq":2}')
    return true
  })

  const stream = await openAll('fault_end', ['fe_a', 'fe_b', 'fe_c'], ['fe_a', 'fe_c'])
  await stream.until(() => stream.statesOf('fe_b').length === 2)

  expect(stream.eventsOf('fe_b')).toEqual([{ event: 'message.new', id: 'fe_b/1', data: '{"seq":1}' }])
  expect(stream.statesOf('fe_b')[1]).toEqual({
    projectId: 'fe_b',
    state: 'closed',
    cursor: 0,
    reason: 'ended',
  })

  relay.endStreams()

  await stream.until(() => ['fe_a', 'fe_c'].every((p) => stream.statesOf(p).length === 2))
  for (const projectId of ['fe_a', 'fe_c']) {
    expect(stream.statesOf(projectId)[1]).toEqual({ projectId, state: 'closed', cursor: 0, reason: 'ended' })
  }
  // The mux itself stays open: the hub re-adds the projects on the same stream.
  expect(stream.ended).toBe(false)
  const streamId = stream.open().streamId
  const readded = await muxControl(stack, await stack.login('fault_end'), {
    streamId,
    add: fromStart('fe_a'),
  })
  expect(readded.status).toBe(204)
  await stream.until(() => stream.statesOf('fe_a').at(-1)?.state === 'open')
  stream.close()
})

test("a stalled project's pings stop while the others' go on; a re-add restarts only that project", async () => {
  let stalled = false
  relay.setRewrite((frame, url) => (stalled && isProject(url, 'fs_b') ? null : frame))
  const cookie = await stack.login('fault_stall')
  const stream = await openMux(stack, cookie, fromStart('fs_a', 'fs_b'))
  const streamId = await streamIdOf(stream)
  await stream.until(() => hasReplayEnd(stream, 'fs_a') && hasReplayEnd(stream, 'fs_b'))
  await stream.until(() => stream.pingsOf('fs_b') >= 1)

  // fs_b's backend stream goes silent: the relay forwards nothing more of it.
  stalled = true
  const aPings = stream.pingsOf('fs_a')
  await stream.until(() => stream.pingsOf('fs_a') >= aPings + 2)
  const bPings = stream.pingsOf('fs_b')
  backend.append('fs_b', 'bob', 'held up by the stall')
  await stream.until(() => stream.pingsOf('fs_a') >= aPings + 5)
  await expectLive(stream, ['fs_a'])

  expect(stream.pingsOf('fs_b')).toBe(bPings)
  expect(stream.seqsOf('fs_b')).toEqual([])
  expect(stream.statesOf('fs_b')).toEqual([{ projectId: 'fs_b', state: 'open', cursor: 0 }])
  const pings = stream.events.filter((event) => event.event === 'mux.ping')
  expect(new Set(pings.map((event) => event.id))).toEqual(new Set(['fs_a/', 'fs_b/']))
  expect(new Set(pings.map((event) => event.data))).toEqual(new Set(['{}']))

  // The hub's watchdog for fs_b fires; it re-adds fs_b at its cursor. fs_a is not touched.
  stalled = false
  const aStates = stream.statesOf('fs_a').length
  expect((await muxControl(stack, cookie, { streamId, add: fromStart('fs_b') })).status).toBe(204)
  await stream.until(() => stream.seqsOf('fs_b').includes(1))
  await stream.until(() => stream.pingsOf('fs_b') > bPings)

  expect(stream.statesOf('fs_b')).toEqual([
    { projectId: 'fs_b', state: 'open', cursor: 0 },
    { projectId: 'fs_b', state: 'closed', cursor: 0, reason: 'replaced' },
    { projectId: 'fs_b', state: 'open', cursor: 0 },
  ])
  expect(stream.statesOf('fs_a')).toHaveLength(aStates)
  stream.close()
})

test('the proxy writes its own ping comment on a quiet stream, even with no project', async () => {
  const cookie = await stack.login('fault_quiet')
  const stream = await openMux(stack, cookie, [])
  await streamIdOf(stream)

  await stream.until(() => stream.comments.length >= 2)

  expect(stream.comments.every((comment) => comment === 'ping')).toBe(true)
  expect(stream.events).toHaveLength(1)
  expect(stream.open().heartbeatMs).toBe(HEARTBEAT_MS)
  stream.close()
})

test('upstream frames are re-emitted verbatim: multi-line data, malformed JSON with its id, no retry:, no mux.* impostors', async () => {
  relay.setRespond((req, res) => {
    if (!isProject(req.url, 'fv_b')) return false
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end(
      [
        'retry: 1\n\n',
        'event: odd.event\ndata: line one\ndata:  line two with a space\r\n\r\n',
        'event: mux.project\ndata: {"projectId":"fv_a","state":"closed","reason":"ended"}\n\n',
        'event: message.new\nid: 7\ndata: {not json\n\n',
        ': keep-alive\n\n',
        'data: no name\n\n',
        'id\n\n',
        'data: id reset\n\n',
      ].join(''),
    )
    return true
  })

  const stream = await openAll('fault_verbatim', ['fv_a', 'fv_b'], ['fv_a'])
  await stream.until(() => stream.statesOf('fv_b').length === 2)

  expect(stream.eventsOf('fv_b')).toEqual([
    { event: 'odd.event', id: 'fv_b/', data: 'line one\n line two with a space' },
    { event: 'message.new', id: 'fv_b/7', data: '{not json' },
    { event: 'message', id: 'fv_b/7', data: 'no name' },
    { event: 'message', id: 'fv_b/', data: 'id reset' },
  ])
  expect(stream.pingsOf('fv_b')).toBe(1)
  expect(stream.text).not.toMatch(/^retry:/m)
  expect(stream.statesOf('fv_a')).toEqual([{ projectId: 'fv_a', state: 'open', cursor: 0 }])
  expect(stream.statesOf('fv_b')[1]).toMatchObject({ state: 'closed', reason: 'ended' })
  stream.close()
})
