/**
 * `LeaderClient` across a change of leader, with two dispatchers on one call channel and the
 * announcements posted by the test: attaching again, calls the new attachment restores, a new
 * leader that refuses the session, and batches from a leader that has stood down.
 */
import { afterEach, expect, test } from 'vitest'
import { createLeaderClient } from '../../src/client/leader/leader-client'
import { systemClock } from '../../src/hub'
import type { ChannelBatch, SessionEvent } from '../../src/protocol'
import { serveHub } from '../../src/worker/leader-dispatch'
import type { Channel } from '../../src/worker/leader-platform'
import { tabLockName } from '../../src/worker/tab-lock'
import { channelsFor, createFakeLocks, createStubHub, type StubHub, until } from './leader-fakes'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

let counter = 0

function setup() {
  const suffix = `${process.pid}-${++counter}`
  const names = { announce: `announce-${suffix}`, calls: `calls-${suffix}` }
  const opened: Channel[] = []
  const open = channelsFor(undefined, opened)
  const locks = createFakeLocks()
  const tabId = `tab-${suffix}`
  void locks.client('page').request(tabLockName(tabId), {}, () => new Promise<void>(() => {}))
  const announcer = open(names.announce)
  const leaders = new Map<number, { hub: StubHub; stop(): void }>()
  const lead = (epoch: number) => {
    const hub = createStubHub()
    const serving = serveHub({
      hub,
      epoch,
      callChannel: names.calls,
      openChannel: open,
      locks: locks.client(`worker-${epoch}`),
      fence: async () => true,
    })
    leaders.set(epoch, { hub, stop: () => serving.stop() })
    announcer.post({ type: 'leader', epoch, leaderId: `leader-${epoch}`, tabId: `tab-of-${epoch}` })
    return hub
  }
  const heartbeat = (epoch: number) =>
    announcer.post({ type: 'leader', epoch, leaderId: `leader-${epoch}`, tabId: `tab-of-${epoch}` })
  const client = createLeaderClient({
    openChannel: open,
    announceChannel: names.announce,
    callChannel: names.calls,
    timeLimit: () => 2000,
    clock: systemClock,
    newId: () => `call-${++counter}`,
  })
  const batches: ChannelBatch[] = []
  const sessions: SessionEvent[] = []
  cleanups.push(() => {
    client.close()
    for (const leader of leaders.values()) leader.stop()
    for (const channel of opened) channel.close()
  })
  const hello = () =>
    client.api.hello(
      { tabId, visible: true },
      (batch) => {
        batches.push(batch)
      },
      (event) => {
        sessions.push(event)
      },
    )
  return { client, lead, heartbeat, leaders, tabId, hello, batches, sessions }
}

test('a new leader gets hello and every shown project again; a visibility change the old leader never answered is restored, not sent twice', async () => {
  const s = setup()
  const first = s.lead(1)
  await s.hello()
  await s.client.api.subscribe(s.tabId, 'a')
  await s.client.api.subscribe(s.tabId, 'b')
  s.leaders.get(1)?.stop() // the old leader goes silent

  const hidden = s.client.api.setVisibility(s.tabId, false)
  const second = s.lead(2)
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
  s.lead(1)
  await s.hello()
  s.leaders.get(1)?.stop()
  const second = createStubHubRefusing()
  const refusing = s.lead(2)
  refusing.hello = second.hello

  await until(() => s.sessions.length === 1, 'auth_failed')
  for (let i = 0; i < 5; i++) s.heartbeat(2)
  const refusedStats = await s.client.api.stats().then(
    () => 'answered',
    (error: { code: string }) => error.code,
  )
  second.accept = true
  await s.client.api.reconnect(s.tabId)

  expect(s.sessions).toEqual([{ type: 'auth_failed', code: 401, reason: 'not signed in' }])
  expect(second.attempts).toBe(2)
  expect(refusedStats).toBe('unauthenticated')
  expect(refusing.calls).toEqual([`reconnect ${s.tabId}`])
})

test('batches from a leader that has been replaced are dropped', async () => {
  const s = setup()
  const first = s.lead(1)
  await s.hello()
  await s.client.api.subscribe(s.tabId, 'a')
  const second = s.lead(2)
  await until(() => second.calls.includes(`subscribe ${s.tabId} a`), 'attached to 2')

  void first.push(s.tabId, { projectId: 'a', changes: [{ type: 'status', status: { status: 'offline' } }] })
  await second.push(s.tabId, {
    projectId: 'a',
    changes: [{ type: 'status', status: { status: 'connected' } }],
  })

  expect(s.batches.map((b) => b.changes[0]?.type === 'status' && b.changes[0].status.status)).toEqual([
    'connected',
  ])
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
