/**
 * Leader election in Node with a fake lock manager and real `BroadcastChannel`s: one leader at
 * a time, the next in the queue when it goes, a steal when a frozen leader keeps its lock, and
 * a stolen leader that stands down without answering or writing once it wakes up.
 */
import { afterEach, expect, test } from 'vitest'
import { applyChanges, EMPTY_VIEW, type ProjectView } from '../../src/client/message-list'
import { systemClock } from '../../src/hub'
import { type LeaderHost, startLeaderHost } from '../../src/leader/election'
import { fencedDeps, fencedStore } from '../../src/leader/fence'
import type { Channel } from '../../src/leader/platform'
import {
  announceChannelName,
  callChannelName,
  HUB_PROTOCOL_VERSION,
  type HubConfigJson,
  type LeaderAnnouncement,
  leaderLockName,
  readAnnounce,
} from '../../src/protocol'
import { createMemoryStore } from '../../src/store'
import {
  attachedTo,
  channelsFor,
  clockFor,
  createFakeLocks,
  createFreezer,
  createStubHub,
  type FakeLocks,
  type Freezer,
  type LeaderTab,
  leaderTab,
  type StubHub,
  until,
} from './fakes'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

let counter = 0

interface Origin {
  locks: FakeLocks
  /** A config of its own, so tests never hear each other's channels. */
  config: HubConfigJson
  lock: string
  announce: string
  calls: string
}

function origin(): Origin {
  const config = { origin: `${process.pid}-${++counter}` }
  return {
    locks: createFakeLocks(),
    config,
    lock: leaderLockName(HUB_PROTOCOL_VERSION, config),
    announce: announceChannelName(HUB_PROTOCOL_VERSION, config),
    calls: callChannelName(HUB_PROTOCOL_VERSION, config),
  }
}

interface TestWorker {
  name: string
  host: LeaderHost
  freezer: Freezer
  hubs: StubHub[]
  fences: Array<() => Promise<boolean>>
  /** The tab closed: its worker stops running and its locks are released. */
  kill(): void
}

/** `channelFreezer`: hold back its channel messages separately from its timers. */
function worker(o: Origin, name: string, channelFreezer?: Freezer): TestWorker {
  const freezer = createFreezer()
  const opened: Channel[] = []
  const hubs: StubHub[] = []
  const fences: Array<() => Promise<boolean>> = []
  const host = startLeaderHost({
    tabId: name,
    lockName: o.lock,
    announceChannel: o.announce,
    callChannel: o.calls,
    openChannel: channelsFor(channelFreezer ?? freezer, opened),
    locks: o.locks.client(name, freezer),
    createHub: (fence, host) => {
      const hub = createStubHub(host)
      hubs.push(hub)
      fences.push(fence)
      return hub
    },
    clock: clockFor(freezer),
    random: () => 0.5,
    newId: () => `${name}-term-${++counter}`,
    announceEveryMs: 25,
    silenceMs: 150,
    stealJitterMs: 50,
  })
  let killed = false
  const kill = () => {
    killed = true
    freezer.freeze()
    for (const channel of opened) channel.close()
    o.locks.crash(name)
  }
  cleanups.push(() => {
    if (killed) return // a dead worker runs nothing more
    freezer.thaw()
    host.stop()
    for (const channel of opened) channel.close()
  })
  return { name, host, freezer, hubs, fences, kill }
}

interface TestTab {
  tab: LeaderTab
  views: Map<string, ProjectView>
  tabId: string
}

async function tab(o: Origin, tabId: string): Promise<TestTab> {
  const views = new Map<string, ProjectView>()
  const attached = leaderTab({ locks: o.locks, config: o.config, tabId }, cleanups)
  await attached.api.hello(
    { tabId, visible: true },
    (batch) => {
      views.set(batch.projectId, applyChanges(views.get(batch.projectId) ?? EMPTY_VIEW, batch.changes))
    },
    () => {},
  )
  return { tab: attached, views, tabId }
}

/** The leader id of `worker`'s term, if it leads. */
const termOf = (w: TestWorker) => (w.host.role.role === 'leading' ? w.host.role.leaderId : undefined)

