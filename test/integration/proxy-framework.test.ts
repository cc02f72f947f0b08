/**
 * The proxy where frameworks put it. A host that hands the handler `http://localhost:<port>` as
 * `request.url` whatever the browser asked for (as a Next.js route handler does), and a
 * TLS-terminating proxy in front (plain http inside, `X-Forwarded-*` set): by default every POST
 * is refused as cross-origin, and the answer says what to configure; `trustForwardedHeaders` or
 * `publicOrigin` make the app's own origin pass while a foreign one is still refused. A preflight
 * refused with 403 reaches the tab as `auth_failed` 403, not 401. Options missing when the module
 * loads (`next build`) fail the first request, naming the variable, not the import.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RunningBackend, startBackend } from '../../src/server/backend'
import { createProxyHandler, type ProxyLogEntry, type ProxyOptions } from '../../src/server/proxy'
import { createDevSession } from '../../src/server/session'
import { createNodeChatClient } from '../helpers/node-client'
import { cookieFrom, TEST_SECRET, TEST_SESSION_SECRET, waitFor } from '../helpers/servers'

let backend: RunningBackend
const servers: Server[] = []

beforeAll(async () => {
  backend = await startBackend({ port: 0, dbPath: ':memory:', secret: TEST_SECRET })
})
afterAll(async () => {
  for (const server of servers) server.closeAllConnections()
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  await backend.close()
})

/**
 * The proxy and the dev login mounted like a Next.js route handler: the handler sees
 * `http://localhost:<port>/…`, the browser's `Host` and `Origin` headers unchanged.
 */
async function frameworkHost(options: Partial<ProxyOptions> = {}) {
  const logs: ProxyLogEntry[] = []
  const policy = { publicOrigin: options.publicOrigin, trustForwardedHeaders: options.trustForwardedHeaders }
  const session = createDevSession({ secret: TEST_SESSION_SECRET, ...policy })
  const proxy = createProxyHandler({
    authenticate: session.authenticate,
    backendUrl: backend.url,
    secret: TEST_SECRET,
    log: (entry) => logs.push(entry),
    ...options,
  })
  let port = 0
  const server = createServer(
    getRequestListener((request: Request) => {
      const { pathname, search } = new URL(request.url)
      const seen = new Request(`http://localhost:${port}${pathname}${search}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        duplex: 'half',
      } as RequestInit)
      return pathname === '/api/dev/login' ? session.login(seen) : proxy(seen)
    }),
  )
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    logs,
    post: (path: string, headers: Record<string, string>, body = '{}') =>
      fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      }),
  }
}

test('behind a framework, by default a POST from the page’s own origin is refused, and the answer says what to set', async () => {
  const host = await frameworkHost()

  const response = await host.post('/api/persistent-chat/stream', { origin: host.url })

  expect(response.status).toBe(403)
  const { error } = (await response.json()) as { error: { code: string; message: string } }
  expect(error.code).toBe('forbidden_origin')
  expect(error.message).toContain('this server accepts http://localhost:')
  expect(error.message).toContain('set publicOrigin or trustForwardedHeaders')
})

test('trustForwardedHeaders: the Host the browser used is the app’s origin; a foreign Origin is still refused', async () => {
  const host = await frameworkHost({ trustForwardedHeaders: true })
  const login = await host.post('/api/dev/login', { origin: host.url }, '{"userId":"fw_user"}')
  expect(login.status).toBe(200)
  const cookie = cookieFrom(login)

  const own = await host.post('/api/persistent-chat/stream', { origin: host.url, cookie })
  const foreign = await host.post('/api/persistent-chat/stream', { origin: 'https://evil.example', cookie })
  const lookalike = await host.post('/api/persistent-chat/stream', {
    origin: host.url.replace(/:\d+$/, ':1'),
    cookie,
  })

  expect(own.status).toBe(200)
  expect(await own.json()).toMatchObject({ authenticated: true, userId: 'fw_user' })
  expect([foreign.status, lookalike.status]).toEqual([403, 403])
})

test('behind a TLS-terminating proxy: X-Forwarded-Proto/Host name the public origin when trusted, never otherwise', async () => {
  const trusting = await frameworkHost({ trustForwardedHeaders: true })
  const strict = await frameworkHost()
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chat.example.com' }

  const allowed = await trusting.post('/api/persistent-chat/presence', {
    ...forwarded,
    origin: 'https://chat.example.com',
  })
  const foreign = await trusting.post('/api/persistent-chat/presence', {
    ...forwarded,
    origin: 'https://evil.example',
  })
  const untrusted = await strict.post('/api/persistent-chat/presence', {
    ...forwarded,
    origin: 'https://chat.example.com',
  })

  expect(allowed.status).toBe(401) // past the Origin check: no cookie
  expect([foreign.status, untrusted.status]).toEqual([403, 403])
})

test('publicOrigin: that origin may POST, whatever the headers say', async () => {
  const host = await frameworkHost({ publicOrigin: 'https://chat.example.com/' })

  const allowed = await host.post('/api/persistent-chat/stream', { origin: 'https://chat.example.com' })
  const forged = await host.post('/api/persistent-chat/stream', {
    origin: 'https://evil.example',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'https',
  })

  expect([allowed.status, forged.status]).toEqual([401, 403])
})

test('a preflight refused with 403 reaches the tab as auth_failed 403, not 401', async () => {
  const host = await frameworkHost()
  const client = createNodeChatClient({ baseUrl: host.url, cookie: '' })

  const project = client.project('proj_403')

  await expect(client.ready).rejects.toMatchObject({ code: 'unauthenticated', httpStatus: 403 })
  await waitFor(() => project.view.status.status === 'auth_failed')
  expect(project.view.status).toMatchObject({ status: 'auth_failed', code: 403 })
  client.testHub.hub.close()
})

test.each([
  [{ backendUrl: undefined }, 'createProxyHandler: `backendUrl` is not set (WORKER_BASE_URL)'],
  [
    { backendUrl: 'undefined' },
    'createProxyHandler: `backendUrl` must be an http(s) URL (WORKER_BASE_URL), got "undefined"',
  ],
  [{ secret: '' }, 'createProxyHandler: `secret` is not set (WORKER_SHARED_SECRET)'],
  [
    { publicOrigin: 'chat.example.com' },
    'createProxyHandler: `publicOrigin` must be an http(s) origin, got "chat.example.com"',
  ],
])(
  'options %j are accepted when the module loads; the first request answers 500 and logs %s',
  async (bad, problem) => {
    const logs: ProxyLogEntry[] = []
    const proxy = createProxyHandler({
      authenticate: async () => ({ userId: 'u1' }),
      backendUrl: backend.url,
      secret: TEST_SECRET,
      log: (entry) => logs.push(entry),
      ...bad,
    })

    const response = await proxy(new Request('http://localhost/api/persistent-chat/stream?projectId=p1'))

    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({
      error: {
        code: 'proxy_misconfigured',
        message: 'The chat proxy is not configured; see the server log.',
      },
    })
    expect(logs.map((entry) => entry.error)).toEqual([problem])
  },
)

test('a missing authenticate is a programming error, thrown at once', () => {
  expect(() =>
    createProxyHandler({ backendUrl: backend.url, secret: TEST_SECRET } as unknown as ProxyOptions),
  ).toThrow(/`authenticate` must be a function/)
})
