/**
 * CSRF guard over real HTTP: every state-changing route refuses a POST whose `Origin` is not
 * the app's own, before authentication and before any upstream request; the dev login sets no
 * cookie then.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import { startStack, type TestStack } from '../helpers/servers'
import { isErrorBodyText, rawRequest } from './raw-http'

let stack: TestStack
let backend: RunningBackend
let cookie: string

beforeAll(async () => {
  stack = await startStack()
  backend = stack.server.backend as RunningBackend
  cookie = await stack.login('origin_user')
})

afterAll(() => stack.close())

const ROUTES: Array<[string, string]> = [
  ['/api/persistent-chat/stream', '{}'],
  ['/api/persistent-chat/messages', '{"projectId":"p1","client_msg_id":"c_origin","text":"hi"}'],
  ['/api/persistent-chat/presence', '{"projectId":"p1","status":"online"}'],
  ['/api/dev/login', '{"userId":"mallory"}'],
  ['/api/dev/logout', '{}'],
]

/** `Origin` header lines (none for "no Origin"); `self` is the app's own origin. */
const ORIGINS: Array<[string, (self: string) => string[]]> = [
  ['a foreign Origin', () => ['Origin: https://evil.example']],
  ['Origin: null', () => ['Origin: null']],
  ['no Origin', () => []],
  ['an empty Origin', () => ['Origin: ']],
  ['the app origin as a prefix of another host', (self) => [`Origin: ${self}.evil.example`]],
  ['the app origin with a trailing slash', (self) => [`Origin: ${self}/`]],
  ['the app origin on another port', (self) => [`Origin: ${self.replace(/:\d+$/, ':1')}`]],
  ['the app origin over https', (self) => [`Origin: ${self.replace('http:', 'https:')}`]],
  ['the app origin as localhost', (self) => [`Origin: ${self.replace('127.0.0.1', 'localhost')}`]],
  ['the app origin in upper case', (self) => [`Origin: ${self.toUpperCase()}`]],
  ['two origins, the app’s first', (self) => [`Origin: ${self}, https://evil.example`]],
  ['two Origin headers, the app’s first', (self) => [`Origin: ${self}`, 'Origin: https://evil.example']],
  [
    'a Referer from the app but a foreign Origin',
    (self) => [`Referer: ${self}/`, 'Origin: https://evil.example'],
  ],
]

test.each(
  ROUTES.flatMap(([route, body]) => ORIGINS.map(([what, origin]) => ({ route, body, what, origin }))),
)(
  'POST $route with $what → 403 forbidden_origin, no cookie set, no upstream request',
  async ({ route, body, origin }) => {
    const before = backend.requestCount()

    const response = await rawRequest(
      stack.url,
      'POST',
      route,
      [`Cookie: ${cookie}`, 'Content-Type: application/json', ...origin(stack.url)],
      body,
    )

    expect(response.status).toBe(403)
    expect(isErrorBodyText(response.body)).toBe(true)
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'forbidden_origin' } })
    expect(response.headers['set-cookie']).toBeUndefined()
    expect(backend.requestCount()).toBe(before)
  },
)

test.each(ROUTES)('POST %s from the app’s own origin passes the Origin check', async (route, body) => {
  const response = await rawRequest(
    stack.url,
    'POST',
    route,
    [`Cookie: ${cookie}`, 'Content-Type: application/json', `Origin: ${stack.url}`],
    body,
  )

  expect(response.status).toBeLessThan(300)
})

test('a foreign Origin is refused even without a cookie: 403, not 401', async () => {
  const response = await rawRequest(stack.url, 'POST', '/api/persistent-chat/messages', [
    'Content-Type: application/json',
    'Origin: https://evil.example',
  ])

  expect(response.status).toBe(403)
})
