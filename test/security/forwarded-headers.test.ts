/**
 * The proxy speaks for the user its `authenticate` names and nobody else: identity and
 * signature headers a browser sends are never forwarded. A loopback relay between proxy and
 * backend records exactly what the backend receives; each request carries the cookie's user
 * and signatures that verify for what was sent, and none of the browser's credentials.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { AUTHENTICATED_USER_HEADER } from '../../src/protocol'
import { type RunningBackend, startBackend } from '../../src/server/backend'
import { verifyRequest } from '../../src/server/signing'
import { type FaultRelay, type RelayedRequest, startFaultRelay } from '../helpers/fault-relay'
import { startStack, TEST_SECRET, type TestStack } from '../helpers/servers'
import { rawRequest } from './raw-http'

let backend: RunningBackend
let relay: FaultRelay
let stack: TestStack
let cookie: string
const backendLog: Array<Record<string, unknown>> = []

beforeAll(async () => {
  backend = await startBackend({
    port: 0,
    dbPath: ':memory:',
    secret: TEST_SECRET,
    log: (entry) => backendLog.push(entry),
  })
  relay = await startFaultRelay(backend.url)
  stack = await startStack({ backendUrl: relay.url })
  cookie = await stack.login('fwd_user')
})

afterAll(async () => {
  await stack.close()
  await relay.close()
  await backend.close()
})

/** What a hostile page or script adds to its requests. */
const FORGED_HEADERS = {
  'x-user-id': 'mallory',
  'x-sheen-timestamp': '1',
  'x-sheen-hmac-signature': 'a'.repeat(64),
  'x-sheen-hmac-signature-v2': 'b'.repeat(64),
  [AUTHENTICATED_USER_HEADER]: 'mallory',
  authorization: 'Bearer stolen-token',
  'x-forwarded-for': '6.6.6.6',
  forwarded: 'for=6.6.6.6;host=evil.example',
  'x-real-ip': '6.6.6.6',
  'x-http-method-override': 'DELETE',
  referer: 'https://evil.example/',
}

/** Headers the backend must never see from the browser. */
const NEVER_UPSTREAM = [
  'cookie',
  'authorization',
  'origin',
  'referer',
  'x-forwarded-for',
  'forwarded',
  'x-real-ip',
  'x-http-method-override',
  AUTHENTICATED_USER_HEADER,
]

/** The relayed request's identity and whether its signatures verify for `body`, V2 required. */
function identity(relayed: RelayedRequest, body?: string) {
  const verified = verifyRequest({
    secret: TEST_SECRET,
    method: relayed.method,
    pathWithQuery: relayed.url,
    headers: relayed.headers,
    body,
    acceptV1: false,
  })
  return {
    userId: relayed.headers['x-user-id'],
    verified: verified.ok ? verified.version : verified.code,
    browserHeaders: NEVER_UPSTREAM.filter((name) => relayed.headers[name] !== undefined),
  }
}

const json = { 'content-type': 'application/json' }

const ROUTES: Array<{ name: string; call: () => Promise<Response>; upstreamBody?: string }> = [
  {
    name: 'GET stream',
    call: () =>
      stack.fetch('/api/persistent-chat/stream?projectId=p_fwd', {
        cookie,
        headers: { ...FORGED_HEADERS, 'last-event-id': '0' },
      }),
  },
  {
    name: 'GET history',
    call: () =>
      stack.fetch('/api/persistent-chat/messages?projectId=p_fwd&after_seq=0', {
        cookie,
        headers: FORGED_HEADERS,
      }),
  },
  {
    name: 'POST send',
    call: () =>
      stack.fetch('/api/persistent-chat/messages', {
        method: 'POST',
        cookie,
        headers: { ...FORGED_HEADERS, ...json },
        body: JSON.stringify({ projectId: 'p_fwd', client_msg_id: 'c_fwd', text: 'hi', userId: 'mallory' }),
      }),
    upstreamBody: '{"client_msg_id":"c_fwd","text":"hi"}',
  },
  {
    name: 'POST presence',
    call: () =>
      stack.fetch('/api/persistent-chat/presence', {
        method: 'POST',
        cookie,
        headers: { ...FORGED_HEADERS, ...json },
        body: JSON.stringify({ projectId: 'p_fwd', status: 'online', userId: 'mallory' }),
      }),
    upstreamBody: '{"status":"online"}',
  },
]

test.each(ROUTES)(
  '$name with forged x-user-id, signature and forwarding headers → the backend sees only the cookie’s user, signed by the proxy',
  async ({ call, upstreamBody }) => {
    const before = relay.requests.length

    const response = await call()
    await response.body?.cancel()

    expect(response.status).toBeLessThan(300)
    expect(response.headers.get(AUTHENTICATED_USER_HEADER)).toBe('fwd_user')
    const relayed = relay.requests.slice(before)
    expect(relayed).toHaveLength(1)
    expect(identity(relayed[0] as RelayedRequest, upstreamBody)).toEqual({
      userId: 'fwd_user',
      verified: 'v2',
      browserHeaders: [],
    })
  },
)

test('the backend’s own log names the cookie’s user for every request it received, forged headers or not', async () => {
  for (const route of ROUTES) await (await route.call()).body?.cancel()

  const users = backendLog.filter((entry) => entry['event'] === 'request').map((entry) => entry['userId'])
  expect(users.length).toBeGreaterThanOrEqual(ROUTES.length)
  expect(new Set(users)).toEqual(new Set(['fwd_user']))
})

test('a sent message is stored under the cookie’s user, not the userId in the body', async () => {
  await stack.fetch('/api/persistent-chat/messages', {
    method: 'POST',
    cookie,
    headers: { ...FORGED_HEADERS, ...json },
    body: JSON.stringify({
      projectId: 'p_fwd_store',
      client_msg_id: 'c_store',
      text: 'hi',
      userId: 'mallory',
    }),
  })

  const response = await stack.fetch('/api/persistent-chat/messages?projectId=p_fwd_store&after_seq=0', {
    cookie,
  })
  const { messages } = (await response.json()) as {
    messages: Array<{ userId: string; client_msg_id: string }>
  }
  expect(messages.map((m) => [m.client_msg_id, m.userId])).toEqual([['c_store', 'fwd_user']])
})

test.each([
  [
    'a header smuggled after Last-Event-ID',
    '/api/persistent-chat/stream?projectId=p_fwd',
    ['Last-Event-ID: 0', 'X-User-Id: mallory'],
  ],
  [
    'a header smuggled with CR LF in the request target',
    '/api/persistent-chat/stream?projectId=p_fwd\r\nX-User-Id: mallory',
    [],
  ],
  [
    'two x-user-id headers',
    '/api/persistent-chat/messages?projectId=p_fwd',
    ['X-User-Id: mallory', 'X-User-Id: fwd_user'],
  ],
])(
  '%s over raw HTTP → no request reaches the backend as anyone but the cookie’s user',
  async (_what, target, headers) => {
    const before = relay.requests.length

    await rawRequest(stack.url, 'GET', target, [`Cookie: ${cookie}`, ...headers])

    const relayed = relay.requests.slice(before)
    expect(relayed.map((r) => r.headers['x-user-id'])).toEqual(relayed.map(() => 'fwd_user'))
    expect(
      relayed.map((r) => r.headers['last-event-id'] ?? null).filter((id) => id !== null && id !== '0'),
    ).toEqual([])
  },
)
