/**
 * Capacity: 1,000 concurrent SSE streams (1,000 users, as each may hold 10) on one backend,
 * one message fanned out to all of them. Client and backend share this process, so the RSS
 * printed is an upper bound for the backend alone.
 */

import { afterEach, beforeEach, expect, test } from 'vitest'
import type { MessageData } from '../../src/protocol/wire'
import {
  type BackendClient,
  chatPaths,
  startTestBackend,
  type TestStream,
  waitUntil,
} from '../helpers/backend-client'

let backend: Awaited<ReturnType<typeof startTestBackend>>['backend']
let client: BackendClient

beforeEach(async () => {
  ;({ backend, client } = await startTestBackend())
})
afterEach(() => backend.close())

const STREAMS = 1000
/** Opens in waves: a burst of 1,000 connects would overflow the listen backlog (511). */
const WAVE = 100

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024)

test('holds 1,000 open streams and delivers one message to all of them', { timeout: 30_000 }, async () => {
  const rssBefore = process.memoryUsage().rss
  const started = performance.now()

  const streams: TestStream[] = []
  for (let first = 0; first < STREAMS; first += WAVE) {
    const wave = await Promise.all(
      Array.from({ length: Math.min(WAVE, STREAMS - first) }, (_, i) =>
        client.openStream({ projectId: 'crowd', userId: `user_${first + i}` }),
      ),
    )
    await Promise.all(wave.map((stream) => stream.until(() => stream.data('replay.end').length === 1)))
    streams.push(...wave)
  }
  const opened = performance.now()
  expect(streams.every((stream) => stream.status === 200)).toBe(true)
  expect(backend.openStreams()).toBe(STREAMS)
  const rssOpen = process.memoryUsage().rss

  const response = await client.request({
    method: 'POST',
    path: chatPaths('crowd').messages,
    userId: 'user_poster',
    body: JSON.stringify({ client_msg_id: 'c1', text: 'hello, everyone' }),
  })
  expect(response.status).toBe(201)
  await Promise.all(streams.map((stream) => stream.until(() => stream.data('message.new').length === 1)))
  const delivered = performance.now()

  expect(
    streams.every((stream) => stream.data<MessageData>('message.new')[0]?.content.text === 'hello, everyone'),
  ).toBe(true)
  console.log(
    `[backend-capacity] ${STREAMS} streams open in ${Math.round(opened - started)} ms; ` +
      `fan-out of one message to all in ${Math.round(delivered - opened)} ms (post to last receipt); ` +
      `RSS ${mib(rssBefore)} → ${mib(rssOpen)} MiB (client + backend in one process, ` +
      `+${mib(rssOpen - rssBefore)} MiB for ${STREAMS} streams)`,
  )

  for (const stream of streams) stream.close()
  await waitUntil(() => backend.openStreams() === 0)
})
