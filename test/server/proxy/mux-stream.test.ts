/**
 * The mux route inside one proxy instance, with upstream bodies the test writes itself (a
 * fake `fetch`, no sockets): signing, header timeouts, what a remove or re-add stops,
 * back-pressure towards a slow browser, and that two proxy instances never share streams.
 */
import { expect, test } from 'vitest'
import type { MuxOpenData, MuxProjectData } from '../../../src/protocol/mux'
import { createProxyHandler, type ProxyOptions } from '../../../src/server/proxy/proxy'
import { verifyRequest } from '../../../src/server/signing'
import { createEventStreamDecoder } from '../../../src/sse/stream'
import type { ServerSentEvent } from '../../../src/sse/types'
import { waitFor } from '../../helpers/servers'

const SECRET = 'unit-secret'
const APP = 'http://app.test'

interface UpstreamCall {
  url: string
  headers: Headers
  signal: AbortSignal
  /** Pushes bytes into this call's response body (when answered with `streamBody`). */
  push(text: string): void
  /** Whether the proxy cancelled this call's body. */
  cancelled: boolean
}

/** An upstream event-stream response whose body the test feeds through `call.push`. */
function streamBody(call: UpstreamCall): Response {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      call.push = (text) => {
        if (!call.cancelled) controller.enqueue(encoder.encode(text))
      }
    },
    cancel() {
      call.cancelled = true
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
}

function harness(
  respond: (call: UpstreamCall) => Response | Promise<Response> = streamBody,
  overrides: Partial<ProxyOptions> = {},
) {
  const calls: UpstreamCall[] = []
  const handler = createProxyHandler({
    authenticate: async (request) => {
      const cookie = request.headers.get('cookie')
      return cookie === null ? null : { userId: cookie }
    },
    backendUrl: 'http://backend.test/base/',
    secret: SECRET,
    heartbeatMs: 60_000,
    fetch: async (url, init) => {
      const signal = init.signal ?? new AbortController().signal
      const call: UpstreamCall = {
        url,
        headers: new Headers(init.headers),
        signal,
        push: () => {},
        cancelled: false,
      }
      calls.push(call)
      return respond(call)
    },
    log: () => {},
    ...overrides,
  })
  return { handler, calls }
}

/** Reads a mux response with our own parser, collecting its events. */
function reading(response: Response) {
  const events: ServerSentEvent[] = []
  const decoder = createEventStreamDecoder({ onEvent: (event) => events.push(event) })
  const reader = response.body?.getReader()
  if (reader === undefined) throw new Error('no body')
  let ended = false
  void (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => undefined)
      if (chunk === undefined || chunk.done) break
      decoder.feed(chunk.value)
    }
    ended = true
  })()
  const states = (projectId: string) =>
    events
      .filter((event) => event.event === 'mux.project' && event.id === `${projectId}/`)
      .map((event) => JSON.parse(event.data) as MuxProjectData)
  return {
    events,
    states,
    streamId: () => (JSON.parse(events[0]?.data ?? '{}') as MuxOpenData).streamId,
    ended: () => ended,
    cancel: () => reader.cancel(),
  }
}

const open = (handler: (request: Request) => Promise<Response>, projects: string, user = 'alice') =>
  handler(new Request(`${APP}/api/persistent-chat/mux?projects=${projects}`, { headers: { cookie: user } }))

