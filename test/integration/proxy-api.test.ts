import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { HistoryResponse, PreflightResponse, SendMessageResponse } from '../../src/protocol/wire'
import { openSse, type SseStream, startStack, type TestStack, waitFor } from '../helpers/servers'

let stack: TestStack
let alice: string
const responses: Response[] = []

beforeAll(async () => {
  stack = await startStack({ heartbeatMs: 1234 })
  alice = await stack.login('alice')
})

afterAll(async () => {
  await stack.close()
})

/** Every response a test looks at is also checked for a wildcard CORS header at the end. */
async function call(path: string, init?: Parameters<TestStack['fetch']>[1]): Promise<Response> {
  const response = await stack.fetch(path, init)
  responses.push(response)
  return response
}

function postJson(
  path: string,
  body: unknown,
  init: Parameters<TestStack['fetch']>[1] = {},
): Promise<Response> {
  return call(path, {
    cookie: alice,
    ...init,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify(body),
  })
}

describe('auth preflight', () => {
  test('an authenticated preflight reports the user and the heartbeat', async () => {
    const before = Date.now()
    const response = await postJson('/api/persistent-chat/stream', {})

    expect(response.status).toBe(200)
    const body = (await response.json()) as PreflightResponse
    expect(body).toEqual({
      authenticated: true,
      userId: 'alice',
      timestamp: expect.any(Number),
      heartbeatMs: 1234,
    })
    expect(body.timestamp).toBeGreaterThanOrEqual(before)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  test('a preflight without a cookie is a 401 ErrorBody', async () => {
    const response = await postJson('/api/persistent-chat/stream', {}, { cookie: undefined })

    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } })
  })
})

describe('authentication', () => {
  test.each([
    ['no cookie', undefined],
    ['a tampered signature', () => alice.replace(/.$/, (c) => (c === '0' ? '1' : '0'))],
    ['a different user with the same signature', () => alice.replace('alice', 'bob')],
    ['garbage', () => 'pc_session=hello'],
  ])('a stream request with %s is a 401 with no upstream request', async (_name, makeCookie) => {
    const before = stack.server.backend?.requestCount()
    const response = await call('/api/persistent-chat/stream?projectId=p1', {
      cookie: typeof makeCookie === 'function' ? makeCookie() : makeCookie,
    })

    expect(response.status).toBe(401)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthenticated')
    expect(stack.server.backend?.requestCount()).toBe(before)
  })
})

describe('Origin check on state-changing routes', () => {
  test.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Origin: null', { origin: 'null' }],
    ['the same host on another port', { origin: 'http://127.0.0.1:1' }],
  ])('a POST with %s is a 403 before authentication', async (_name, headers) => {
    for (const path of [
      '/api/persistent-chat/stream',
      '/api/persistent-chat/messages',
      '/api/persistent-chat/presence',
    ]) {
      const response = await postJson(path, { projectId: 'p1', status: 'online' }, { headers })
      expect(response.status).toBe(403)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden_origin')
    }
  })

  test('a POST without Origin is a 403', async () => {
    // undici's fetch adds no Origin of its own for a Node client.
    const response = await fetch(`${stack.url}/api/persistent-chat/stream`, {
      method: 'POST',
      headers: { cookie: alice },
    })
    responses.push(response)
    expect(response.status).toBe(403)
  })

  test('an allowed extra origin may POST', async () => {
    const other = await startStack({ allowedOrigins: ['https://app.example.com/'] })
    try {
      const cookie = await other.login('zed')
      const response = await other.fetch('/api/persistent-chat/stream', {
        method: 'POST',
        cookie,
        headers: { origin: 'https://app.example.com' },
      })
      expect(response.status).toBe(200)
    } finally {
      await other.close()
    }
  })
})

