/**
 * The bad-input table at the proxy, over real HTTP on loopback: request bodies that are not
 * JSON, JSON of the wrong shape, huge bodies, wrong content types and methods, each answered
 * with an exact status and the `{"error":{"code","message"}}` shape, before any upstream call
 * when the proxy itself can tell. Then answers from the backend the proxy must not pass on as
 * they are, injected by a loopback relay.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RunningBackend, startBackend } from '../../src/server/backend'
import { type FaultRelay, startFaultRelay } from '../helpers/fault-relay'
import { startStack, TEST_SECRET, type TestStack } from '../helpers/servers'

let backend: RunningBackend
let relay: FaultRelay
let stack: TestStack
let cookie: string

beforeAll(async () => {
  backend = await startBackend({ port: 0, dbPath: ':memory:', secret: TEST_SECRET })
  relay = await startFaultRelay(backend.url)
  stack = await startStack({ backendUrl: relay.url })
  cookie = await stack.login('bad_input_proxy')
})

afterAll(async () => {
  await stack.close()
  await relay.close()
  await backend.close()
})

/** Requests that reached the backend (through the relay). */
const upstreamRequests = () => relay.requests.length

/** The status and error code of an `ErrorBody` response; `null` code when it is not one. */
async function outcome(response: Response): Promise<{ status: number; code: string | null }> {
  const text = await response.text()
  let code: string | null = null
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
    if (typeof body.error?.code === 'string' && typeof body.error.message === 'string') code = body.error.code
  } catch {
    // not JSON: code stays null
  }
  return { status: response.status, code }
}

const sendBody = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    projectId: 'p1',
    client_msg_id: `c_${Math.random().toString(36).slice(2)}`,
    text: 'hi',
    ...fields,
  })

const utf8 = (text: string) => new TextEncoder().encode(text)

interface BodyRow {
  name: string
  path: string
  body: string | Uint8Array<ArrayBuffer>
  contentType?: string | undefined
  status: number
  code: string | null
  /** Whether the backend is asked (the proxy cannot tell on its own). */
  upstream: boolean
}

