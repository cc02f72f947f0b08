import { expect, test } from 'vitest'
import type { ProxyLogEntry } from '../../../src/server/proxy/log'
import { createProxyHandler, type ProxyOptions } from '../../../src/server/proxy/proxy'
import { verifyRequest } from '../../../src/server/signing'

const SECRET = 'unit-secret'
const APP = 'http://app.test'

interface UpstreamCall {
  url: string
  init: RequestInit
  headers: Headers
}

/** A fake backend: records calls and answers with `respond`. Not a network mock: no sockets. */
function harness(
  respond: (call: UpstreamCall) => Response | Promise<Response>,
  overrides: Partial<ProxyOptions> = {},
) {
  const calls: UpstreamCall[] = []
  const logs: ProxyLogEntry[] = []
  const handler = createProxyHandler({
    authenticate: async (request) => (request.headers.get('cookie') === 'ok' ? { userId: 'alice' } : null),
    backendUrl: 'http://backend.test/base/',
    secret: SECRET,
    heartbeatMs: 500,
    fetch: async (url, init) => {
      const call = { url, init, headers: new Headers(init.headers) }
      calls.push(call)
      return respond(call)
    },
    log: (entry) => logs.push(entry),
    ...overrides,
  })
  return { handler, calls, logs }
}

const get = (path: string, headers: Record<string, string> = {}): Request =>
  new Request(APP + path, { headers: { cookie: 'ok', ...headers } })

const post = (path: string, body: unknown): Request =>
  new Request(APP + path, {
    method: 'POST',
    headers: { cookie: 'ok', origin: APP, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

function sse(body: ReadableStream<Uint8Array> | string = ': hi\n\n'): Response {
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
}

test('the stream request is signed for exactly the path and query the backend sees', async () => {
  const { handler, calls } = harness(() => sse())

  const response = await handler(
    get('/api/persistent-chat/stream?projectId=p1&from_seq=4', { 'last-event-id': '9' }),
  )

  expect(response.status).toBe(200)
  const [call] = calls
  expect(call?.url).toBe('http://backend.test/base/v1/projects/p1/chat/stream?from_seq=4')
  expect(call?.headers.get('last-event-id')).toBe('9')
  expect(call?.headers.get('cookie')).toBeNull()
  expect(call?.init.redirect).toBe('error')
  const verified = verifyRequest({
    secret: SECRET,
    method: 'GET',
    pathWithQuery: '/base/v1/projects/p1/chat/stream?from_seq=4',
    headers: call?.headers ?? new Headers(),
    acceptV1: false,
  })
  expect(verified).toEqual({ ok: true, userId: 'alice', version: 'v2' })
  expect(call?.headers.get('x-sheen-hmac-signature')).toMatch(/^[0-9a-f]{64}$/)
})

test('a send is signed over the exact body, which holds only the validated fields', async () => {
  const { handler, calls } = harness(() => Response.json({ message: {}, duplicate: false }, { status: 201 }))

  const response = await handler(
    post('/api/persistent-chat/messages', { projectId: 'p1', client_msg_id: 'c1', text: 'hi', extra: true }),
  )

  expect(response.status).toBe(201)
  const [call] = calls
  expect(call?.init.body).toBe('{"client_msg_id":"c1","text":"hi"}')
  expect(call?.init.signal).toBeDefined()
  const verified = verifyRequest({
    secret: SECRET,
    method: 'POST',
    pathWithQuery: '/base/v1/projects/p1/chat/messages',
    headers: call?.headers ?? new Headers(),
    body: String(call?.init.body),
    acceptV1: false,
  })
  expect(verified.ok).toBe(true)
})

test('a 200 stream that is not text/event-stream is a 502', async () => {
  const { handler } = harness(() => new Response('<html>', { headers: { 'content-type': 'text/html' } }))

  const response = await handler(get('/api/persistent-chat/stream?projectId=p1'))

  expect(response.status).toBe(502)
})

test('an upstream error without an ErrorBody keeps its status and Retry-After under a proxy ErrorBody', async () => {
  const { handler } = harness(
    () => new Response('Service Unavailable', { status: 503, headers: { 'retry-after': '7' } }),
  )

  const response = await handler(get('/api/persistent-chat/stream?projectId=p1'))

  expect(response.status).toBe(503)
  expect(response.headers.get('retry-after')).toBe('7')
  expect(await response.json()).toEqual({
    error: { code: 'upstream_error', message: 'Backend responded 503.' },
  })
})

test('a backend that sends no headers in time is a 504', async () => {
  const { handler } = harness(
    (call) =>
      new Promise((_resolve, reject) => {
        call.init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
      }),
    { upstreamTimeoutMs: 20 },
  )

  const response = await handler(get('/api/persistent-chat/messages?projectId=p1'))

  expect(response.status).toBe(504)
})

test('cancelling the relayed body aborts the upstream request', async () => {
  let upstreamCancelled = false
  const { handler, calls, logs } = harness(() =>
    sse(
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('event: connection.established\ndata: {}\n\n'))
        },
        cancel() {
          upstreamCancelled = true
        },
      }),
    ),
  )
  const response = await handler(get('/api/persistent-chat/stream?projectId=p1'))
  const reader = response.body?.getReader()
  await reader?.read()

  await reader?.cancel()

  expect(calls[0]?.init.signal?.aborted).toBe(true)
  expect(upstreamCancelled).toBe(true)
  expect(logs.at(-1)).toMatchObject({ event: 'stream.closed', reason: 'client_gone', projectId: 'p1' })
})

