/**
 * Project ids and cursors crafted to escape `/v1/projects/{projectId}/chat/…` or to smuggle
 * headers, sent to the proxy over raw HTTP so no client normalises them first. Every one is a
 * 400 (an ErrorBody when it reaches the proxy; Node's own 400 when the HTTP parser refuses the
 * bytes) or, for the route path itself, a 404, and the backend receives nothing.
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
  cookie = await stack.login('path_tricks')
})

afterAll(() => stack.close())

/** The UTF-8 bytes of `text` as a latin1 string, the way `rawRequest` writes them. */
const bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1')

/** Raw query values of `projectId`, exactly as they appear on the request line. */
const PROJECT_IDS: Array<[string, string]> = [
  ['dot-dot slash, encoded', '..%2F'],
  ['dot-dot slash then a project, encoded', '..%2Fp1'],
  ['dot-dot slash, all encoded', '%2e%2e%2f'],
  ['dot-dot slash, all encoded in upper case', '%2E%2E%2Fp1'],
  ['dot-dot', '..'],
  ['a dot', '.'],
  ['a double-encoded slash', 'p%252Fq'],
  ['a double-encoded dot-dot slash', '%252e%252e%252f'],
  ['an encoded slash', 'a%2Fb'],
  ['a raw slash', 'a/b'],
  ['an encoded backslash', 'a%5Cb'],
  ['a raw backslash', 'a\\b'],
  ['a Cyrillic о in prоj', 'pr%D0%BEj'],
  ['a fullwidth ｒ in pｒoj', 'p%EF%BD%92oj'],
  ['a fullwidth Ｐ', '%EF%BC%B0'],
  ['a Greek Ρ look-alike', '%CE%A1roj'],
  ['a zero-width space', 'p%E2%80%8Broj'],
  ['a combining accent', 'proj%CC%81'],
  ['a no-break space', 'p%C2%A0'],
  ['NUL', '%00'],
  ['a trailing NUL', 'p1%00'],
  ['CR LF and a header', 'p1%0D%0AX-Injected:%201'],
  ['a lone LF', 'p1%0A'],
  ['a lone CR', 'p1%0D'],
  ['a tab', 'p1%09'],
  ['a space', 'p%201'],
  ['a plus (a space in a query)', '+p1'],
  ['a semicolon', 'p1;x'],
  ['an encoded question mark', 'p1%3Fx=1'],
  ['an encoded hash', 'p1%23x'],
  ['an encoded ampersand and a second id', 'p1%26projectId%3Dp2'],
  ['a lone percent', 'p1%'],
  ['a malformed escape', 'p1%zz'],
  ['65 characters', 'p'.repeat(65)],
  ['nothing', ''],
]

/** Routes whose project comes from the query. */
const QUERY_ROUTES = ['/api/persistent-chat/stream?projectId=', '/api/persistent-chat/messages?projectId=']

test.each(QUERY_ROUTES.flatMap((route) => PROJECT_IDS.map(([what, raw]) => ({ route, what, raw }))))(
  'GET $route with $what ($raw) → 400 ErrorBody, no upstream request',
  async ({ route, raw }) => {
    const before = backend.requestCount()

    const response = await rawRequest(stack.url, 'GET', route + raw, [`Cookie: ${cookie}`])

    expect(response.status).toBe(400)
    expect(isErrorBodyText(response.body)).toBe(true)
    expect(backend.requestCount()).toBe(before)
  },
)

test('a repeated projectId (a valid one and a trick) → 400 ErrorBody, no upstream request', async () => {
  const before = backend.requestCount()

  const response = await rawRequest(
    stack.url,
    'GET',
    '/api/persistent-chat/stream?projectId=p1&projectId=..%2F',
    [`Cookie: ${cookie}`],
  )

  expect(response.status).toBe(400)
  expect(isErrorBodyText(response.body)).toBe(true)
  expect(backend.requestCount()).toBe(before)
})

/** Project ids inside JSON bodies (send and presence). */
const BODY_PROJECT_IDS = [
  '../x',
  '..\\x',
  'p/q',
  '%2e%2e%2f',
  'prоj',
  'ｐroj',
  'p\u0000',
  'p\r\nx-user-id: mallory',
  ' p1',
  'p1 ',
]