const BODY_ROWS: BodyRow[] = [
  // send: POST /api/persistent-chat/messages
  ...(
    [
      ['truncated JSON', '{"projectId":"p1",'],
      ['an empty body', ''],
      ['plain text', 'hello'],
      ['JSON null', 'null'],
      ['a JSON string', '"hi"'],
      ['a JSON number', '42'],
      ['a JSON array', '[{"projectId":"p1","client_msg_id":"c1","text":"hi"}]'],
      ['a form-encoded body', 'projectId=p1&client_msg_id=c1&text=hi'],
      ['NaN in the JSON', '{"projectId":"p1","client_msg_id":"c1","text":NaN}'],
      ['JSON with a trailing comma', '{"projectId":"p1","client_msg_id":"c1","text":"hi",}'],
      ['fields only under __proto__', '{"__proto__":{"projectId":"p1","client_msg_id":"c1","text":"hi"}}'],
      [
        'a repeated key whose last value is bad',
        '{"projectId":"p1","projectId":"../x","client_msg_id":"c1","text":"hi"}',
      ],
      ['an array nested 100,000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
      ['text as an array', sendBody({ text: ['hi'] })],
      ['text as an object', sendBody({ text: { toString: 'hi' } })],
      ['text null', sendBody({ text: null })],
      ['client_msg_id as a number', sendBody({ client_msg_id: 7 })],
      ['client_msg_id with a CR/LF', sendBody({ client_msg_id: 'c1\r\nx-user-id: mallory' })],
      ['projectId as an array', sendBody({ projectId: ['p1'] })],
      ['mode with spaces', sendBody({ mode: 'build now' })],
      ['target "everyone"', sendBody({ target: 'everyone' })],
    ] as const
  ).map(
    ([what, body]): BodyRow => ({
      name: `send with ${what} → 400 bad_request, no upstream request`,
      path: '/api/persistent-chat/messages',
      body,
      status: 400,
      code: 'bad_request',
      upstream: false,
    }),
  ),
  {
    name: 'send with invalid UTF-8 → 400 bad_request, no upstream request',
    path: '/api/persistent-chat/messages',
    body: new Uint8Array([...utf8('{"projectId":"p1","client_msg_id":"c1","text":"'), 0xff, ...utf8('"}')]),
    status: 400,
    code: 'bad_request',
    upstream: false,
  },
  {
    name: 'send with a text of 32 KiB + 1 byte → 413 payload_too_large, no upstream request',
    path: '/api/persistent-chat/messages',
    body: sendBody({ text: 'x'.repeat(32 * 1024 + 1) }),
    status: 413,
    code: 'payload_too_large',
    upstream: false,
  },
  {
    name: 'send with a 1 MB body → 413 payload_too_large, no upstream request',
    path: '/api/persistent-chat/messages',
    body: sendBody({ padding: 'x'.repeat(1024 * 1024) }),
    status: 413,
    code: 'payload_too_large',
    upstream: false,
  },
  {
    name: 'send with a whitespace-only text → 400 from the backend, relayed in the error shape',
    path: '/api/persistent-chat/messages',
    body: sendBody({ text: '   ' }),
    status: 400,
    code: 'invalid_body',
    upstream: true,
  },
  // The proxy reads JSON whatever the declared type; the Origin check is what stops cross-site posts.
  ...(
    [
      ['text/plain', 201],
      ['application/x-www-form-urlencoded', 201],
      ['multipart/form-data; boundary=x', 201],
      [undefined, 201],
    ] as const
  ).map(
    ([contentType, status]): BodyRow => ({
      name: `send of valid JSON declared as ${contentType ?? 'nothing'} → ${status}, read as JSON`,
      path: '/api/persistent-chat/messages',
      body: sendBody(),
      contentType,
      status,
      code: null,
      upstream: true,
    }),
  ),
  {
    name: 'send of valid JSON after a UTF-8 byte order mark → 201',
    path: '/api/persistent-chat/messages',
    body: `\uFEFF${sendBody()}`,
    status: 201,
    code: null,
    upstream: true,
  },
  // presence: POST /api/persistent-chat/presence
  ...(
    [
      ['truncated JSON', '{"projectId":'],
      ['an empty body', ''],
      ['a JSON array', '[]'],
      ['status "busy"', '{"projectId":"p1","status":"busy"}'],
      ['status as a number', '{"projectId":"p1","status":1}'],
      ['no projectId', '{"status":"online"}'],
    ] as const
  ).map(
    ([what, body]): BodyRow => ({
      name: `presence with ${what} → 400 bad_request, no upstream request`,
      path: '/api/persistent-chat/presence',
      body,
      status: 400,
      code: 'bad_request',
      upstream: false,
    }),
  ),
  {
    name: 'presence with a 1 MB body → 413 payload_too_large, no upstream request',
    path: '/api/persistent-chat/presence',
    body: JSON.stringify({ projectId: 'p1', status: 'online', padding: 'x'.repeat(1024 * 1024) }),
    status: 413,
    code: 'payload_too_large',
    upstream: false,
  },
  // dev login: POST /api/dev/login
  ...(
    [
      ['truncated JSON', '{"userId":', 400, 'bad_request'],
      ['a JSON array', '["alice"]', 400, 'bad_request'],
      ['a userId with a slash', '{"userId":"a/b"}', 400, 'bad_request'],
      ['a userId with a Cyrillic letter', '{"userId":"аlice"}', 400, 'bad_request'],
      [
        'a 5 KB body',
        JSON.stringify({ userId: 'alice', padding: 'x'.repeat(5000) }),
        413,
        'payload_too_large',
      ],
    ] as const
  ).map(
    ([what, body, status, code]): BodyRow => ({
      name: `dev login with ${what} → ${status} ${code}`,
      path: '/api/dev/login',
      body,
      status,
      code,
      upstream: false,
    }),
  ),
]

test.each(BODY_ROWS)('$name', async ({ path, body, contentType, status, code, upstream }) => {
  const before = upstreamRequests()
  const headers: Record<string, string> = {}
  if (contentType !== undefined) headers['content-type'] = contentType

  const response = await stack.fetch(path, { method: 'POST', cookie, headers, body })

  expect(await outcome(response)).toEqual({ status, code })
  if (code !== null) expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  expect(upstreamRequests() - before).toBe(upstream ? 1 : 0)
})

test.each([
  ['PUT', '/api/persistent-chat/messages', 'GET, POST'],
  ['DELETE', '/api/persistent-chat/messages', 'GET, POST'],
  ['PATCH', '/api/persistent-chat/stream', 'GET, POST'],
  ['OPTIONS', '/api/persistent-chat/stream', 'GET, POST'],
  ['GET', '/api/persistent-chat/presence', 'POST'],
  ['GET', '/api/dev/login', 'POST'],
])('%s %s → 405 method_not_allowed with Allow: %s, no upstream request', async (method, path, allow) => {
  const before = upstreamRequests()

  const response = await stack.fetch(path, { method, cookie })

  expect(await outcome(response)).toEqual({ status: 405, code: 'method_not_allowed' })
  expect(response.headers.get('allow')).toBe(allow)
  expect(upstreamRequests()).toBe(before)
})

// ── answers from the backend that must not reach the browser as they are ───────────────────

interface UpstreamRow {
  name: string
  /** Which proxy request to make. */
  request: 'history' | 'send' | 'stream'
  respond: (res: import('node:http').ServerResponse) => void
  status: number
  code: string
}

const UPSTREAM_ROWS: UpstreamRow[] = [
  {
    name: 'an upstream 500 with an HTML body → 500 upstream_error',
    request: 'history',
    respond: (res) => res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Oops</h1>'),
    status: 500,
    code: 'upstream_error',
  },
  {
    name: 'an upstream 404 with a JSON body of another shape → 404 upstream_error',
    request: 'history',
    respond: (res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"nope"}'),
    status: 404,
    code: 'upstream_error',
  },
  {
    name: 'an upstream 400 ErrorBody → relayed with its own code',
    request: 'send',
    respond: (res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"error":{"code":"invalid_body","message":"no"}}'),
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'an upstream error with a 1 MB body → its status, upstream_error',
    request: 'history',
    respond: (res) => res.writeHead(503, { 'content-type': 'application/json' }).end('x'.repeat(1024 * 1024)),
    status: 503,
    code: 'upstream_error',
  },
  ...[300, 304, 399].flatMap((status) =>
    (['history', 'send', 'stream'] as const).map(
      (request): UpstreamRow => ({
        name: `an upstream ${status} on ${request} → 502 bad_gateway`,
        request,
        respond: (res) => res.writeHead(status).end(),
        status: 502,
        code: 'bad_gateway',
      }),
    ),
  ),
  ...[301, 302, 307, 308].map(
    (status): UpstreamRow => ({
      name: `an upstream ${status} redirect on send → 502 bad_gateway, not followed with the signatures`,
      request: 'send',
      respond: (res) => res.writeHead(status, { location: `${relay.url}/redirected` }).end(),
      status: 502,
      code: 'bad_gateway',
    }),
  ),
  ...(
    [
      ['history', 200, 'text/html', '<script>alert(document.cookie)</script>'],
      ['history', 200, undefined, '{"messages":[],"hasMore":false,"latestSeq":0}'],
      ['send', 201, 'text/plain', '{"message":{},"duplicate":false}'],
    ] as const
  ).map(
    ([request, status, contentType, body]): UpstreamRow => ({
      name: `an upstream ${status} ${request} as ${contentType ?? 'no content type'} → 502 bad_gateway, not served from our origin`,
      request,
      respond: (res) => {
        res.writeHead(status, contentType === undefined ? {} : { 'content-type': contentType }).end(body)
      },
      status: 502,
      code: 'bad_gateway',
    }),
  ),
  {
    name: 'an upstream 200 stream as text/html → 502 bad_gateway',
    request: 'stream',
    respond: (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<script>alert(1)</script>'),
    status: 502,
    code: 'bad_gateway',
  },
]

const PROXY_REQUESTS = {
  history: () => stack.fetch('/api/persistent-chat/messages?projectId=p1', { cookie }),
  send: () =>
    stack.fetch('/api/persistent-chat/messages', {
      method: 'POST',
      cookie,
      headers: { 'content-type': 'application/json' },
      body: sendBody(),
    }),
  stream: () => stack.fetch('/api/persistent-chat/stream?projectId=p1', { cookie }),
}

test.each(UPSTREAM_ROWS)('$name', async ({ request, respond, status, code }) => {
  relay.setRespond((_req, res) => {
    respond(res)
    return true
  })

  try {
    const response = await PROXY_REQUESTS[request]()

    expect(await outcome(response)).toEqual({ status, code })
    expect(relay.requests.filter((r) => r.url.startsWith('/redirected'))).toEqual([])
  } finally {
    relay.setRespond(null)
  }
})
