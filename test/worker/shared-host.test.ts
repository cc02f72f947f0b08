/**
 * The SharedWorker's host in Node: one hub per hub config (the worker's name may be ignored, so
 * the config comes in hello), a liveness lock held from the start, calls before hello refused,
 * and a tab whose lifetime lock comes free detached, its listeners released.
 */
import { expect, test } from 'vitest'
import { HUB_PROTOCOL_VERSION, hubLockName, tabLockName } from '../../src/protocol'
import { createSharedHost } from '../../src/worker/shared-host'
import { createFakeLocks, createStubHub, type StubHub, until } from '../leader/fakes'

function host() {
  const locks = createFakeLocks()
  const hubs: Array<{ config: unknown; hub: StubHub }> = []
  const released: unknown[] = []
  const shared = createSharedHost({
    createHub: (config, hubHost) => {
      const hub = createStubHub(hubHost)
      hubs.push({ config, hub })
      return hub
    },
    locks: locks.client('worker'),
    newId: () => 'instance-1',
    log: () => {},
    release: (listener) => released.push(listener),
  })
  /** The tab holds its lifetime lock, as `createChatClient` does before hello. */
  const live = (...tabIds: string[]) => {
    for (const tabId of tabIds)
      void locks.client(tabId).request(tabLockName(tabId), {}, () => new Promise(() => {}))
  }
  return { shared, locks, hubs, released, live }
}

test('ping answers before any hello, once the liveness lock is held', async () => {
  const { shared, locks } = host()

  const pong = await shared.forPort().ping()

  expect(pong).toEqual({ protocolVersion: HUB_PROTOCOL_VERSION, hubId: 'instance-1' })
  expect(locks.holder(hubLockName('instance-1'))).toBe('worker')
})

test("tabs with the same config share a hub, another config gets its own, whatever order the config's keys come in", async () => {
  const { shared, hubs, live } = host()
  live('a', 'b', 'c')

  await shared.forPort().hello(
    { tabId: 'a', visible: true, config: {} },
    () => {},
    () => {},
  )
  await shared.forPort().hello(
    { tabId: 'b', visible: true, config: { closeGraceMs: 1, maxBackfill: 9 } },
    () => {},
    () => {},
  )
  await shared.forPort().hello(
    { tabId: 'c', visible: true, config: { maxBackfill: 9, closeGraceMs: 1 } },
    () => {},
    () => {},
  )
  const stats = await shared
    .forPort()
    .stats()
    .catch((error: { code: string }) => error.code)

  expect(hubs.map((h) => h.config)).toEqual([{}, { closeGraceMs: 1, maxBackfill: 9 }])
  expect(hubs.map((h) => [...h.hub.tabs.keys()])).toEqual([['a'], ['b', 'c']])
  expect(stats).toBe('unknown_tab')
})

test("a port's calls go to the hub its hello chose, with the welcome naming the worker's liveness lock", async () => {
  const { shared, hubs, live } = host()
  live('a')
  const port = shared.forPort()

  const welcome = await port.hello(
    { tabId: 'a', visible: true, config: { closeGraceMs: 1 } },
    () => {},
    () => {},
  )
  await port.subscribe('a', 'proj')

  expect(welcome).toMatchObject({ hubId: 'instance-1', liveness: hubLockName('instance-1') })
  expect(hubs[0]?.hub.calls).toEqual(['hello a', 'subscribe a proj'])
})

test('a tab whose lifetime lock comes free is detached and its listeners released', async () => {
  const { shared, locks, hubs, released } = host()
  let closeTab: () => void = () => {}
  void locks.client('tab').request(tabLockName('a'), {}, () => new Promise<void>((r) => (closeTab = r)))
  const onBatch = () => {}
  const onSession = () => {}
  await shared.forPort().hello({ tabId: 'a', visible: true }, onBatch, onSession)

  closeTab()
  await until(() => hubs[0]?.hub.calls.includes('detach a') ?? false, 'the detach')

  expect(released).toEqual([onBatch, onSession])
})
