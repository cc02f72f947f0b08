import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startStack, type TestStack } from '../helpers/servers'

let stack: TestStack
let cookie: string

beforeAll(async () => {
  stack = await startStack()
  cookie = await stack.login('validator')
})

afterAll(async () => {
  await stack.close()
})

/** Raw query values, exactly as they appear in the URL. */
const BAD_PROJECT_IDS = ['../x', '%2F', '..%2F', '', 'a'.repeat(65), 'pr%C3%B8j', 'a%20b', 'a.b']
const BAD_CURSORS = ['-1', '1e3', 'abc', '1.5', '', '01', '%201', '99999999999999999']

function backendRequests(): number {
  const backend = stack.server.backend
  if (backend === undefined) throw new Error('reference backend expected')
  return backend.requestCount()
}

async function expectRejectedLocally(response: Response, status = 400): Promise<void> {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = (await response.json()) as { error: { code: string; message: string } }
  expect(typeof body.error.code).toBe('string')
  expect(typeof body.error.message).toBe('string')
}

describe('GET /api/persistent-chat/stream', () => {
  test.each(BAD_PROJECT_IDS)('projectId=%s is a 400 with no upstream request', async (projectId) => {
    const before = backendRequests()
    const response = await stack.fetch(`/api/persistent-chat/stream?projectId=${projectId}`, { cookie })
    await expectRejectedLocally(response)
    expect(backendRequests()).toBe(before)
  })

  test('a missing or repeated projectId is a 400 with no upstream request', async () => {
    const before = backendRequests()
    await expectRejectedLocally(await stack.fetch('/api/persistent-chat/stream', { cookie }))
    await expectRejectedLocally(
      await stack.fetch('/api/persistent-chat/stream?projectId=a&projectId=b', { cookie }),
    )
    expect(backendRequests()).toBe(before)
  })

  test.each(BAD_CURSORS)('from_seq=%s is a 400 with no upstream request', async (cursor) => {
    const before = backendRequests()
    const response = await stack.fetch(`/api/persistent-chat/stream?projectId=p1&from_seq=${cursor}`, {
      cookie,
    })
    await expectRejectedLocally(response)
    expect(backendRequests()).toBe(before)
  })

  test.each(BAD_CURSORS.filter((cursor) => !cursor.includes('%')))(
    'Last-Event-ID: %s is a 400 with no upstream request',
    async (cursor) => {
      const before = backendRequests()
      const response = await stack.fetch('/api/persistent-chat/stream?projectId=p1', {
        cookie,
        headers: { 'last-event-id': cursor },
      })
      await expectRejectedLocally(response)
      expect(backendRequests()).toBe(before)
    },
  )
})

describe('GET /api/persistent-chat/messages', () => {
  test.each(BAD_PROJECT_IDS)('projectId=%s is a 400 with no upstream request', async (projectId) => {
    const before = backendRequests()
    const response = await stack.fetch(`/api/persistent-chat/messages?projectId=${projectId}`, { cookie })
    await expectRejectedLocally(response)
    expect(backendRequests()).toBe(before)
  })

  test.each([
    ...BAD_CURSORS.map((cursor) => `after_seq=${cursor}`),
    ...BAD_CURSORS.map((cursor) => `before_seq=${cursor}`),
    'limit=0',
    'limit=201',
    'limit=-5',
    'limit=ten',
    'after_seq=1&before_seq=5',
  ])('%s is a 400 with no upstream request', async (query) => {
    const before = backendRequests()
    const response = await stack.fetch(`/api/persistent-chat/messages?projectId=p1&${query}`, { cookie })
    await expectRejectedLocally(response)
    expect(backendRequests()).toBe(before)
  })
})

describe('POST bodies', () => {
  const post = (path: string, body: unknown): Promise<Response> =>
    stack.fetch(path, {
      method: 'POST',
      cookie,
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })

  test.each([
    ['not JSON', '{"projectId":'],
    ['an array', []],
    ['a bad projectId', { projectId: '../x', client_msg_id: 'c1', text: 'hi' }],
    ['a missing client_msg_id', { projectId: 'p1', text: 'hi' }],
    ['an empty client_msg_id', { projectId: 'p1', client_msg_id: '', text: 'hi' }],
    ['a 129-char client_msg_id', { projectId: 'p1', client_msg_id: 'c'.repeat(129), text: 'hi' }],
    ['a client_msg_id with spaces', { projectId: 'p1', client_msg_id: 'c 1', text: 'hi' }],
    ['a numeric text', { projectId: 'p1', client_msg_id: 'c1', text: 42 }],
    ['an empty text', { projectId: 'p1', client_msg_id: 'c1', text: '' }],
    ['a bad target', { projectId: 'p1', client_msg_id: 'c1', text: 'hi', target: 'everyone' }],
    ['a bad mode', { projectId: 'p1', client_msg_id: 'c1', text: 'hi', mode: 7 }],
  ])('send with %s is a 400 with no upstream request', async (_name, body) => {
    const before = backendRequests()
    await expectRejectedLocally(await post('/api/persistent-chat/messages', body))
    expect(backendRequests()).toBe(before)
  })

  test('send with a text over 32 KiB is a 413 with no upstream request', async () => {
    const before = backendRequests()
    const body = { projectId: 'p1', client_msg_id: 'c1', text: 'é'.repeat(16 * 1024 + 1) }
    await expectRejectedLocally(await post('/api/persistent-chat/messages', body), 413)
    expect(backendRequests()).toBe(before)
  })

  test('a body over the cap is a 413 with no upstream request, declared or streamed', async () => {
    const before = backendRequests()
    const huge = JSON.stringify({ projectId: 'p1', client_msg_id: 'c1', text: 'x'.repeat(1024 * 1024) })
    await expectRejectedLocally(await post('/api/persistent-chat/messages', huge), 413)

    const encoder = new TextEncoder()
    let sent = 0
    const chunked = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Never-ending body: the proxy must stop reading and answer on its own.
        sent += 1
        controller.enqueue(encoder.encode(sent === 1 ? '{"text":"' : 'x'.repeat(64 * 1024)))
      },
    })
    const response = await stack.fetch('/api/persistent-chat/messages', {
      method: 'POST',
      cookie,
      headers: { 'content-type': 'application/json' },
      body: chunked,
      duplex: 'half',
    } as RequestInit)
    await expectRejectedLocally(response, 413)
    // The body never ends, so the 413 itself shows the proxy stopped reading at its cap. What the
    // client had pulled by then is that plus what the loopback socket buffers took, which grows
    // with load (64 and 65 chunks of 64 KiB were seen on a busy 2-core machine).
    expect(sent).toBeLessThan(256)
    expect(backendRequests()).toBe(before)
  })

  test.each([
    ['a bad projectId', { projectId: 'a/b', status: 'online' }],
    ['a bad status', { projectId: 'p1', status: 'busy' }],
    ['no status', { projectId: 'p1' }],
  ])('presence with %s is a 400 with no upstream request', async (_name, body) => {
    const before = backendRequests()
    await expectRejectedLocally(await post('/api/persistent-chat/presence', body))
    expect(backendRequests()).toBe(before)
  })
})
