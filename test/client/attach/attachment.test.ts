/**
 * The attach protocol with fake hubs that die and restart, on a fake clock: a dead hub is
 * noticed (liveness lock, unanswered ping, a hub that forgot the tab), views say `reconnecting`
 * while there is none, a new hub gets hello and every shown project, the view continues without
 * a duplicate, calls made around the death settle once, and a mode that cannot start hands over
 * to the next one.
 */
import { expect, test } from 'vitest'
import type { HubError } from '../../../src/protocol'
import { createWorld, elapse, fakeTab, seqs, settle } from './fake-hubs'

function rejection(promise: Promise<unknown>): Promise<HubError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: HubError) => error,
  )
}

test('a hub that dies is noticed at once through its liveness lock: the view says reconnecting, a new hub gets hello and the project, and the view continues without a duplicate', async () => {
  const world = createWorld()
  const tab = fakeTab(world, [world.dialer('shared-worker')])
  for (let i = 1; i <= 3; i++) world.publish(`before ${i}`)
  await tab.hello()
  await tab.api.subscribe('t1', 'p')
  const first = world.live()

  first?.die()
  await settle()
  const whileDead = { status: tab.view.status, hubs: world.hubs.length }
  world.publish('while no hub ran')
  await elapse(world, 1000)
  world.publish('after')
  await settle()

  expect(whileDead.status).toMatchObject({ status: 'reconnecting', attempt: 1 })
  expect(whileDead.status.status === 'reconnecting' && whileDead.status.reason).toMatch(/liveness lock/)
  expect(whileDead.hubs).toBe(1)
  expect(world.hubs).toHaveLength(2)
  expect(world.hubs[1]?.calls).toEqual(['hello visible=true', 'subscribe p'])
  expect(seqs(tab.view)).toEqual([1, 2, 3, 4, 5])
  expect(tab.statuses).toEqual(['connected', 'reconnecting', 'connected'])
  expect(tab.attachment.state).toMatchObject({ state: 'attached', hubId: world.hubs[1]?.id })
})

test('a new hub whose snapshot starts past what the tab holds: the messages in between are fetched first, so the view stays one contiguous range', async () => {
  const world = createWorld()
  const tab = fakeTab(world, [world.dialer('shared-worker')])
  for (let i = 1; i <= 3; i++) world.publish(`before ${i}`)
  await tab.hello()
  await tab.api.subscribe('t1', 'p')

  world.live()?.die()
  await settle()
  for (let i = 1; i <= 10; i++) world.publish(`missed ${i}`) // the new hub's snapshot holds the last 5
  await elapse(world, 1000)

  expect(seqs(tab.view)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1))
  expect(world.hubs[1]?.calls).toEqual(['hello visible=true', 'subscribe p', 'loadOlder 9'])
  expect(tab.view.status.status).toBe('connected')
})

test('calls around the death settle once: an unanswered send goes again with its client_msg_id, a visibility change made meanwhile rides on the new hello', async () => {
  const world = createWorld()
  const tab = fakeTab(world, [world.dialer('shared-worker')])
  await tab.hello()
  await tab.api.subscribe('t1', 'p')
  const first = world.live()
  first?.silent.add('send')
  const errors: HubError[] = []

  const sent = tab.api.send('t1', 'p', { text: 'in flight', client_msg_id: 'client_1' })
  await settle()
  first?.die()
  await settle()
  const hidden = tab.api.setVisibility('t1', false).catch((error: HubError) => errors.push(error))
  const typed = tab.api.send('t1', 'p', { text: 'typed in the gap' }).catch((error: HubError) => {
    errors.push(error)
    throw error
  })
  await elapse(world, 1000)
  const [entry, later] = await Promise.all([sent, typed, hidden])

  expect(entry).toMatchObject({ client_msg_id: 'client_1', text: 'in flight' })
  expect(later).toMatchObject({ text: 'typed in the gap' })
  expect(errors).toEqual([])
  expect(world.hubs[1]?.calls.slice(0, 2)).toEqual(['hello visible=false', 'subscribe p'])
  expect(world.hubs[1]?.calls.filter((c) => c.startsWith('setVisibility'))).toEqual([])
  expect(world.log.map((m) => m.text)).toEqual(['in flight', 'typed in the gap'])
  expect(tab.view.messages.map((m) => m.text)).toEqual(['in flight', 'typed in the gap'])
})

test('a hub that restarted with fresh state answers unknown_tab: the tab attaches again and the call goes again', async () => {
  const world = createWorld()
  const tab = fakeTab(world, [world.dialer('shared-worker')])
  await tab.hello()
  await tab.api.subscribe('t1', 'p')
  const hub = world.live()

  hub?.forget()
  const reconnected = tab.api.reconnect('t1', 'p')
  await elapse(world, 1000)
  await reconnected

  expect(hub?.calls).toEqual([
    'hello visible=true',
    'subscribe p',
    'hello visible=true',
    'subscribe p',
    'reconnect',
  ])
  expect(
    tab.logs.some(
      (e) => e.event === 'attach.hub_lost' && /no longer knows this tab/.test(String(e['reason'])),
    ),
  ).toBe(true)
})

