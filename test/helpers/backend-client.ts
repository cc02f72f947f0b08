/**
 * Test client for the reference backend: signs requests, opens SSE streams over node:http and
 * collects their events with a minimal line splitter (deliberately independent of src/sse, so
 * backend tests do not depend on the parser under test elsewhere).
 */
import { type Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { HistoryResponse, MessageData } from '../../src/protocol'
import { type BackendOptions, startBackend } from '../../src/server/backend/index'
import { signRequest } from '../../src/server/signing'

/** @internal One dispatched SSE event. `id` is the `id:` field of this event, if it had one. */
export interface SseEvent {
  event: string
  id: string | undefined
  data: string
}

/** @internal How a test request is signed: a secret override, a clock, or not at all. */
export interface SignOptions {
  secret?: string | undefined
  /** unix milliseconds */
  now?: number | undefined
  /** Sign as if this were the path (tampering tests). */
  path?: string | undefined
  /** Sign as if this were the body (tampering tests). */
  body?: string | undefined
  /** Sign as if this were the user (tampering tests). */
  userId?: string | undefined
  /** Drop these headers after signing (e.g. the V2 signature). */
  omit?: readonly string[] | undefined
}

/** @internal A request as a test describes it. */
export interface TestRequest {
  method?: string | undefined
  path: string
  userId?: string | undefined
  body?: string | undefined
  headers?: Record<string, string> | undefined
  /** `false` sends no signature headers at all. */
  sign?: SignOptions | false | undefined
  agent?: Agent | undefined
}

/** @internal A buffered response. */
export interface TestResponse {
  status: number
  headers: IncomingHttpHeaders
  text: string
  json<T = unknown>(): T
}

/** @internal An open (or refused) SSE stream and what it has received so far. */
export interface TestStream {
  status: number
  headers: IncomingHttpHeaders
  events: SseEvent[]
  comments: string[]
  /** Set when the response is not a stream (e.g. a 429 error body). */
  text: string
  ended: boolean
  /** Resolves once `predicate` holds; rejects if the stream ends first or after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>
  /** Parsed `data` of every event named `name`. */
  data<T = unknown>(name: string): T[]
  /** Aborts the request, closing the socket. */
  close(): void
}

/** @internal A client bound to one backend and secret. */
export interface BackendClient {
  headersFor(request: TestRequest): Record<string, string>
  request(request: TestRequest): Promise<TestResponse>
  openStream(options: {
    projectId: string
    userId: string
    fromSeq?: number | string | undefined
    lastEventId?: string | undefined
    sign?: SignOptions | false | undefined
  }): Promise<TestStream>
}

/** @internal Creates a client for the backend at `baseUrl`. */
export function createBackendClient(baseUrl: string, secret: string): BackendClient {
  const base = new URL(baseUrl)

  function headersFor(request: TestRequest): Record<string, string> {
    const headers: Record<string, string> = { ...request.headers }
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = String(Buffer.byteLength(request.body))
    }
    if (request.sign === false) {
      if (request.userId !== undefined) headers['x-user-id'] = request.userId
      return headers
    }
    const sign = request.sign ?? {}
    const signed = signRequest({
      secret: sign.secret ?? secret,
      method: request.method ?? 'GET',
      pathWithQuery: sign.path ?? request.path,
      userId: sign.userId ?? request.userId ?? 'user_test',
      body: sign.body ?? request.body,
      now: sign.now,
    })
    // The header names the real user even when the signature was made for another one.
    signed['x-user-id'] = request.userId ?? 'user_test'
    for (const name of sign.omit ?? []) delete signed[name]
    return { ...headers, ...signed }
  }

  function send(request: TestRequest, onResponse: (response: import('node:http').IncomingMessage) => void) {
    const outgoing = httpRequest({
      host: base.hostname,
      port: base.port,
      method: request.method ?? 'GET',
      path: request.path,
      headers: headersFor(request),
      // A fresh socket per request unless a test passes an agent: streams must not share one.
      agent: request.agent ?? false,
    })
    outgoing.on('response', onResponse)
    if (request.body !== undefined) outgoing.write(request.body)
    outgoing.end()
    return outgoing
  }

  return {
    headersFor,

    request(request) {
      return new Promise((resolve, reject) => {
        const outgoing = send(request, (response) => {
          response.setEncoding('utf8')
          let text = ''
          response.on('data', (chunk: string) => {
            text += chunk
          })
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text,
              json: <T>() => JSON.parse(text) as T,
            }),
          )
          response.on('error', reject)
        })
        outgoing.on('error', reject)
      })
    },

    openStream({ projectId, userId, fromSeq, lastEventId, sign }) {
      const query = fromSeq === undefined ? '' : `?from_seq=${fromSeq}`
      const headers: Record<string, string> = { accept: 'text/event-stream' }
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
      return new Promise((resolve, reject) => {
        let responded = false
        const waiters = new Set<() => void>()
        const notify = () => {
          for (const waiter of [...waiters]) waiter()
        }
        const outgoing = send(
          { path: `/v1/projects/${projectId}/chat/stream${query}`, userId, headers, sign },
          (response) => {
            responded = true
            const splitter = createSseSplitter(
              (event) => {
                stream.events.push(event)
                notify()
              },
              (comment) => {
                stream.comments.push(comment)
                notify()
              },
            )
            const isStream = response.headers['content-type']?.startsWith('text/event-stream') ?? false
            const stream: TestStream = {
              status: response.statusCode ?? 0,
              headers: response.headers,
              events: [],
              comments: [],
              text: '',
              ended: false,
              until(predicate, timeoutMs = 10_000) {
                return new Promise((resolveWait, rejectWait) => {
                  const check = () => {
                    if (predicate()) finish()
                    else if (stream.ended) finish(new Error('stream ended before the condition held'))
                  }
                  const timer = setTimeout(
                    () => finish(new Error(`condition not met within ${timeoutMs} ms`)),
                    timeoutMs,
                  )
                  const finish = (error?: Error) => {
                    clearTimeout(timer)
                    waiters.delete(check)
                    if (error) rejectWait(error)
                    else resolveWait()
                  }
                  waiters.add(check)
                  check()
                })
              },
              data: <T>(name: string) =>
                stream.events
                  .filter((event) => event.event === name)
                  .map((event) => JSON.parse(event.data) as T),
              close: () => outgoing.destroy(),
            }
            response.setEncoding('utf8')
            response.on('data', (chunk: string) => {
              if (isStream) splitter(chunk)
              else stream.text += chunk
            })
            const end = () => {
              stream.ended = true
              notify()
            }
            response.on('end', end)
            response.on('close', end)
            response.on('error', end)
            resolve(stream)
          },
        )
        outgoing.on('error', (error) => {
          // Errors after a response arrived (our own close()) are the stream ending, not a failure.
          if (responded) return
          reject(error)
        })
      })
    },
  }
}

