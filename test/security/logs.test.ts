/**
 * Logs never hold secrets: a scenario over real HTTP that signs in, streams, pages history,
 * sends, fails authentication, the Origin check, validation, upstream signing and reachability,
 * with every proxy and backend log entry and every console line captured. None contains a
 * shared or session secret, a cookie, a signature (any 64-hex-digit run), message text or a
 * query string.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import type { ProxyLogEntry } from '../../src/server/proxy/log'
import { openSse, startStack, TEST_SECRET, TEST_SESSION_SECRET, type TestStack } from '../helpers/servers'

const WRONG_SECRET = 'a-wrong-worker-shared-secret'
const MESSAGE_TEXT = 'confidential-text-5c1d'

let stack: TestStack
let backend: RunningBackend
const backendLogs: Array<Record<string, unknown>> = []
const consoleLines: string[] = []
const otherProxyLogs: ProxyLogEntry[][] = []
let cookie = ''

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleLines.push(
        args
          .map((arg) => (arg instanceof Error ? `${arg.stack} ${String(arg.cause)}` : String(arg)))
          .join(' '),
      )
    })
  }
  stack = await startStack({ backendLog: (entry) => backendLogs.push(entry), heartbeatMs: 50 })
  backend = stack.server.backend as RunningBackend
})

afterAll(async () => {
  await stack.close()
  vi.restoreAllMocks()
})

/** Runs requests down every logged path, successful and failing. */
async function scenario(): Promise<void> {
  cookie = await stack.login('log_user')
  const json = { 'content-type': 'application/json' }
  await stack.fetch('/api/dev/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'userId=log_user&next=%2F%3Fproject%3Dp_logs',
  })
  await stack.fetch('/api/persistent-chat/stream', { method: 'POST', cookie })

  const stream = await openSse(`${stack.url}/api/persistent-chat/stream?projectId=p_logs&from_seq=0`, {
    cookie,
    'last-event-id': '0',
  })
  await stack.fetch('/api/persistent-chat/messages', {
    method: 'POST',
    cookie,
    headers: json,
    body: JSON.stringify({ projectId: 'p_logs', client_msg_id: 'c_logs', text: MESSAGE_TEXT }),
  })
  await stream.until(() => stream.events.some((e) => e.event === 'message.new') && stream.comments.length > 0)
  stream.close()

  await stack.fetch('/api/persistent-chat/messages?projectId=p_logs&after_seq=0&limit=5', { cookie })
  await stack.fetch('/api/persistent-chat/presence', {
    method: 'POST',
    cookie,
    headers: json,
    body: JSON.stringify({ projectId: 'p_logs', status: 'away' }),
  })
  // Failures: a tampered cookie, a foreign Origin, a bad project id, a private project.
  await stack.fetch('/api/persistent-chat/stream', {
    method: 'POST',
    cookie: `${cookie.slice(0, -1)}${cookie.endsWith('0') ? '1' : '0'}`,
  })
  await stack.fetch('/api/persistent-chat/messages', {
    method: 'POST',
    cookie,
    headers: { ...json, origin: 'https://evil.example' },
    body: '{}',
  })
  await stack.fetch('/api/persistent-chat/stream?projectId=..%2F', { cookie })
  await stack.fetch('/api/persistent-chat/messages?projectId=private_logs', { cookie })

  // A proxy signing with the wrong secret, and one whose backend is gone.
  const wrong = await startStack({ backendUrl: stack.server.backendUrl, secret: WRONG_SECRET })
  const gone = await startStack({ backendUrl: 'http://127.0.0.1:9' })
  otherProxyLogs.push(wrong.logs, gone.logs)
  for (const other of [wrong, gone]) {
    const otherCookie = await other.login('log_user')
    await other.fetch('/api/persistent-chat/messages?projectId=p_logs', { cookie: otherCookie })
    await other.fetch('/api/persistent-chat/messages', {
      method: 'POST',
      cookie: otherCookie,
      headers: json,
      body: JSON.stringify({ projectId: 'p_logs', client_msg_id: 'c_logs_2', text: MESSAGE_TEXT }),
    })
    await other.close()
  }
}

test('no log line of the proxy, the backend or the console holds a secret, a cookie, a signature, message text or a query string', async () => {
  await scenario()

  const lines = [
    ...[...stack.logs, ...otherProxyLogs.flat(), ...backendLogs].map((entry) => JSON.stringify(entry)),
    ...consoleLines,
  ]
  const cookieValue = cookie.split('=')[1] ?? ''
  const forbidden = [TEST_SECRET, TEST_SESSION_SECRET, WRONG_SECRET, cookieValue, MESSAGE_TEXT, 'pc_session']
  const leaks = lines.filter(
    (line) =>
      forbidden.some((secret) => line.includes(secret)) ||
      /[0-9a-f]{64}/i.test(line) ||
      /x-sheen|hmac|from_seq|after_seq|last-event-id|\?project/i.test(line),
  )
  expect(leaks).toEqual([])
  // The scenario did reach every logger.
  expect(stack.logs.map((entry) => entry.status)).toEqual(
    expect.arrayContaining([200, 201, 204, 401, 403, 400]),
  )
  expect(stack.logs.some((entry) => entry.event === 'stream.closed')).toBe(true)
  expect(otherProxyLogs.flat().map((entry) => entry.status)).toEqual(expect.arrayContaining([401, 502]))
  expect(backendLogs.some((entry) => entry['event'] === 'request' && entry['status'] === 401)).toBe(true)
  expect(backendLogs.some((entry) => entry['event'] === 'stream.open')).toBe(true)
  expect(backend.latestSeq('p_logs')).toBe(1)
})
