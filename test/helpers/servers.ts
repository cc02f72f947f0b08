/**
 * Servers for proxy tests: the real `startServer` (reference backend on `:memory:` + proxy +
 * dev session) on loopback port 0, a dev login that returns the cookie, and a minimal SSE
 * reader over node:http so tests control the socket (independent of src/sse on purpose).
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { ProxyLogEntry } from '../../src/server/proxy/log'
import { type RunningServer, type StartServerOptions, startServer } from '../../src/server/start-server'

/** @internal The shared secret tests sign with. */
export const TEST_SECRET = 'test-worker-shared-secret'
/** @internal The session secret tests use. */
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789'

/** @internal A started stack and its collected proxy logs. */
export interface TestStack {
  server: RunningServer
  /** App + proxy base URL. */
  url: string
  logs: ProxyLogEntry[]
  /** Logs in through `POST /api/dev/login` and returns the `Cookie` header value. */
  login(userId: string): Promise<string>
  /** `fetch` against the stack with a same-origin `Origin` on POSTs. */
  fetch(path: string, init?: RequestInit & { cookie?: string | undefined }): Promise<Response>
  close(): Promise<void>
}

/** @internal Starts backend + proxy on free loopback ports with an in-memory database. */
export async function startStack(overrides: Partial<StartServerOptions> = {}): Promise<TestStack> {
  const logs: ProxyLogEntry[] = []
  const server = await startServer({
    port: 0,
    secret: TEST_SECRET,
    sessionSecret: TEST_SESSION_SECRET,
    heartbeatMs: 20_000,
    appDir: 'test/helpers/no-app',
    log: (entry) => logs.push(entry),
    ...overrides,
    backend: { port: 0, dbPath: ':memory:', assistantDelayMs: 60_000, ...overrides.backend },
  })

  const stackFetch: TestStack['fetch'] = (path, init = {}) => {
    const { cookie, ...rest } = init
    const headers = new Headers(rest.headers)
    if (cookie !== undefined) headers.set('cookie', cookie)
    if ((rest.method ?? 'GET') !== 'GET' && !headers.has('origin')) headers.set('origin', server.url)
    return fetch(server.url + path, { ...rest, headers, redirect: 'manual' })
  }

  return {
    server,
    url: server.url,
    logs,
    fetch: stackFetch,
    async login(userId) {
      const response = await stackFetch('/api/dev/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId }),
      })
      if (response.status !== 200)
        throw new Error(`login failed: ${response.status} ${await response.text()}`)
      return cookieFrom(response)
    },
    close: () => server.close(),
  }
}

/** @internal `name=value` of the first `Set-Cookie` of `response`. */
export function cookieFrom(response: Response): string {
  const setCookie = response.headers.getSetCookie()[0]
  if (setCookie === undefined) throw new Error('no set-cookie header')
  return setCookie.split(';')[0] ?? ''
}

/** @internal Polls `predicate` every 10 ms until it holds; rejects after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<number> {
  const startedAt = Date.now()
  while (!predicate()) {
    if (Date.now() - startedAt > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return Date.now() - startedAt
}

/** @internal One dispatched SSE event. */
export interface SseEvent {
  event: string
  id: string | undefined
  data: string
}

/** @internal A stream opened over node:http. */
export interface SseStream {
  status: number
  headers: IncomingHttpHeaders
  events: SseEvent[]
  comments: string[]
  /** The raw body, for error responses. */
  text: string
  /** The response is over, however it ended. */
  ended: boolean
  /** The body ended properly (final chunk received), not by a reset socket. */
  complete: boolean
  /** Waits until `predicate` holds; rejects if the stream ends first or on timeout. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>
  /** Destroys the socket, as a closing tab does. */
  close(): void
}

/** @internal Opens `url` as an SSE stream and parses events as they arrive. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      const stream: SseStream = {
        status: response.statusCode ?? 0,
        headers: response.headers,
        events: [],
        comments: [],
        text: '',
        ended: false,
        complete: false,
        async until(predicate, timeoutMs = 5000) {
          await waitFor(() => predicate() || stream.ended, timeoutMs, 'stream condition')
          if (!predicate()) throw new Error(`stream ended first; got ${JSON.stringify(stream.events)}`)
        },
        close: () => request.destroy(),
      }
      let buffer = ''
      let current: SseEvent = { event: 'message', id: undefined, data: '' }
      let hasData = false
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        stream.text += chunk
        buffer += chunk
        for (let end = buffer.search(/\r\n|\r|\n/); end !== -1; end = buffer.search(/\r\n|\r|\n/)) {
          const line = buffer.slice(0, end)
          buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1))
          if (line === '') {
            if (hasData) stream.events.push(current)
            current = { event: 'message', id: undefined, data: '' }
            hasData = false
          } else if (line.startsWith(':')) {
            stream.comments.push(line.slice(1).trim())
          } else {
            const colon = line.indexOf(':')
            const field = colon === -1 ? line : line.slice(0, colon)
            const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
            if (field === 'event') current.event = value
            else if (field === 'id') current.id = value
            else if (field === 'data') {
              current.data = hasData ? `${current.data}\n${value}` : value
              hasData = true
            }
          }
        }
      })
      const end = (): void => {
        stream.ended = true
      }
      response.on('end', () => {
        stream.complete = true
        end()
      })
      response.on('close', end)
      response.on('error', end)
      resolve(stream)
    })
    request.on('error', reject)
    request.end()
  })
}
