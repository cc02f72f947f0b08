/**
 * Hygiene of the hub core: nothing left running after close (streams, timers), and a heap that
 * stays flat while 100,000 messages flow through one channel.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, expect, test } from 'vitest'
import { createHub, systemClock } from '../../src/hub'
import type { RunningBackend } from '../../src/server/backend'
import { type ChatStore, createMemoryStore } from '../../src/store'
import { createFakeClock } from '../helpers/fake-clock'
import { createTestHub } from '../helpers/hub-harness'
import { startStack, type TestStack, waitFor } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function stack(): Promise<TestStack> {
  const started = await startStack()
  cleanups.push(() => started.close())
  return started
}

test('closing the hub ends every stream and leaves no timer behind', async () => {
  const s = await stack()
  const backend = s.server.backend as RunningBackend
  const clock = createFakeClock()
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login('hygiene_ann'), clock })
  const tab = testHub.tab('t')
  await tab.hello()
  for (const project of ['h_one', 'h_two', 'h_three']) await testHub.hub.subscribe('t', project)
  for (const project of ['h_one', 'h_two', 'h_three'])
    await tab.until(project, (v) => v.status.status === 'connected')
  await testHub.hub.send('t', 'h_one', { text: 'in flight at close' })
  expect(clock.pending()).toBeGreaterThan(0) // stall watchdogs, at least

  testHub.hub.close()

  await waitFor(() => backend.openStreams('hygiene_ann') === 0, 3000, 'streams closed')
  await waitFor(() => clock.pending() === 0, 3000, 'timers released')
})

test('the hub’s heap stays bounded while 100,000 messages flow through one channel', {
  timeout: 180_000,
}, async () => {
  const gc = exposeGc()
  const s = await stack()
  const backend = s.server.backend as RunningBackend
  const cookie = await s.login('hygiene_heap')
  // IndexedDB keeps messages on disk, outside the worker's heap; fake-indexeddb would keep
  // them in this heap. A store that keeps only ranges measures what the hub itself retains.
  const hub = createHub({
    fetch: (url, init) =>
      fetch(s.url + url, {
        method: init.method,
        headers: { ...init.headers, cookie, origin: s.url },
        body: init.body ?? null,
        signal: init.signal ?? null,
      }),
    clock: systemClock,
    random: Math.random,
    openStore: async () => rangesOnlyStore(),
    deleteStore: async () => {},
    isOnline: () => true,
    mode: 'in-page',
  })
  cleanups.push(() => hub.close())
  let delivered = 0
  await hub.hello(
    { tabId: 't', visible: true },
    (batch) => {
      for (const change of batch.changes) if (change.type === 'messages') delivered += change.messages.length
    },
    () => {},
  )
  await hub.subscribe('t', 'h_heap')
  await waitFor(() => backend.openStreams('hygiene_heap') === 1, 5000, 'stream open')
  const text = 'x'.repeat(200)
  const pump = async (upTo: number) => {
    while (delivered < upTo) {
      const batch = Math.min(1000, upTo - backend.latestSeq('h_heap'))
      for (let i = 0; i < batch; i++) backend.append('h_heap', 'sender', text)
      await waitFor(
        () => delivered >= backend.latestSeq('h_heap'),
        30_000,
        `delivery of ${backend.latestSeq('h_heap')}`,
      )
    }
  }

  await pump(10_000)
  gc()
  const at10k = process.memoryUsage().heapUsed
  await pump(100_000)
  gc()
  const at100k = process.memoryUsage().heapUsed

  const growthMiB = (at100k - at10k) / 2 ** 20
  console.log(
    `[hygiene] hub heap after 10,000 messages ${(at10k / 2 ** 20).toFixed(1)} MiB, after 100,000 ${(at100k / 2 ** 20).toFixed(1)} MiB (growth ${growthMiB.toFixed(1)} MiB)`,
  )
  expect(delivered).toBe(100_000)
  // 90,000 messages of ~0.5 KB each would be ~45 MiB if they were kept.
  expect(growthMiB).toBeLessThan(10)
})

function rangesOnlyStore(): ChatStore {
  const memory = createMemoryStore()
  return {
    ...memory,
    commit: (projectId, batch) => memory.commit(projectId, { ...batch, messages: [] }),
  }
}

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}