const control = (handler: (request: Request) => Promise<Response>, body: unknown, user = 'alice') =>
  handler(
    new Request(`${APP}/api/persistent-chat/mux`, {
      method: 'POST',
      headers: { cookie: user, origin: APP, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  )

test('each upstream is signed V1 + V2 for the stream path, with the cursor as Last-Event-ID', async () => {
  const { handler, calls } = harness()

  const mux = reading(await open(handler, 'p1:4,p2:0'))
  await waitFor(() => mux.states('p1').length === 1 && mux.states('p2').length === 1)

  expect(calls.map((call) => call.url)).toEqual([
    'http://backend.test/base/v1/projects/p1/chat/stream',
    'http://backend.test/base/v1/projects/p2/chat/stream',
  ])
  expect(calls.map((call) => call.headers.get('last-event-id'))).toEqual(['4', '0'])
  for (const call of calls) {
    expect(call.headers.get('accept')).toBe('text/event-stream')
    expect(call.headers.get('cookie')).toBeNull()
    expect(call.headers.get('x-sheen-hmac-signature')).toMatch(/^[0-9a-f]{64}$/)
    expect(
      verifyRequest({
        secret: SECRET,
        method: 'GET',
        pathWithQuery: new URL(call.url).pathname,
        headers: call.headers,
        acceptV1: false,
      }),
    ).toEqual({ ok: true, userId: 'alice', version: 'v2' })
  }
  await mux.cancel()
})

test('a backend that sends no headers in time is that project\u2019s 504; the proxy does not retry', async () => {
  const { handler, calls } = harness(
    (call) =>
      call.url.includes('/slow/')
        ? new Promise<Response>((_resolve, reject) =>
            call.signal.addEventListener('abort', () => reject(call.signal.reason)),
          )
        : streamBody(call),
    { upstreamTimeoutMs: 50 },
  )

  const mux = reading(await open(handler, 'slow:0,fine:0'))
  await waitFor(() => mux.states('slow').length === 1)

  expect(mux.states('slow')[0]).toMatchObject({
    state: 'error',
    status: 504,
    code: 'gateway_timeout',
    retryAfter: null,
  })
  expect(mux.states('fine')).toEqual([{ projectId: 'fine', state: 'open', cursor: 0 }])
  expect(calls.filter((call) => call.url.includes('/slow/'))).toHaveLength(1)
  await mux.cancel()
})

test('after a remove nothing of that upstream is written, not even the event it was in the middle of', async () => {
  const { handler, calls } = harness()
  const mux = reading(await open(handler, 'a:0,b:0'))
  await waitFor(() => mux.states('a').length === 1 && mux.states('b').length === 1)
  const [callA, callB] = calls
  callB?.push('event: message.new\nid: 1\ndata: {"seq":1}\n\nevent: message.new\nid: 2\ndata: {"seq":')
  await waitFor(() => mux.events.some((event) => event.id === 'b/1'))

  const answer = await control(handler, { streamId: mux.streamId(), remove: ['b'] })
  // The event b was in the middle of, finished only now, goes nowhere.
  callB?.push('2}\n\n')
  callA?.push('event: message.new\nid: 1\ndata: {"seq":1}\n\n')
  await waitFor(() => mux.events.some((event) => event.id === 'a/1'))

  expect(answer.status).toBe(204)
  expect(mux.states('b')).toEqual([
    { projectId: 'b', state: 'open', cursor: 0 },
    { projectId: 'b', state: 'closed', cursor: 0, reason: 'removed' },
  ])
  expect(mux.events.filter((event) => event.id?.startsWith('b/')).map((event) => event.event)).toEqual([
    'mux.project',
    'message.new',
    'mux.project',
  ])
  expect(callB?.signal.aborted).toBe(true)
  await waitFor(() => callB?.cancelled === true)
  expect(callA?.signal.aborted).toBe(false)
  await mux.cancel()
})

test('a re-add while the old attempt still waits for headers ends it with one closed "replaced"', async () => {
  let first = true
  const { handler, calls } = harness((call) => {
    if (!first) return streamBody(call)
    first = false
    return new Promise<Response>((_resolve, reject) =>
      call.signal.addEventListener('abort', () => reject(call.signal.reason)),
    )
  })
  const mux = reading(await open(handler, 'p:3'))
  await waitFor(() => calls.length === 1 && mux.events.length === 1)

  expect(
    (await control(handler, { streamId: mux.streamId(), add: [{ projectId: 'p', cursor: 5 }] })).status,
  ).toBe(204)
  await waitFor(() => mux.states('p').length === 2)

  expect(mux.states('p')).toEqual([
    { projectId: 'p', state: 'closed', cursor: 3, reason: 'replaced' },
    { projectId: 'p', state: 'open', cursor: 5 },
  ])
  expect(calls[0]?.signal.aborted).toBe(true)
  expect(calls[1]?.headers.get('last-event-id')).toBe('5')
  await mux.cancel()
})

test('cancelling the mux body (the browser went away) aborts every upstream', async () => {
  const { handler, calls } = harness()
  const mux = reading(await open(handler, 'a:0,b:0,c:0'))
  await waitFor(() => ['a', 'b', 'c'].every((p) => mux.states(p).length === 1))

  await mux.cancel()

  expect(calls.map((call) => call.signal.aborted)).toEqual([true, true, true])
  await waitFor(() => calls.every((call) => call.cancelled))
  expect((await control(handler, { streamId: mux.streamId(), remove: ['a'] })).status).toBe(404)
})

test('a slow browser makes the proxy read the upstream slower instead of buffering without bound', async () => {
  const frame = `event: message.new\nid: 1\ndata: ${'x'.repeat(16 * 1024)}\n\n`
  let pulled = 0
  const { handler } = harness(
    () =>
      new Response(
        new ReadableStream<Uint8Array>(
          {
            async pull(controller) {
              // A real socket yields between chunks, so even a proxy without back-pressure
              // would let the test run (and fail) instead of looping forever.
              await new Promise((resolve) => setImmediate(resolve))
              pulled += frame.length
              controller.enqueue(new TextEncoder().encode(frame))
            },
          },
          { highWaterMark: 0 },
        ),
        { headers: { 'content-type': 'text/event-stream' } },
      ),
  )

  // Nobody reads the mux body.
  const response = await open(handler, 'big:0')
  await waitFor(() => pulled >= 64 * 1024)
  for (let turn = 0; turn < 200; turn++) await new Promise((resolve) => setImmediate(resolve))

  expect(pulled).toBeLessThan(8 * frame.length)
  // Once the browser reads, the upstream flows again.
  const reader = response.body?.getReader()
  const before = pulled
  let read = 0
  while (read < 20 * frame.length) read += (await reader?.read())?.value?.byteLength ?? 0
  expect(pulled).toBeGreaterThan(before)
  await reader?.cancel()
})

test('two proxy instances never share streams: a stream id of one is unknown at the other', async () => {
  const one = harness()
  const other = harness()
  const mux = reading(await open(one.handler, 'a:0'))
  await waitFor(() => mux.events.length > 0)

  const elsewhere = await control(other.handler, { streamId: mux.streamId(), remove: ['a'] })
  const here = await control(one.handler, { streamId: mux.streamId(), remove: ['a'] })

  expect(elsewhere.status).toBe(404)
  expect(here.status).toBe(204)
  await mux.cancel()
})

test('after shutdown a new mux is 503 and open ones end cleanly', async () => {
  const shutdown = new AbortController()
  const { handler, calls } = harness(streamBody, { signal: shutdown.signal })
  const mux = reading(await open(handler, 'a:0'))
  await waitFor(() => mux.states('a').length === 1)

  shutdown.abort()

  await waitFor(() => mux.ended())
  expect(calls[0]?.signal.aborted).toBe(true)
  expect((await open(handler, 'b:0')).status).toBe(503)
})
