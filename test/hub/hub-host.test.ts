/**
 * What the hub tells tabs about itself and forwards to them: `ping` (no network), the welcome's
 * hub id and liveness lock from its host, log entries from each tab's level up, and whether
 * storage is persisted.
 */
import { expect, test } from 'vitest'
import { createHub, type FetchLike, type HubHost, systemClock } from '../../src/hub'
import { HUB_PROTOCOL_VERSION, type LogEntry } from '../../src/protocol'
import { createMemoryStore } from '../../src/store'

function hubWith(host?: HubHost) {
  const requests: string[] = []
  const fetchLike: FetchLike = async (url, init) => {
    requests.push(`${init.method} ${url}`)
    return Response.json({ authenticated: true, userId: 'u1', timestamp: Date.now(), heartbeatMs: 20_000 })
  }
  const hostLog: LogEntry[] = []
  const hub = createHub(
    {
      fetch: fetchLike,
      clock: systemClock,
      random: Math.random,
      openStore: async () => createMemoryStore(),
      deleteStore: async () => {},
      isOnline: () => true,
      mode: 'shared-worker',
      log: (entry) => hostLog.push(entry),
    },
    host,
  )
  return { hub, requests, hostLog }
}

test('ping answers the protocol version and the host instance at once, without the network', async () => {
  const { hub, requests } = hubWith({ id: 'worker-1' })

  const pong = await hub.ping()

  expect(pong).toEqual({ protocolVersion: HUB_PROTOCOL_VERSION, hubId: 'worker-1' })
  expect(requests).toEqual([])
})

test('the welcome names the hub and the liveness lock its host holds; without a host, a fresh id and no lock', async () => {
  const hosted = hubWith({ id: 'worker-1', liveness: 'persistent-chat:hub:worker-1' })
  const bare = hubWith()

  const welcome = await hosted.hub.hello(
    { tabId: 't1', visible: true },
    () => {},
    () => {},
  )
  const plain = await bare.hub.hello(
    { tabId: 't1', visible: true },
    () => {},
    () => {},
  )

  expect(welcome).toMatchObject({ hubId: 'worker-1', liveness: 'persistent-chat:hub:worker-1' })
  expect(plain.hubId).toMatch(/^[0-9a-f-]{36}$/)
  expect(plain).not.toHaveProperty('liveness')
})

test("log entries reach each tab from the level it asked for up, and the host's log gets them all", async () => {
  const { hub, hostLog } = hubWith()
  const quiet: LogEntry[] = []
  const chatty: LogEntry[] = []
  await hub.hello(
    { tabId: 'quiet', visible: true },
    () => {},
    () => {},
    (entry) => quiet.push(entry),
  )
  await hub.hello(
    { tabId: 'chatty', visible: true, logLevel: 'debug' },
    () => {},
    () => {},
    (entry) => chatty.push(entry),
  )

  hub.log({ level: 'info', event: 'leader.elected', epoch: 3 })
  hub.log({ level: 'error', event: 'store.failed' })

  expect(quiet.map((e) => e.event)).toEqual(['store.failed'])
  expect(chatty.map((e) => e.event)).toEqual(['leader.elected', 'store.failed'])
  expect(hostLog.map((e) => e.event)).toEqual(['leader.elected', 'store.failed'])
})

test('stats say whether storage is persisted, as the host tells; null where it cannot', async () => {
  const persisted = hubWith({ storagePersisted: async () => true })
  const unknown = hubWith()

  expect((await persisted.hub.stats()).storagePersisted).toBe(true)
  expect((await unknown.hub.stats()).storagePersisted).toBeNull()
})