describe('history and send', () => {
  test('a message sent through the proxy is in the history and on the stream', async () => {
    const stream = await openSse(`${stack.url}/api/persistent-chat/stream?projectId=p_send`, {
      cookie: alice,
    })
    await stream.until(() => stream.events.some((event) => event.event === 'replay.end'))

    const sent = await postJson('/api/persistent-chat/messages', {
      projectId: 'p_send',
      client_msg_id: 'client_1',
      text: 'hello ✓',
      mode: 'build',
      target: 'team',
      ignored: 'not forwarded',
    })
    expect(sent.status).toBe(201)
    const created = (await sent.json()) as SendMessageResponse
    expect(created.duplicate).toBe(false)
    expect(created.message).toMatchObject({
      seq: 1,
      client_msg_id: 'client_1',
      userId: 'alice',
      content: { text: 'hello ✓' },
    })

    const again = await postJson('/api/persistent-chat/messages', {
      projectId: 'p_send',
      client_msg_id: 'client_1',
      text: 'hello ✓',
    })
    expect(again.status).toBe(200)
    expect(((await again.json()) as SendMessageResponse).duplicate).toBe(true)

    const history = await call('/api/persistent-chat/messages?projectId=p_send&after_seq=0&limit=10', {
      cookie: alice,
    })
    expect(history.status).toBe(200)
    const page = (await history.json()) as HistoryResponse
    expect(page.messages.map((message) => message.client_msg_id)).toEqual(['client_1'])
    expect(page.latestSeq).toBe(1)

    await stream.until(() => stream.events.some((event) => event.event === 'message.new'))
    stream.close()
  })

  test('history pages backwards with before_seq', async () => {
    const backend = stack.server.backend
    for (let i = 1; i <= 5; i += 1) backend?.append('p_pages', 'bob', `m${i}`)

    const response = await call('/api/persistent-chat/messages?projectId=p_pages&before_seq=5&limit=2', {
      cookie: alice,
    })

    const page = (await response.json()) as HistoryResponse
    expect(page.messages.map((message) => message.seq)).toEqual([3, 4])
    expect(page.latestSeq).toBe(5)
  })

  test('presence is relayed as 204', async () => {
    const response = await postJson('/api/persistent-chat/presence', { projectId: 'p_send', status: 'away' })
    expect(response.status).toBe(204)
  })
})

describe('upstream errors are relayed', () => {
  test('the 11th stream of one user gets the backend 429 with Retry-After', async () => {
    const heavy = await stack.login('heavy')
    const streams: SseStream[] = []
    for (let i = 0; i < 10; i += 1) {
      const stream = await openSse(`${stack.url}/api/persistent-chat/stream?projectId=p_${i}`, {
        cookie: heavy,
      })
      await stream.until(() => stream.events.length > 0)
      streams.push(stream)
    }

    const eleventh = await call('/api/persistent-chat/stream?projectId=p_11', { cookie: heavy })

    expect(eleventh.status).toBe(429)
    expect(eleventh.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(((await eleventh.json()) as { error: { code: string } }).error.code).toBe('too_many_streams')
    for (const stream of streams) stream.close()
    await waitFor(() => stack.server.backend?.openStreams('heavy') === 0, 1000, 'streams to close')
  })

  test('a private project is the backend 403', async () => {
    const response = await call('/api/persistent-chat/stream?projectId=private_x', { cookie: alice })

    expect(response.status).toBe(403)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(((await response.json()) as { error: { code: string } }).error).toBeDefined()

    const history = await call('/api/persistent-chat/messages?projectId=private_x', { cookie: alice })
    expect(history.status).toBe(403)
  })

  test('an unreachable backend is a 502 ErrorBody', async () => {
    const orphan = await startStack({ backendUrl: 'http://127.0.0.1:9' })
    try {
      const cookie = await orphan.login('lonely')
      for (const path of [
        '/api/persistent-chat/stream?projectId=p1',
        '/api/persistent-chat/messages?projectId=p1',
      ]) {
        const response = await orphan.fetch(path, { cookie })
        expect(response.status).toBe(502)
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('bad_gateway')
      }
    } finally {
      await orphan.close()
    }
  })

  test('a wrong shared secret surfaces as the backend 401', async () => {
    const backendUrl = stack.server.backendUrl
    const mismatched = await startStack({ backendUrl, secret: 'not-the-backend-secret' })
    try {
      const cookie = await mismatched.login('alice')
      const response = await mismatched.fetch('/api/persistent-chat/stream?projectId=p1', { cookie })
      expect(response.status).toBe(401)
    } finally {
      await mismatched.close()
    }
  })
})

describe('routing', () => {
  test('unknown routes are 404 and wrong methods 405, as ErrorBody', async () => {
    const missing = await call('/api/persistent-chat/nope', { cookie: alice })
    expect(missing.status).toBe(404)
    const wrongMethod = await call('/api/persistent-chat/presence', { cookie: alice })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
  })
})

describe('logs and headers', () => {
  test('log lines name route, status, time, user and project, and never the cookie or signatures', () => {
    const streamLine = stack.logs.find((entry) => entry.event === 'request' && entry.projectId === 'p_send')
    expect(streamLine).toMatchObject({
      route: expect.any(String),
      status: expect.any(Number),
      ms: expect.any(Number),
      userId: 'alice',
    })
    const text = stack.logs.map((entry) => JSON.stringify(entry)).join('\n')
    const cookieValue = alice.split('=')[1] ?? ''
    expect(text).not.toContain(cookieValue)
    expect(text).not.toContain(cookieValue.split('.')[2])
    expect(text).not.toMatch(/[0-9a-f]{64}/)
    expect(text).not.toContain('test-worker-shared-secret')
  })

  test('no response carries Access-Control-Allow-Origin', () => {
    expect(responses.length).toBeGreaterThan(10)
    for (const response of responses) expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})
