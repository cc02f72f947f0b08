/**
 * A leader-tab tab across a change of leader, with two dispatchers on one call channel and the
 * announcements posted by the test: attaching again, calls the new attachment restores, a new
 * leader that refuses the session, and batches from a leader that has stood down.
 */
import { afterEach, expect, test } from 'vitest'
import { serveHub } from '../../src/leader/dispatch'
import { type Channel, holdLock } from '../../src/leader/platform'
import {
  announceChannelName,
  type ChannelBatch,
  callChannelName,
  HUB_PROTOCOL_VERSION,
  hubLockName,
  type SessionEvent,
} from '../../src/protocol'
import { channelsFor, createFakeLocks, createStubHub, leaderTab, type StubHub, until } from './fakes'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

let counter = 0

function setup() {
  const suffix = `${process.pid}-${++counter}`
  const config = { origin: suffix }
  const opened: Channel[] = []
  const open = channelsFor(undefined, opened)
  const locks = createFakeLocks()
  const tabId = `tab-${suffix}`
  const announcer = open(announceChannelName(HUB_PROTOCOL_VERSION, config))
  const leaders = new Map<number, { hub: StubHub; stop(): void }>()
  const leaderId = (epoch: number) => `leader-${suffix}-${epoch}`
  const heartbeat = (epoch: number) =>
    announcer.post({ type: 'leader', epoch, leaderId: leaderId(epoch), tabId: `tab-of-${epoch}` })
  /** A leader at `epoch`: holds its liveness lock, serves a stub hub, announces itself. */
  const lead = async (epoch: number) => {
    const liveness = hubLockName(leaderId(epoch))
    const hub = createStubHub({ id: leaderId(epoch), liveness })
    const release = await holdLock(locks.client(`worker-${epoch}`), liveness)
    const serving = serveHub({
      hub,
      epoch,
      callChannel: callChannelName(HUB_PROTOCOL_VERSION, config),
      openChannel: open,
      locks: locks.client(`worker-${epoch}`),
      fence: async () => true,
    })
    leaders.set(epoch, { hub, stop: () => serving.stop() })
    cleanups.push(() => {
      serving.stop()
      release()
    })
    heartbeat(epoch)
    return hub
  }
  const tab = leaderTab({ locks, config, tabId, timeLimitMs: 2000 }, cleanups)
  const batches: ChannelBatch[] = []
  const sessions: SessionEvent[] = []
  cleanups.push(() => {
    for (const channel of opened) channel.close()
  })
  const hello = () =>
    tab.api.hello(
      { tabId, visible: true },
      (batch) => {
        batches.push(batch)
      },
      (event) => {
        sessions.push(event)
      },
    )
  return { tab, lead, heartbeat, leaders, tabId, hello, batches, sessions }
}

test('a new leader gets hello and every shown project again; a visibility change the old leader never answered is restored, not sent twice', async () => {
  const s = setup()
  const first = await s.lead(1)
  await s.hello()
  await s.tab.api.subscribe(s.tabId, 'a')
  await s.tab.api.subscribe(s.tabId, 'b')
  s.leaders.get(1)?.stop() // the old leader goes silent

  const hidden = s.tab.api.setVisibility(s.tabId, false)
  const second = await s.lead(2)
  await hidden
  await until(() => second.calls.filter((c) => c.startsWith('subscribe')).length === 2, 'subscribed again')

  expect(first.calls).toEqual([`hello ${s.tabId}`, `subscribe ${s.tabId} a`, `subscribe ${s.tabId} b`])
  expect(second.calls.sort()).toEqual([
    `hello ${s.tabId}`,
    `subscribe ${s.tabId} a`,
    `subscribe ${s.tabId} b`,
  ])
})

test('a new leader that refuses the session: the tab hears auth_failed once and asks again only on reconnect()', async () => {
  const s = setup()
  await s.lead(1)
  await s.hello()
  s.leaders.get(1)?.stop()
  const second = createStubHubRefusing()
  const refusing = await s.lead(2)
  refusing.hello = second.hello

  await until(() => s.sessions.length === 1, 'auth_failed')
  for (let i = 0; i < 5; i++) s.heartbeat(2)
  const refusedStats = await s.tab.api.stats().then(
    () => 'answered',
    (error: { code: string }) => error.code,
  )
  second.accept = true
  await s.tab.api.reconnect(s.tabId)

  expect(s.sessions).toEqual([{ type: 'auth_failed', code: 401, reason: 'not signed in' }])
  expect(second.attempts).toBe(2)
  expect(refusedStats).toBe('unauthenticated')
  expect(refusing.calls).toEqual([`reconnect ${s.tabId}`])
})

test('batches from a leader that has been replaced are dropped', async () => {
  const s = setup()
  const first = await s.lead(1)
  await s.hello()
  await s.tab.api.subscribe(s.tabId, 'a')
  const second = await s.lead(2)
  await until(() => second.calls.includes(`subscribe ${s.tabId} a`), 'attached to 2')
  const before = s.batches.length

  void first.push(s.tabId, { projectId: 'a', changes: [{ type: 'status', status: { status: 'offline' } }] })
  await second.push(s.tabId, {
    projectId: 'a',
    changes: [{ type: 'status', status: { status: 'connected' } }],
  })

  const statuses = s.batches.map((b) => b.changes[0]?.type === 'status' && b.changes[0].status.status)
  // While there was no leader the view said so; then only the new leader's batch counts.
  expect(statuses.slice(0, before)).toEqual(['reconnecting'])
  expect(statuses.slice(before)).toEqual(['connected'])
})

/** A `hello` that refuses until `accept`, counting attempts. */
function createStubHubRefusing() {
  const state = {
    accept: false,
    attempts: 0,
    hello: async (...args: Parameters<StubHub['hello']>) => {
      state.attempts++
      if (!state.accept) throw { code: 'unauthenticated', message: 'not signed in' }
      return createStubHub().hello(...args)
    },
  }
  return state
}
