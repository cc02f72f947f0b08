import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { formatEvent } from '../../../src/server/backend/sse-format'
import { createStreamRegistry, type StreamRegistry } from '../../../src/server/backend/streams'
import { createBackendClient, waitUntil } from '../../helpers/backend-client'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
})

/** Serves every request with `onOpen` on a real loopback server, unsigned. */
async function serve(registry: StreamRegistry, onOpen: (open: ReturnType<StreamRegistry['open']>) => void) {
  server = createServer((_request, response) => onOpen(registry.open('user_a', 'p1', response)))
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return createBackendClient(`http://127.0.0.1:${port}`, 'unused')
}

const message = (seq: number) => ({ seq, frame: formatEvent('message.new', { seq }, seq) })

test('events published during the replay wait for it, minus the seqs it carried', async () => {
  const registry = createStreamRegistry({ heartbeatMs: 0, maxStreamsPerUser: 10 })
  const client = await serve(registry, (stream) => {
    // Live events arrive between registration and the end of the replay: 2 and 3 overlap it.
    registry.publish('p1', message(2))
    registry.publish('p1', { frame: formatEvent('presence.updated', { status: 'online' }) })
    registry.publish('p1', message(3))
    registry.publish('p1', message(4))
    stream?.finishReplay(
      formatEvent('message.replay', { seq: 2 }, 2) + formatEvent('message.replay', { seq: 3 }, 3),
      3,
    )
    registry.publish('p1', message(5))
  })

  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a', sign: false })
  await stream.until(() => stream.events.length === 5)

  expect(stream.events.map((event) => `${event.event}:${event.id ?? ''}`)).toEqual([
    'message.replay:2',
    'message.replay:3',
    'presence.updated:',
    'message.new:4',
    'message.new:5',
  ])
})

test('a consumer that stops reading is dropped once its buffer passes the cap', async () => {
  const registry = createStreamRegistry({ heartbeatMs: 0, maxStreamsPerUser: 10, maxBufferedBytes: 1024 })
  let opened = false
  const client = await serve(registry, (stream) => {
    stream?.finishReplay('', 0)
    opened = true
  })
  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a', sign: false })
  expect(opened).toBe(true)

  // One write far larger than the socket can take at once leaves bytes queued in the response.
  registry.publish('p1', { seq: 1, frame: `data: ${'x'.repeat(16 * 1024 * 1024)}\n\n` })

  await stream.until(() => stream.ended)
  await waitUntil(() => registry.count() === 0)
  expect(stream.events).toHaveLength(0)
})
