import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { openSse, startStack, type TestStack, waitFor } from '../helpers/servers'

let stack: TestStack
let alice: string

beforeAll(async () => {
  stack = await startStack()
  alice = await stack.login('alice')
})

afterAll(async () => {
  await stack.close()
})

function streamUrl(projectId: string, query = ''): string {
  return `${stack.url}/api/persistent-chat/stream?projectId=${projectId}${query}`
}

test('a stream through the proxy delivers connection.established first, with SSE headers', async () => {
  const stream = await openSse(streamUrl('p_first'), { cookie: alice })

  await stream.until(() => stream.events.some((event) => event.event === 'replay.end'))
  expect(stream.status).toBe(200)
  expect(stream.headers['content-type']).toMatch(/^text\/event-stream/)
  expect(stream.headers['cache-control']).toBe('no-cache, no-transform')
  expect(stream.headers['x-accel-buffering']).toBe('no')
  expect(stream.headers['access-control-allow-origin']).toBeUndefined()
  expect(stream.events[0]?.event).toBe('connection.established')
  expect(JSON.parse(stream.events[0]?.data ?? '{}')).toMatchObject({ projectId: 'p_first', from_seq: 0 })
  stream.close()
})

test('live messages arrive through the proxy unbuffered', async () => {
  const stream = await openSse(streamUrl('p_live'), { cookie: alice })
  await stream.until(() => stream.events.some((event) => event.event === 'replay.end'))

  stack.server.backend?.append('p_live', 'bob', 'hello through the proxy')

  await stream.until(() => stream.events.some((event) => event.event === 'message.new'))
  const live = stream.events.find((event) => event.event === 'message.new')
  expect(JSON.parse(live?.data ?? '{}')).toMatchObject({
    seq: 1,
    content: { text: 'hello through the proxy' },
  })
  stream.close()
})

test('from_seq and Last-Event-ID reach the backend as cursors', async () => {
  const backend = stack.server.backend
  for (const text of ['one', 'two', 'three']) backend?.append('p_cursor', 'bob', text)

  const byQuery = await openSse(streamUrl('p_cursor', '&from_seq=1'), { cookie: alice })
  const byHeader = await openSse(streamUrl('p_cursor', '&from_seq=0'), {
    cookie: alice,
    'last-event-id': '2',
  })
  const replayed = (events: typeof byQuery.events): string[] =>
    events.filter((event) => event.event === 'message.replay').map((event) => event.id ?? '')

  await byQuery.until(() => byQuery.events.some((event) => event.event === 'replay.end'))
  await byHeader.until(() => byHeader.events.some((event) => event.event === 'replay.end'))
  expect(replayed(byQuery.events)).toEqual(['2', '3'])
  expect(replayed(byHeader.events)).toEqual(['3'])
  byQuery.close()
  byHeader.close()
})

test('closing the browser socket ends the backend stream within 1 s', async () => {
  const backend = stack.server.backend
  if (backend === undefined) throw new Error('reference backend expected')
  const carol = await stack.login('carol')
  const stream = await openSse(streamUrl('p_abort'), { cookie: carol })
  await stream.until(() => stream.events.some((event) => event.event === 'connection.established'))
  expect(backend.openStreams('carol')).toBe(1)

  stream.close()

  const elapsed = await waitFor(() => backend.openStreams('carol') === 0, 1000, 'backend stream to close')
  expect(elapsed).toBeLessThan(1000)
})

test('aborting a fetch of the stream ends the backend stream within 1 s', async () => {
  const backend = stack.server.backend
  if (backend === undefined) throw new Error('reference backend expected')
  const dave = await stack.login('dave')
  const controller = new AbortController()
  const response = await fetch(streamUrl('p_fetch_abort'), {
    headers: { cookie: dave },
    signal: controller.signal,
  })
  const reader = response.body?.getReader()
  await reader?.read()
  expect(backend.openStreams('dave')).toBe(1)

  controller.abort()

  await waitFor(() => backend.openStreams('dave') === 0, 1000, 'backend stream to close')
})

test('a browser that disconnects before the backend answers leaves no stream behind', async () => {
  const backend = stack.server.backend
  if (backend === undefined) throw new Error('reference backend expected')
  const erin = await stack.login('erin')
  const requestsBefore = backend.requestCount()

  await new Promise<void>((resolve) => {
    const request = httpRequest(streamUrl('p_early'), { headers: { cookie: erin } })
    request.on('error', () => resolve())
    request.end(() => {
      request.destroy()
      resolve()
    })
  })

  // Either the request reached the backend and was closed, or it never did.
  await waitFor(
    () => backend.requestCount() > requestsBefore || stack.logs.some((l) => l.projectId === 'p_early'),
  )
  await waitFor(() => backend.openStreams('erin') === 0, 1000, 'backend stream to close')
})

test('closing the server ends open streams cleanly and returns promptly', async () => {
  const own = await startStack()
  const cookie = await own.login('shutdown')
  const stream = await openSse(`${own.url}/api/persistent-chat/stream?projectId=p_shutdown`, { cookie })
  await stream.until(() => stream.events.length > 0)

  const startedAt = Date.now()
  await own.close()

  expect(Date.now() - startedAt).toBeLessThan(1000)
  await waitFor(() => stream.ended, 1000, 'the stream to end')
  expect(stream.complete).toBe(true)
  expect(own.logs.some((entry) => entry.event === 'stream.closed' && entry.reason === 'shutdown')).toBe(true)
  expect(own.server.backend?.openStreams()).toBe(0)
})
