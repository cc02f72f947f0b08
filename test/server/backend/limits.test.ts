import { afterEach, beforeEach, expect, test } from 'vitest'
import {
  type BackendClient,
  startTestBackend,
  type TestStream,
  waitUntil,
} from '../../helpers/backend-client'

let backend: Awaited<ReturnType<typeof startTestBackend>>['backend']
let client: BackendClient

beforeEach(async () => {
  ;({ backend, client } = await startTestBackend())
})
afterEach(() => backend.close())

function open(userId: string, projectId = 'p1'): Promise<TestStream> {
  return client.openStream({ projectId, userId })
}

test('the 11th stream of a user gets 429 with Retry-After; closing one lets the next in', async () => {
  const streams = await Promise.all(Array.from({ length: 10 }, (_, i) => open('user_a', `p${i % 3}`)))
  expect(streams.map((stream) => stream.status)).toEqual(Array(10).fill(200))
  expect(backend.openStreams('user_a')).toBe(10)

  const refused = await open('user_a')

  expect(refused.status).toBe(429)
  expect(refused.headers['retry-after']).toBe('5')
  expect(JSON.parse(refused.text)).toEqual({
    error: { code: 'too_many_streams', message: expect.any(String) },
  })
  expect(backend.openStreams('user_a')).toBe(10)

  // Other users are not affected.
  expect((await open('user_b')).status).toBe(200)

  streams[0]?.close()
  await waitUntil(() => backend.openStreams('user_a') === 9)

  expect((await open('user_a')).status).toBe(200)
  expect(backend.openStreams('user_a')).toBe(10)
  expect(backend.openStreams()).toBe(11)
})

test('a burst of 15 concurrent opens admits exactly 10', async () => {
  const streams = await Promise.all(Array.from({ length: 15 }, () => open('user_a')))

  const statuses = streams.map((stream) => stream.status).sort()
  expect(statuses).toEqual([...Array(10).fill(200), ...Array(5).fill(429)])
  expect(backend.openStreams('user_a')).toBe(10)
})