/** Everything announced on the origin's announce channel, in order. */
function listen(o: Origin): LeaderAnnouncement[] {
  const heard: LeaderAnnouncement[] = []
  const opened: Channel[] = []
  channelsFor(
    undefined,
    opened,
  )(o.announce).listen((data) => {
    const message = readAnnounce(data)
    if (message?.type === 'leader') heard.push(message)
  })
  cleanups.push(() => {
    for (const channel of opened) channel.close()
  })
  return heard
}

const leaders = (workers: TestWorker[]) => workers.filter((w) => w.host.role.role === 'leading')

test('the first worker leads and announces itself; the others follow and never start a hub', async () => {
  const o = origin()
  const heard = listen(o)
  const a = worker(o, 'a')
  await until(() => a.host.role.role === 'leading', 'a leads')
  const b = worker(o, 'b')
  const c = worker(o, 'c')

  await until(() => heard.filter((m) => m.tabId === 'a').length >= 3, 'three announcements')

  expect(leaders([a, b, c])).toEqual([a])
  expect(b.hubs).toHaveLength(0)
  expect(c.hubs).toHaveLength(0)
  expect(o.locks.holder(o.lock)).toBe('a')
  expect(new Set(heard.map((m) => m.leaderId)).size).toBe(1)
})

test('when the leader tab closes, the next worker in the queue leads with a higher epoch, and tabs re-attach and re-subscribe to it', async () => {
  const o = origin()
  const a = worker(o, 'a')
  await until(() => a.host.role.role === 'leading', 'a leads')
  const b = worker(o, 'b')
  const t1 = await tab(o, 't1')
  const t2 = await tab(o, 't2')
  await t1.tab.api.subscribe('t1', 'proj')
  await t2.tab.api.subscribe('t2', 'proj')
  expect(attachedTo(t1.tab)).toBe(termOf(a))
  const firstEpoch = a.host.role.role === 'leading' ? a.host.role.epoch : 0

  a.kill()
  await until(() => b.host.role.role === 'leading', 'b leads')
  const bHub = b.hubs[0]
  await until(() => (bHub?.calls.filter((c) => c.startsWith('subscribe')).length ?? 0) === 2, 're-subscribed')
  const stats = await t2.tab.api.stats()

  await until(() => attachedTo(t1.tab) === termOf(b), 't1 attached to b')
  expect(b.host.role.role === 'leading' && b.host.role.epoch).toBeGreaterThan(firstEpoch)
  expect([...(bHub?.calls ?? [])].sort()).toEqual([
    'hello t1',
    'hello t2',
    'stats',
    'subscribe t1 proj',
    'subscribe t2 proj',
  ])
  expect(stats.tabs).toBe(2)
})

test('a call the old leader never answered goes again to the new one, a send too: with its client_msg_id, so it is queued once', async () => {
  const o = origin()
  const a = worker(o, 'a')
  await until(() => a.host.role.role === 'leading', 'a leads')
  const b = worker(o, 'b')
  const t1 = await tab(o, 't1')
  a.freezer.freeze() // a hears the calls but cannot answer them

  const older = t1.tab.api.loadOlder('t1', 'proj', 10, 5)
  const sent = t1.tab.api.send('t1', 'proj', { text: 'in flight', client_msg_id: 'client_in_flight' }).then(
    (entry) => entry.text,
    (error: { code: string }) => error.code,
  )
  a.kill()

  await expect(older).resolves.toEqual({ messages: [], hasOlder: false })
  await expect(sent).resolves.toBe('in flight')
  expect(b.hubs[0]?.calls).toContain('loadOlder t1 proj 10 5')
  expect(b.hubs[0]?.calls.filter((c) => c.startsWith('send'))).toEqual([
    'send t1 proj in flight client_in_flight',
  ])
})

