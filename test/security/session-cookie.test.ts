/**
 * The dev session cookie over real HTTP and HTTPS: its flags as a browser receives them, and
 * every forged, tampered, expired or future cookie refused with 401 on the preflight and on
 * the stream, before any upstream request. The HTTPS server uses a self-signed loopback
 * certificate from `fixtures/` (test only; the client does not verify it).
 */
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import {
  createServer as createHttpsServer,
  type Server as HttpsServer,
  request as httpsRequest,
} from 'node:https'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import { createProxyHandler } from '../../src/server/proxy/proxy'
import { createDevSession, SESSION_COOKIE } from '../../src/server/session'
import { createSiteHandler } from '../../src/server/site'
import { createStaticFiles } from '../../src/server/static-files'
import { startStack, TEST_SECRET, TEST_SESSION_SECRET, type TestStack } from '../helpers/servers'

let stack: TestStack
let backend: RunningBackend
let https: HttpsServer
let httpsUrl: string

beforeAll(async () => {
  stack = await startStack()
  backend = stack.server.backend as RunningBackend
  // The same site handler `startServer` mounts, on TLS.
  const session = createDevSession({ secret: TEST_SESSION_SECRET })
  const site = createSiteHandler({
    proxy: createProxyHandler({
      authenticate: session.authenticate,
      backendUrl: stack.server.backendUrl,
      secret: TEST_SECRET,
      heartbeatMs: 20_000,
      log: () => {},
    }),
    session,
    staticFiles: createStaticFiles({ root: 'test/helpers/no-app' }),
  })
  const fixtures = new URL('./fixtures/', import.meta.url)
  https = createHttpsServer(
    {
      key: readFileSync(new URL('loopback-test-key.pem', fixtures)),
      cert: readFileSync(new URL('loopback-test-cert.pem', fixtures)),
    },
    getRequestListener(site),
  )
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve))
  httpsUrl = `https://127.0.0.1:${(https.address() as AddressInfo).port}`
})

afterAll(async () => {
  https.closeAllConnections()
  await new Promise((resolve) => https.close(resolve))
  await stack.close()
})

/** A POST over TLS to the HTTPS server; resolves with the status and `Set-Cookie` lines. */
function httpsPost(
  path: string,
  body: string,
  cookie?: string,
): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(
      httpsUrl + path,
      {
        method: 'POST',
        rejectUnauthorized: false,
        headers: {
          origin: httpsUrl,
          'content-type': 'application/json',
          ...(cookie === undefined ? {} : { cookie }),
        },
      },
      (response) => {
        response.resume()
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, setCookie: response.headers['set-cookie'] ?? [] }),
        )
      },
    )
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/** The attributes of a `Set-Cookie` line, names in lower case. */
function attributes(setCookie: string): Map<string, string> {
  const [, ...parts] = setCookie.split(';')
  return new Map(
    parts.map((part) => {
      const [name = '', value = ''] = part.trim().split('=')
      return [name.toLowerCase(), value]
    }),
  )
}

test('login over http sets pc_session with HttpOnly, SameSite=Lax, Path=/, a 7-day Max-Age, no Secure and no Domain', async () => {
  const response = await stack.fetch('/api/dev/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'cookie_user' }),
  })

  const [setCookie = '', ...others] = response.headers.getSetCookie()
  expect(others).toEqual([])
  expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=cookie_user\\.\\d+\\.[0-9a-f]{64};`))
  const attrs = attributes(setCookie)
  expect([...attrs.keys()].sort()).toEqual(['httponly', 'max-age', 'path', 'samesite'])
  expect(attrs.get('samesite')).toBe('Lax')
  expect(attrs.get('path')).toBe('/')
  expect(attrs.get('max-age')).toBe(String(7 * 24 * 3600))
})

test('login over https adds Secure to the same flags', async () => {
  const response = await httpsPost('/api/dev/login', JSON.stringify({ userId: 'cookie_user' }))

  expect(response.status).toBe(200)
  const attrs = attributes(response.setCookie[0] ?? '')
  expect([...attrs.keys()].sort()).toEqual(['httponly', 'max-age', 'path', 'samesite', 'secure'])
  expect(attrs.get('samesite')).toBe('Lax')
  expect(attrs.get('path')).toBe('/')
})

test('logout clears the cookie with the same flags, Max-Age=0, Secure only over https', async () => {
  const overHttp = await stack.fetch('/api/dev/logout', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  })
  const overHttps = await httpsPost('/api/dev/logout', '{}')

  const httpAttrs = attributes(overHttp.headers.getSetCookie()[0] ?? '')
  const httpsAttrs = attributes(overHttps.setCookie[0] ?? '')
  expect(overHttp.headers.getSetCookie()[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=;`))
  expect(httpAttrs.get('max-age')).toBe('0')
  expect(httpAttrs.has('secure')).toBe(false)
  expect(httpsAttrs.get('max-age')).toBe('0')
  expect(httpsAttrs.has('secure')).toBe(true)
  expect(httpsAttrs.has('httponly')).toBe(true)
})

