/**
 * The mux route's bad-input table over real HTTP: every malformed `projects` query and control
 * body gets an exact status and the `{"error":{"code","message"}}` shape, before any request
 * reaches the backend (a relay in between counts them), and a refused control POST changes
 * nothing on the stream.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { MAX_MUX_PROJECTS } from '../../src/protocol'
import { type RunningBackend, startBackend } from '../../src/server/backend'
import { type FaultRelay, startFaultRelay } from '../helpers/fault-relay'
import { type MuxStream, muxControl, muxPath, openMux, streamIdOf } from '../helpers/mux'
import { startStack, TEST_SECRET, type TestStack } from '../helpers/servers'

let backend: RunningBackend
let relay: FaultRelay
let stack: TestStack
let cookie: string
let stream: MuxStream
let streamId: string

beforeAll(async () => {
  backend = await startBackend({ port: 0, dbPath: ':memory:', secret: TEST_SECRET })
  relay = await startFaultRelay(backend.url)
  stack = await startStack({ backendUrl: relay.url })
  cookie = await stack.login('mux_bad_input')
  // One valid stream that every control row targets: a refused row must leave it as it is.
  stream = await openMux(stack, cookie, [{ projectId: 'kept', cursor: 0 }])
  streamId = await streamIdOf(stream)
  await stream.until(() => stream.statesOf('kept').length === 1)
})

afterAll(async () => {
  stream.close()
  await stack.close()
  await relay.close()
  await backend.close()
})

async function outcome(response: Response): Promise<{ status: number; code: string | null }> {
  const body = (await response.json().catch(() => null)) as {
    error?: { code?: unknown; message?: unknown }
  } | null
  const code =
    typeof body?.error?.code === 'string' && typeof body.error.message === 'string' ? body.error.code : null
  return { status: response.status, code }
}

const ids = (count: number, prefix = 'q') => Array.from({ length: count }, (_, index) => `${prefix}${index}`)
const longId = 'x'.repeat(65)

const QUERY_ROWS: [name: string, query: string | null, status: number][] = [
  ['no projects parameter', null, 400],
  ['projects given twice', 'projects=a:0&projects=b:0', 400],
  ['an entry without a cursor', 'projects=a', 400],
  ['an entry with an empty cursor', 'projects=a:', 400],
  ['an entry with an empty id', 'projects=:0', 400],
  ['a negative cursor', 'projects=a:-1', 400],
  ['a cursor with a leading zero', 'projects=a:01', 400],
  ['a fractional cursor', 'projects=a:1.5', 400],
  ['a cursor in exponent form', 'projects=a:1e3', 400],
  ['a cursor beyond 2^53', 'projects=a:9007199254740993', 400],
  ['a cursor with a plus sign', `projects=${encodeURIComponent('a:+1')}`, 400],
  ['an id with a slash', `projects=${encodeURIComponent('a/b:0')}`, 400],
  ['an id with a dot', 'projects=a.b:0', 400],
  ['an id of 65 characters', `projects=${longId}:0`, 400],
  ['an id with a space', `projects=${encodeURIComponent('a b:0')}`, 400],
  ['a trailing comma', 'projects=a:0,', 400],
  ['an empty entry in the middle', 'projects=a:0,,b:0', 400],
  ['two colons', 'projects=a:0:1', 400],
  ['a project listed twice', 'projects=a:0,b:0,a:3', 400],
  [`${MAX_MUX_PROJECTS + 1} projects`, `projects=${ids(MAX_MUX_PROJECTS + 1).map((id) => `${id}:0`)}`, 400],
]

test.each(QUERY_ROWS)('GET mux with %s is 400 before any upstream call', async (_name, query, status) => {
  const before = relay.requests.length

  const response = await stack.fetch(`/api/persistent-chat/mux${query === null ? '' : `?${query}`}`, {
    cookie,
  })

  expect(await outcome(response)).toEqual({ status, code: 'bad_request' })
  expect(relay.requests.length).toBe(before)
})

test(`GET mux with exactly ${MAX_MUX_PROJECTS} projects is accepted`, async () => {
  const projects = ids(MAX_MUX_PROJECTS, 'max').map((projectId) => ({ projectId, cursor: 0 }))
  const own = await stack.login('mux_bad_input_max')
  const full = await openMux(stack, own, projects)
  await full.until(() => projects.every(({ projectId }) => full.statesOf(projectId).length === 1))
  expect(full.status).toBe(200)
  full.close()
})

test('GET mux with a percent-encoded but valid list is accepted', async () => {
  const own = await stack.login('mux_bad_input_encoded')
  const response = await fetch(`${stack.url}${muxPath('enc_a:0,enc_b:12')}`, { headers: { cookie: own } })
  expect(response.status).toBe(200)
  await response.body?.cancel()
})

const tooMany = (prefix: string) =>
  ids(MAX_MUX_PROJECTS + 1, prefix).map((projectId) => ({ projectId, cursor: 0 }))

const BODY_ROWS: [name: string, body: (id: string) => unknown, status: number, code: string][] = [
  ['truncated JSON', () => '{"streamId":', 400, 'bad_request'],
  ['an empty body', () => '', 400, 'bad_request'],
  ['plain text', () => 'add p1', 400, 'bad_request'],
  ['JSON null', () => 'null', 400, 'bad_request'],
  ['a JSON array', (id) => [{ streamId: id }], 400, 'bad_request'],
  ['no streamId', () => ({ add: [{ projectId: 'p1', cursor: 0 }] }), 400, 'bad_request'],
  ['a numeric streamId', () => ({ streamId: 12345 }), 400, 'bad_request'],
  ['a streamId of the wrong length', (id) => ({ streamId: `${id}x` }), 400, 'bad_request'],
  [
    'add that is an object',
    (id) => ({ streamId: id, add: { projectId: 'p1', cursor: 0 } }),
    400,
    'bad_request',
  ],
  ['add with a bare id', (id) => ({ streamId: id, add: ['p1'] }), 400, 'bad_request'],
  ['add without a cursor', (id) => ({ streamId: id, add: [{ projectId: 'p1' }] }), 400, 'bad_request'],
  [
    'add with a string cursor',
    (id) => ({ streamId: id, add: [{ projectId: 'p1', cursor: '3' }] }),
    400,
    'bad_request',
  ],
  [
    'add with a negative cursor',
    (id) => ({ streamId: id, add: [{ projectId: 'p1', cursor: -1 }] }),
    400,
    'bad_request',
  ],
  [
    'add with a fractional cursor',
    (id) => ({ streamId: id, add: [{ projectId: 'p1', cursor: 1.5 }] }),
    400,
    'bad_request',
  ],
  [
    'add with an unsafe cursor',
    (id) => ({ streamId: id, add: [{ projectId: 'p1', cursor: 2 ** 53 }] }),
    400,
    'bad_request',
  ],
  [
    'add with a bad id',
    (id) => ({ streamId: id, add: [{ projectId: 'a/b', cursor: 0 }] }),
    400,
    'bad_request',
  ],
  [
    'add listing a project twice',
    (id) => ({
      streamId: id,
      add: [
        { projectId: 'p1', cursor: 0 },
        { projectId: 'p1', cursor: 4 },
      ],
    }),
    400,
    'bad_request',
  ],
  ['remove that is a string', (id) => ({ streamId: id, remove: 'kept' }), 400, 'bad_request'],
  ['remove with a number', (id) => ({ streamId: id, remove: [7] }), 400, 'bad_request'],
  ['remove with a bad id', (id) => ({ streamId: id, remove: [longId] }), 400, 'bad_request'],
  [
    'remove listing a project twice',
    (id) => ({ streamId: id, remove: ['kept', 'kept'] }),
    400,
    'bad_request',
  ],
  [
    'a project both added and removed',
    (id) => ({ streamId: id, add: [{ projectId: 'kept', cursor: 0 }], remove: ['kept'] }),
    400,
    'bad_request',
  ],
  [
    `add of ${MAX_MUX_PROJECTS + 1} projects`,
    (id) => ({ streamId: id, add: tooMany('a') }),
    400,
    'bad_request',
  ],
  [
    `add that would leave ${MAX_MUX_PROJECTS + 1} projects on the stream`,
    (id) => ({ streamId: id, add: tooMany('b').slice(1) }),
    400,
    'bad_request',
  ],
  [
    'a body over the size limit',
    (id) => ({ streamId: id, remove: [], padding: 'x'.repeat(20_000) }),
    413,
    'payload_too_large',
  ],
  ['an unknown stream', () => ({ streamId: 'B'.repeat(22), remove: ['kept'] }), 404, 'unknown_stream'],
]

test.each(BODY_ROWS)('POST mux with %s is refused and changes nothing', async (_name, body, status, code) => {
  const before = relay.requests.length
  const events = stream.events.length

  const response = await muxControl(stack, cookie, body(streamId))

  expect(await outcome(response)).toEqual({ status, code })
  expect(relay.requests.length).toBe(before)
  expect(stream.events.length).toBe(events)
  expect(backend.openStreams('mux_bad_input')).toBe(1)
})

test('POST mux with an empty change or unknown fields is a 204 no-op', async () => {
  const before = relay.requests.length
  const events = stream.events.length

  expect((await muxControl(stack, cookie, { streamId })).status).toBe(204)
  expect((await muxControl(stack, cookie, { streamId, add: [], remove: [], note: 'ignored' })).status).toBe(
    204,
  )

  expect(relay.requests.length).toBe(before)
  expect(stream.events.length).toBe(events)
})

test('other methods on /mux are 405 with Allow', async () => {
  const response = await stack.fetch('/api/persistent-chat/mux', { method: 'DELETE', cookie })
  expect(response.status).toBe(405)
  expect(response.headers.get('allow')).toBe('GET, POST')
})