test('a frozen leader keeps its lock: a follower steals it after the silence; the old leader, thawed, stands down and answers and writes nothing', async () => {
  const o = origin()
  const a = worker(o, 'a')
  await until(() => a.host.role.role === 'leading', 'a leads')
  const b = worker(o, 'b')
  const t1 = await tab(o, 't1')
  const oldHub = a.hubs[0]
  const oldFence = a.fences[0]
  if (!oldHub || !oldFence) throw new Error('a has no hub')
  const writes: string[] = []
  const oldStore = fencedStore(createMemoryStore(), async () => {
    if (!(await oldFence())) throw { code: 'unavailable', message: 'not leading' }
  })

  a.freezer.freeze()
  const stats = t1.tab.api.stats() // posted to a, which is frozen
  await until(() => b.host.role.role === 'leading', 'b steals', 3000)
  await expect(stats).resolves.toMatchObject({ mode: 'leader-tab' })
  a.freezer.thaw()
  const write = oldStore.putOutbox({
    client_msg_id: 'c1',
    projectId: 'p',
    userId: 'u',
    text: 'late',
    createdAt: 1,
    status: { state: 'pending', attempts: 0 },
  })
  await write.then(
    () => writes.push('written'),
    () => writes.push('refused'),
  )
  await until(() => a.host.role.role === 'following', 'a stands down')

  expect(o.locks.holder(o.lock)).toBe('b')
  expect(oldHub.closed).toBe(true)
  expect(oldHub.calls).toEqual(['hello t1', 'close'])
  expect(writes).toEqual(['refused'])
  expect(await oldStore.listOutbox()).toEqual([])
  expect(await oldFence()).toBe(false)
  expect(leaders([a, b])).toEqual([b])
  expect(attachedTo(t1.tab)).toBe(termOf(b))
})

test('a leader that hears a newer leader stands down; leading again needs the lock and an even newer epoch', async () => {
  const o = origin()
  const a = worker(o, 'a')
  await until(() => a.host.role.role === 'leading', 'a leads')
  const epoch = a.host.role.role === 'leading' ? a.host.role.epoch : 0
  const opened: Channel[] = []
  const impostor = channelsFor(undefined, opened)(o.announce)
  cleanups.push(() => impostor.close())

  impostor.post({ type: 'leader', epoch: epoch + 1_000_000, leaderId: 'newer', tabId: 'x' })
  await until(() => a.hubs[0]?.closed === true, 'a closes its hub')
  // Nobody really holds the lock, so a's queued request gets it back: as a new term.
  await until(() => a.hubs.length === 2, 'a leads again')

  expect(a.host.role).toMatchObject({ role: 'leading', epoch: epoch + 1_000_001 })
  expect(a.hubs[1]?.closed).toBe(false)
})

test('stop() releases the lock and the next worker leads', async () => {
  const o = origin()
  const a = worker(o, 'a')
  await until(() => a.host.role.role === 'leading', 'a leads')
  const b = worker(o, 'b')

  a.host.stop()
  await until(() => b.host.role.role === 'leading', 'b leads')

  expect(a.host.role).toEqual({ role: 'stopped' })
  expect(a.hubs[0]?.closed).toBe(true)
  expect(o.locks.holder(o.lock)).toBe('b')
})

test('a follower frozen longer than the silence limit does not steal from a live leader when it wakes', async () => {
  const o = origin()
  const a = worker(o, 'a')
  await until(() => a.host.role.role === 'leading', 'a leads')
  const inbox = createFreezer()
  const b = worker(o, 'b', inbox)
  const heard = listen(o)

  b.freezer.freeze()
  inbox.freeze()
  // While b sleeps the leader keeps announcing; b hears nothing and its timers stall.
  await until(() => heard.length >= 12, 'a keeps announcing')
  b.freezer.thaw() // b's overdue check runs first, before the announcements it missed
  inbox.thaw()
  await until(() => heard.length >= 20, 'more announcements after b woke')

  expect(leaders([a, b])).toEqual([a])
  expect(b.hubs).toHaveLength(0)
})

test('fenced deps: when the fence says no, requests, store writes and cache deletion are refused; reads pass', async () => {
  const log: string[] = []
  let leading = true
  const store = createMemoryStore()
  const deps = fencedDeps(
    {
      fetch: async (url) => {
        log.push(`fetch ${url}`)
        return new Response('{}')
      },
      clock: systemClock,
      random: Math.random,
      openStore: async () => store,
      deleteStore: async (userId) => {
        log.push(`delete ${userId}`)
      },
      isOnline: () => true,
      mode: 'leader-tab',
    },
    async () => leading,
  )
  const fenced = await deps.openStore('u1')
  await deps.fetch('/before', { method: 'GET', headers: {} })

  leading = false
  const refused = await Promise.allSettled([
    deps.fetch('/after', { method: 'GET', headers: {} }),
    fenced.clearProject('p'),
    fenced.deleteOutbox('c1'),
    deps.deleteStore('u1'),
  ])
  const read = await fenced.loadProject('p', 10)

  expect(log).toEqual(['fetch /before'])
  expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected'])
  expect(read).toEqual({ record: undefined, messages: [] })
})