test('without Web Locks, a dead hub is noticed when ping goes unanswered', async () => {
  const world = createWorld()
  const tab = fakeTab(world, [world.dialer('shared-worker', { noLiveness: true })], { whenFree: undefined })
  await tab.hello()
  await tab.api.subscribe('t1', 'p')

  world.live()?.die()
  await elapse(world, 1000 + 1000) // the next ping, and its time limit
  const noticed = tab.view.status.status
  await elapse(world, 1000)

  expect(noticed).toBe('reconnecting')
  expect(world.hubs).toHaveLength(2)
  expect(tab.view.status.status).toBe('connected')
})

test('a SharedWorker that fails to start (its error event) hands over to the leader tab: onModeChange says why, an error is logged', async () => {
  const world = createWorld()
  const shared = world.dialer('shared-worker', { breaks: () => 'the SharedWorker failed to load or start' })
  const tab = fakeTab(world, [shared, world.dialer('leader-tab')])

  const welcome = await tab.hello()

  expect(welcome).toMatchObject({ mode: 'leader-tab' })
  expect(tab.attachment.mode).toBe('leader-tab')
  expect(shared.closed).toBe(true)
  expect(tab.modeChanges).toEqual(['shared-worker → leader-tab: the SharedWorker failed to load or start'])
  expect(tab.logs.filter((e) => e.level === 'error').map((e) => e.event)).toEqual([
    'attach.start_failed',
    'attach.mode_fallback',
  ])
})

test('a hub that never answers ping within the start limit counts as failed to start', async () => {
  const world = createWorld()
  const tab = fakeTab(world, [world.dialer('shared-worker', { mute: () => true }), world.dialer('in-page')])

  const welcome = tab.hello()
  await elapse(world, 2000)

  await expect(welcome).resolves.toMatchObject({ mode: 'in-page' })
  expect(tab.modeChanges).toEqual([
    'shared-worker → in-page: ping() got no answer from the hub within 2000 ms',
  ])
})

test('a mode that worked is started again after a failed start, with jittered waits, before the next mode is tried', async () => {
  const world = createWorld()
  const shared = world.dialer('shared-worker', {
    refuse: (n) => (n === 2 || n === 3 ? 'still closing' : undefined),
  })
  const tab = fakeTab(world, [shared, world.dialer('leader-tab')])
  await tab.hello()
  await tab.api.subscribe('t1', 'p')

  world.live()?.die()
  await elapse(world, 10_000)

  expect(shared.opened).toBe(4)
  expect(tab.modeChanges).toEqual([])
  expect(tab.attachment.state).toMatchObject({ state: 'attached', mode: 'shared-worker' })
  // Full jitter: attempt n waits random × min(30 s, 1 s × 2^n); random is 0.5 here.
  const waits = tab.logs.filter((e) => e.event === 'attach.hub_lost').map((e) => e['retryInMs'])
  expect(waits).toEqual([500, 1000, 2000])
  expect(tab.view.status.status).toBe('connected')
})

test('when no mode can start, hello settles with unavailable naming why, and so do calls waiting for a hub', async () => {
  const world = createWorld()
  const tab = fakeTab(world, [world.dialer('in-page', { refuse: () => 'no IndexedDB, no luck' })])

  const error = await rejection(tab.hello())

  expect(error).toEqual({
    code: 'unavailable',
    message: 'no hub could start (in-page: no IndexedDB, no luck)',
  })
  expect(tab.attachment.state).toMatchObject({ state: 'failed' })
  expect(await rejection(tab.api.stats())).toEqual(error)
})

test('a call that waits longer than its limit for any hub settles with unavailable and the reason, not a timeout', async () => {
  const world = createWorld()
  // Every new hub loads but never answers: each start takes the whole start limit (2 s).
  const shared = world.dialer('shared-worker', { mute: (n) => n > 1 })
  const tab = fakeTab(world, [shared, world.dialer('leader-tab')])
  await tab.hello()
  await tab.api.subscribe('t1', 'p')

  world.live()?.die()
  await settle()
  const stats = rejection(tab.api.stats())
  await elapse(world, 6000)
  const error = await stats

  expect(error).toEqual({
    code: 'unavailable',
    message: 'stats() waited 6000 ms for a hub: ping() got no answer from the hub within 2000 ms',
  })
  expect(tab.attachment.mode).toBe('shared-worker')
})

test('a re-attach the server refuses (401): the tab hears auth_failed once, calls fail with it, and reconnect() attaches again', async () => {
  const world = createWorld()
  let refusal: HubError | undefined
  const tab = fakeTab(world, [world.dialer('shared-worker', { refuseHello: () => refusal })])
  await tab.hello()
  await tab.api.subscribe('t1', 'p')

  refusal = { code: 'unauthenticated', message: 'not signed in' }
  world.live()?.die()
  await elapse(world, 1000)
  await elapse(world, 60_000)
  const refused = await rejection(tab.api.stats())
  const hellosWhileRefused = world.hubs[1]?.calls.filter((c) => c.startsWith('hello')).length
  refusal = undefined
  const reconnected = tab.api.reconnect('t1')
  await elapse(world, 1000)
  await reconnected

  expect(tab.sessions).toEqual([{ type: 'auth_failed', code: 401, reason: 'not signed in' }])
  expect(refused).toEqual({ code: 'unauthenticated', message: 'not signed in' })
  expect(hellosWhileRefused).toBe(1)
  expect(world.hubs[1]?.calls.slice(1)).toEqual(['hello visible=true', 'subscribe p', 'reconnect'])
  expect(tab.view.status.status).toBe('connected')
})
