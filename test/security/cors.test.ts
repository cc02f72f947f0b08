/**
 * No cross-origin reads: over real HTTP, no response of any route of the app, the proxy or the
 * reference backend carries `Access-Control-Allow-Origin` (let alone `*`) or
 * `Access-Control-Allow-Credentials`, whatever the method, the cookie or the outcome: successes,
 * errors, 404s, 405s and CORS preflights alike.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import { signRequest } from '../../src/server/signing'
import { startStack, TEST_SECRET, type TestStack } from '../helpers/servers'

let stack: TestStack
let backend: RunningBackend
let cookie: string

beforeAll(async () => {
  stack = await startStack()
  backend = stack.server.backend as RunningBackend
  cookie = await stack.login('cors_user')
})

afterAll(() => stack.close())

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']
const EVIL = 'https://evil.example'

/** The CORS headers of a response, which must all be absent. */
async function corsHeaders(response: Response): Promise<Record<string, string>> {
  await response.body?.cancel()
  const found: Record<string, string> = {}
  for (const [name, value] of response.headers)
    if (name.startsWith('access-control-allow-')) found[name] = value
  return found
}

const SITE_PATHS = [
  '/api/persistent-chat/stream?projectId=p_cors',
  '/api/persistent-chat/messages?projectId=p_cors',
  '/api/persistent-chat/presence',
  '/api/persistent-chat/stream?projectId=..%2F',
  '/api/persistent-chat/unknown',
  '/api/dev/login',
  '/api/dev/logout',
  '/api/unknown',
  '/login',
  '/',
  '/assets/app.js',
  '/sw.js',
]

test.each(SITE_PATHS)(
  'every method on %s, with and without a cookie, from a foreign origin → no Access-Control-Allow-* header',
  async (path) => {
    const seen: Array<[string, number, Record<string, string>]> = []

    for (const method of METHODS) {
      for (const withCookie of [true, false]) {
        const headers: Record<string, string> = {
          origin: EVIL,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, last-event-id',
        }
        if (withCookie) headers['cookie'] = cookie
        const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS'
        const response = await fetch(stack.url + path, {
          method,
          headers,
          body: hasBody ? '{"projectId":"p_cors","status":"online","userId":"x"}' : null,
          redirect: 'manual',
        })
        seen.push([
          `${method}${withCookie ? ' with cookie' : ''}`,
          response.status,
          await corsHeaders(response),
        ])
      }
    }

    expect(seen.filter(([, , cors]) => Object.keys(cors).length > 0)).toEqual([])
  },
)

test('the successful responses too: preflight, stream, history, send, presence, login and logout from the app’s own origin carry no Access-Control-Allow-* header', async () => {
  const same = { origin: stack.url, 'content-type': 'application/json' }
  const responses = [
    await stack.fetch('/api/persistent-chat/stream', { method: 'POST', cookie, headers: same }),
    await stack.fetch('/api/persistent-chat/stream?projectId=p_cors', { cookie }),
    await stack.fetch('/api/persistent-chat/messages?projectId=p_cors', { cookie }),
    await stack.fetch('/api/persistent-chat/messages', {
      method: 'POST',
      cookie,
      headers: same,
      body: JSON.stringify({ projectId: 'p_cors', client_msg_id: 'c_cors', text: 'hi' }),
    }),
    await stack.fetch('/api/persistent-chat/presence', {
      method: 'POST',
      cookie,
      headers: same,
      body: JSON.stringify({ projectId: 'p_cors', status: 'online' }),
    }),
    await stack.fetch('/api/dev/login', { method: 'POST', headers: same, body: '{"userId":"cors_user"}' }),
    await stack.fetch('/api/dev/logout', { method: 'POST', headers: same, body: '{}' }),
  ]

  expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 201, 204, 200, 204])
  for (const response of responses) expect(await corsHeaders(response)).toEqual({})
})

const BACKEND_PATHS = [
  '/v1/projects/p_cors/chat/stream',
  '/v1/projects/p_cors/chat/messages',
  '/v1/projects/p_cors/chat/presence',
  '/v1/projects/..%2F/chat/messages',
  '/v1/unknown',
  '/',
]

test.each(BACKEND_PATHS)(
  'every method on the backend’s %s, signed and unsigned, from a foreign origin → no Access-Control-Allow-* header',
  async (path) => {
    const seen: Array<[string, number, Record<string, string>]> = []

    for (const method of METHODS) {
      for (const signed of [true, false]) {
        const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS'
        const body = hasBody ? '{"client_msg_id":"c_cors_b","text":"hi","status":"online"}' : undefined
        const headers: Record<string, string> = { origin: EVIL, 'access-control-request-method': 'POST' }
        if (signed) {
          Object.assign(
            headers,
            signRequest({ secret: TEST_SECRET, method, pathWithQuery: path, userId: 'cors_user', body }),
          )
        }
        const response = await fetch(backend.url + path, { method, headers, body: body ?? null })
        seen.push([`${method}${signed ? ' signed' : ''}`, response.status, await corsHeaders(response)])
      }
    }

    expect(seen.filter(([, , cors]) => Object.keys(cors).length > 0)).toEqual([])
  },
)