test.each(
  ['/api/persistent-chat/messages', '/api/persistent-chat/presence'].flatMap((route) =>
    BODY_PROJECT_IDS.map((projectId) => ({ route, projectId })),
  ),
)(
  'POST $route with projectId $projectId in the body → 400 ErrorBody, no upstream request',
  async ({ route, projectId }) => {
    const before = backend.requestCount()
    const body = JSON.stringify({ projectId, client_msg_id: 'c1', text: 'hi', status: 'online' })

    const response = await rawRequest(
      stack.url,
      'POST',
      route,
      [`Cookie: ${cookie}`, `Origin: ${stack.url}`, 'Content-Type: application/json'],
      bytes(body),
    )

    expect(response.status).toBe(400)
    expect(isErrorBodyText(response.body)).toBe(true)
    expect(backend.requestCount()).toBe(before)
  },
)

/** `Last-Event-ID` header values that reach the proxy: each is a 400 ErrorBody. */
const LAST_EVENT_IDS: Array<[string, string]> = [
  ['an encoded CR LF', '5%0d%0a'],
  ['a fullwidth ５', bytes('５')],
  ['an Arabic-Indic ٥', bytes('٥')],
  ['two numbers', '5 6'],
  ['hex', '0x5'],
  ['a negative number', '-1'],
  ['a fraction', '1.5'],
  ['an exponent', '1e3'],
  ['a leading zero', '05'],
  ['beyond 2^53', '9007199254740993'],
  ['a path', '../5'],
  ['a repeated header', '5\r\nLast-Event-ID: 6'],
]

test.each(LAST_EVENT_IDS)(
  'Last-Event-ID with %s → 400 ErrorBody, no upstream request',
  async (_what, value) => {
    const before = backend.requestCount()

    const response = await rawRequest(stack.url, 'GET', '/api/persistent-chat/stream?projectId=p1', [
      `Cookie: ${cookie}`,
      `Last-Event-ID: ${value}`,
    ])

    expect(response.status).toBe(400)
    expect(isErrorBodyText(response.body)).toBe(true)
    expect(backend.requestCount()).toBe(before)
  },
)

/** Bytes Node's HTTP parser refuses before the proxy runs: still a 400, still nothing upstream. */
const UNPARSEABLE: Array<[string, string, string[]]> = [
  [
    'a bare CR inside Last-Event-ID',
    '/api/persistent-chat/stream?projectId=p1',
    ['Last-Event-ID: 5\rX-User-Id: mallory'],
  ],
  ['a NUL inside Last-Event-ID', '/api/persistent-chat/stream?projectId=p1', ['Last-Event-ID: 5\u0000']],
  ['a folded Last-Event-ID line', '/api/persistent-chat/stream?projectId=p1', ['Last-Event-ID: 5', ' 6']],
  ['a raw space inside the projectId', '/api/persistent-chat/stream?projectId=p 1', []],
  ['a raw NUL inside the projectId', '/api/persistent-chat/stream?projectId=p\u00001', []],
]

test.each(UNPARSEABLE)(
  '%s → 400 from the HTTP parser, no upstream request',
  async (_what, target, headers) => {
    const before = backend.requestCount()

    const response = await rawRequest(stack.url, 'GET', target, [`Cookie: ${cookie}`, ...headers])

    expect(response.status).toBe(400)
    expect(backend.requestCount()).toBe(before)
  },
)

/** Tricks on the route path itself: no route matches, so a 404, and nothing upstream. */
const ROUTE_PATHS = [
  '/api/persistent-chat/stream%2F..%2Fmessages',
  '/api/persistent-chat/%2e%2e/stream',
  '/api/persistent-chat/.%2e/v1/projects/p1/chat/stream',
  '/api/persistent-chat//stream',
  '/api/persistent-chat/stream/',
  '/api/persistent-chat/Stream',
  '/api/persistent-chat/stream;x=1',
  '/api/persistent-chat/stream%00',
  '/api/persistent-chat/stream%20',
  '/api/persistent-chat/__proto__',
  '/api/persistent-chat/constructor',
  '/api/persistent-chat/hasOwnProperty',
  '/api/persistent-chat/v1/projects/p1/chat/stream',
  '/api/persistent-chat/%73tream',
]

test.each(ROUTE_PATHS)('GET %s?projectId=p1 → 404 ErrorBody, no upstream request', async (path) => {
  const before = backend.requestCount()

  const response = await rawRequest(stack.url, 'GET', `${path}?projectId=p1`, [`Cookie: ${cookie}`])

  expect(response.status).toBe(404)
  expect(isErrorBodyText(response.body)).toBe(true)
  expect(backend.requestCount()).toBe(before)
})