test('the browser request signal aborting ends the relay and the upstream request', async () => {
  const { handler, calls, logs } = harness(() => sse(new ReadableStream({})))
  const browser = new AbortController()
  const request = new Request(`${APP}/api/persistent-chat/stream?projectId=p1`, {
    headers: { cookie: 'ok' },
    signal: browser.signal,
  })
  await handler(request)

  browser.abort()

  expect(calls[0]?.init.signal?.aborted).toBe(true)
  expect(logs.at(-1)).toMatchObject({ event: 'stream.closed', reason: 'client_gone' })
})

test('shutdown ends open streams cleanly and refuses new ones with 503', async () => {
  const shutdown = new AbortController()
  const { handler, calls } = harness(() => sse(new ReadableStream({})), { signal: shutdown.signal })
  const response = await handler(get('/api/persistent-chat/stream?projectId=p1'))
  const reader = response.body?.getReader()
  const pending = reader?.read()

  shutdown.abort()

  expect(await pending).toEqual({ done: true, value: undefined })
  expect(calls[0]?.init.signal?.aborted).toBe(true)
  expect((await handler(get('/api/persistent-chat/stream?projectId=p1'))).status).toBe(503)
})

test('an authenticate that throws is a 500 whose log line names no secrets', async () => {
  const { handler, logs } = harness(() => sse(), {
    authenticate: async () => {
      throw new Error('db password hunter2')
    },
  })

  const response = await handler(get('/api/persistent-chat/stream?projectId=p1'))

  expect(response.status).toBe(500)
  expect(JSON.stringify(logs)).not.toContain('hunter2')
})

test('a user id that cannot be signed safely is refused before any upstream call', async () => {
  const { handler, calls } = harness(() => sse(), {
    authenticate: async () => ({ userId: 'alice\nx-admin: 1' }),
  })

  const response = await handler(get('/api/persistent-chat/stream?projectId=p1'))

  expect(response.status).toBe(500)
  expect(calls).toHaveLength(0)
})

test('the preflight reports the configured heartbeat without calling upstream', async () => {
  const { handler, calls } = harness(() => sse())

  const response = await handler(post('/api/persistent-chat/stream', {}))

  expect(await response.json()).toMatchObject({ authenticated: true, userId: 'alice', heartbeatMs: 500 })
  expect(calls).toHaveLength(0)
})

test('a custom base path moves every route', async () => {
  const { handler } = harness(() => sse(), { basePath: '/chat-api/' })

  expect((await handler(post('/chat-api/stream', {}))).status).toBe(200)
  expect((await handler(post('/api/persistent-chat/stream', {}))).status).toBe(404)
})