test('a cookie issued over https authenticates the preflight over https', async () => {
  const login = await httpsPost('/api/dev/login', JSON.stringify({ userId: 'tls_user' }))
  const cookie = (login.setCookie[0] ?? '').split(';')[0]

  const preflight = await httpsPost('/api/persistent-chat/stream', '{}', cookie)

  expect(preflight.status).toBe(200)
})

// ── forged cookies ─────────────────────────────────────────────────────────────────────────

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A cookie value signed the way the dev session signs it. */
function signedValue(userId: string, issuedAt: number, secret = TEST_SESSION_SECRET): string {
  const signature = createHmac('sha256', secret).update(`pc-session-v1\n${userId}\n${issuedAt}`).digest('hex')
  return `${userId}.${issuedAt}.${signature}`
}

const valid = () => signedValue('alice', nowSeconds())
const flipLast = (value: string) => value.slice(0, -1) + (value.endsWith('0') ? '1' : '0')
const WEEK = 7 * 24 * 3600

/** `Cookie` header values, built at test time (they depend on the clock). */
const FORGED: Array<[string, () => string]> = [
  ['the user changed, signature kept', () => `${SESSION_COOKIE}=${valid().replace(/^alice/, 'bobby')}`],
  ['the last signature digit flipped', () => `${SESSION_COOKIE}=${flipLast(valid())}`],
  [
    'the signature in upper case',
    () =>
      `${SESSION_COOKIE}=${valid().replace(/\.([0-9a-f]{64})$/, (_m, s: string) => `.${s.toUpperCase()}`)}`,
  ],
  [
    'issuedAt moved by one second',
    () => `${SESSION_COOKIE}=${valid().replace(/\.(\d+)\./, (_m, t: string) => `.${Number(t) + 1}.`)}`,
  ],
  ['the signature truncated', () => `${SESSION_COOKIE}=${valid().slice(0, -2)}`],
  ['an extra segment', () => `${SESSION_COOKIE}=${valid()}.x`],
  ['no signature', () => `${SESSION_COOKIE}=alice.${nowSeconds()}`],
  ['an empty value', () => `${SESSION_COOKIE}=`],
  ['garbage', () => `${SESSION_COOKIE}=%00%0d%0a`],
  [
    'signed with another secret',
    () => `${SESSION_COOKIE}=${signedValue('alice', nowSeconds(), 'another-session-secret-0123456789')}`,
  ],
  ['expired a minute ago', () => `${SESSION_COOKIE}=${signedValue('alice', nowSeconds() - WEEK - 60)}`],
  ['issued at 0', () => `${SESSION_COOKIE}=${signedValue('alice', 0)}`],
  ['issued two minutes in the future', () => `${SESSION_COOKIE}=${signedValue('alice', nowSeconds() + 120)}`],
  ['issued in the year 33658', () => `${SESSION_COOKIE}=${signedValue('alice', 999_999_999_999)}`],
  [
    'a correctly signed user id the login would refuse (a.b)',
    () => `${SESSION_COOKIE}=${signedValue('a.b', nowSeconds())}`,
  ],
  [
    'a correctly signed 65-character user id',
    () => `${SESSION_COOKIE}=${signedValue('u'.repeat(65), nowSeconds())}`,
  ],
  ['the value in quotes', () => `${SESSION_COOKIE}="${valid()}"`],
  ['a valid value under another cookie name', () => `${SESSION_COOKIE}_old=${valid()}`],
  [
    'a tampered cookie before a valid one (the first wins)',
    () => `${SESSION_COOKIE}=${flipLast(valid())}; ${SESSION_COOKIE}=${valid()}`,
  ],
]

test.each(FORGED)(
  'a cookie with %s → 401 on the preflight and the stream, no upstream request',
  async (_what, cookie) => {
    const before = backend.requestCount()

    const preflight = await stack.fetch('/api/persistent-chat/stream', { method: 'POST', cookie: cookie() })
    const stream = await stack.fetch('/api/persistent-chat/stream?projectId=p1', { cookie: cookie() })

    expect([preflight.status, stream.status]).toEqual([401, 401])
    expect(await preflight.json()).toMatchObject({ error: { code: 'unauthenticated' } })
    expect(backend.requestCount()).toBe(before)
  },
)

test.each([
  ['issued now', () => signedValue('alice', nowSeconds())],
  ['a minute short of seven days old', () => signedValue('alice', nowSeconds() - WEEK + 60)],
  ['issued 30 s in the future (clock adjustments)', () => signedValue('alice', nowSeconds() + 30)],
])('a correctly signed cookie %s → the preflight names its user', async (_what, value) => {
  const response = await stack.fetch('/api/persistent-chat/stream', {
    method: 'POST',
    cookie: `${SESSION_COOKIE}=${value()}`,
  })

  expect(response.status).toBe(200)
  expect(await response.json()).toMatchObject({ authenticated: true, userId: 'alice' })
})