/**
 * @internal A minimal SSE line splitter: handles CR, LF and CRLF, `event`, `id`, `data` (joined with LF)
 * and comments. Enough for backend tests; the library's real parser lives in src/sse.
 */
export function createSseSplitter(
  onEvent: (event: SseEvent) => void,
  onComment: (comment: string) => void = () => {},
): (chunk: string) => void {
  let buffer = ''
  let event = ''
  let id: string | undefined
  let data: string[] = []
  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) onEvent({ event: event || 'message', id, data: data.join('\n') })
      event = ''
      id = undefined
      data = []
      return
    }
    if (text.startsWith(':')) return onComment(text.slice(1).trimStart())
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') event = value
    else if (field === 'id') id = value
    else if (field === 'data') data.push(value)
  }
  return (chunk) => {
    buffer += chunk
    // A trailing CR may be the first half of CRLF: keep it until the next chunk decides.
    const parts = buffer.split(/\r\n|\r(?!$)|\n/)
    buffer = parts.pop() ?? ''
    for (const part of parts) line(part)
  }
}

/** @internal Polls `predicate` until it holds (for state only visible by polling, e.g. counters). */
export async function waitUntil(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** @internal The backend paths of a project's chat routes. */
export function chatPaths(projectId: string) {
  const base = `/v1/projects/${projectId}/chat`
  return {
    stream: `${base}/stream`,
    messages: `${base}/messages`,
    presence: `${base}/presence`,
  }
}

/** @internal The secret every test backend uses. */
export const TEST_SECRET = 'test-secret'

/** @internal Starts an in-memory backend on a free loopback port, with a client for it. */
export async function startTestBackend(options: Partial<BackendOptions> = {}) {
  const backend = await startBackend({ dbPath: ':memory:', secret: TEST_SECRET, ...options })
  const client = createBackendClient(backend.url, TEST_SECRET)
  return { backend, client }
}

/**
 * @internal A project's whole log, paged through the history route straight from the backend
 * (not through a faulty relay): what chaos tests compare every tab and IndexedDB against.
 */
export async function readBackendLog(
  backendUrl: string,
  { secret, project, userId }: { secret: string; project: string; userId: string },
): Promise<MessageData[]> {
  const messages: MessageData[] = []
  for (let after = 0; ; ) {
    const path = `/v1/projects/${project}/chat/messages?after_seq=${after}&limit=200`
    const headers = signRequest({ secret, method: 'GET', pathWithQuery: path, userId, body: '' })
    const response = await fetch(backendUrl + path, { headers })
    if (!response.ok) throw new Error(`history of ${project}: HTTP ${response.status}`)
    const page = (await response.json()) as HistoryResponse
    messages.push(...page.messages)
    if (!page.hasMore || page.messages.length === 0) return messages
    after = page.messages.at(-1)?.seq ?? after
  }
}
