/**
 * The leader-tab wire in Node over real `BroadcastChannel`s: the message readers, the leader's
 * dispatcher (`serveHub`) answering a tab's `LeaderClient`, batches with acknowledgements,
 * session events, time limits, epochs, and tabs whose lifetime lock comes free.
 */
import { afterEach, expect, test } from 'vitest'
import { createLeaderClient } from '../../src/client/leader/leader-client'
import { applyChanges, EMPTY_VIEW, type ProjectView } from '../../src/client/message-list'
import type { ChannelBatch, HubError, SessionEvent } from '../../src/protocol'
import { serveHub } from '../../src/worker/leader-dispatch'
import type { Channel } from '../../src/worker/leader-platform'
import {
  readAnnounce,
  readToLeader,
  readToTab,
  type ToLeader,
  tabChannelName,
} from '../../src/worker/leader-protocol'
import { tabLockName } from '../../src/worker/tab-lock'
import { channelsFor, createFakeLocks, createStubHub, until } from './leader-fakes'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

let counter = 0
function names() {
  const suffix = `${process.pid}-${++counter}`
  return { announce: `announce-${suffix}`, calls: `calls-${suffix}`, tab: `tab-${suffix}` }
}

/** A leader serving `hub` at `epoch`, announced once, and a tab following it. */
function wire(options: { epoch?: number; announceEpoch?: number; fence?: () => Promise<boolean> } = {}) {
  const n = names()
  const opened: Channel[] = []
  const open = channelsFor(undefined, opened)
  const locks = createFakeLocks()
  const hub = createStubHub()
  const epoch = options.epoch ?? 7
  const serving = serveHub({
    hub,
    epoch,
    callChannel: n.calls,
    openChannel: open,
    locks: locks.client('leader-worker'),
    fence: options.fence ?? (async () => true),
  })
  const client = createLeaderClient({
    openChannel: open,
    announceChannel: n.announce,
    callChannel: n.calls,
    timeLimit: () => 400,
    clock: { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as never) },
    newId: () => `call-${++counter}`,
  })
  const announcer = open(n.announce)
  const announce = (at = options.announceEpoch ?? epoch) =>
    announcer.post({ type: 'leader', epoch: at, leaderId: `leader-${at}`, tabId: 'leader-tab' })
  cleanups.push(() => {
    serving.stop()
    client.close()
    for (const channel of opened) channel.close()
  })
  return { n, hub, client, locks, announce, open, serving, tabId: n.tab }
}

/** Hold the tab's lifetime lock (as `createChatClient` does) and say hello, recording what arrives. */
async function attachTab(w: ReturnType<typeof wire>) {
  const views = new Map<string, ProjectView>()
  const batches: ChannelBatch[] = []
  const sessions: SessionEvent[] = []
  let releaseLock: () => void = () => {}
  void w.locks
    .client('tab-page')
    .request(tabLockName(w.tabId), {}, () => new Promise<void>((r) => (releaseLock = r)))
  const welcome = await w.client.api.hello(
    { tabId: w.tabId, visible: true },
    (batch) => {
      batches.push(batch)
      views.set(batch.projectId, applyChanges(views.get(batch.projectId) ?? EMPTY_VIEW, batch.changes))
    },
    (event) => sessions.push(event),
  )
  return { welcome, views, batches, sessions, closeTab: () => releaseLock() }
}

function rejection(promise: Promise<unknown>): Promise<HubError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: HubError) => error,
  )
}

test('the readers accept each wire message and refuse malformed ones', () => {
  expect(readAnnounce({ type: 'leader', epoch: 3, leaderId: 'l', tabId: 't' })).toEqual({
    type: 'leader',
    epoch: 3,
    leaderId: 'l',
    tabId: 't',
  })
  expect(readAnnounce({ type: 'who' })).toEqual({ type: 'who' })
  expect(readAnnounce({ type: 'leader', epoch: -1, leaderId: 'l', tabId: 't' })).toBeUndefined()
  expect(readAnnounce('leader')).toBeUndefined()

  const call: ToLeader = { type: 'call', id: 'c1', tabId: 't', epoch: 2, method: 'stats', args: [] }
  expect(readToLeader(call)).toEqual(call)
  expect(readToLeader({ ...call, method: 'constructor' })).toBeUndefined()
  expect(readToLeader({ ...call, args: 'no' })).toBeUndefined()
  expect(readToLeader({ type: 'ack', tabId: 't', epoch: 2, batchId: 4 })).toEqual({
    type: 'ack',
    tabId: 't',
    epoch: 2,
    batchId: 4,
  })
  expect(readToLeader({ type: 'ack', tabId: 't', epoch: 2 })).toBeUndefined()

  expect(readToTab({ type: 'result', id: 'c1', epoch: 2, ok: true, value: 5 })).toEqual({
    type: 'result',
    id: 'c1',
    epoch: 2,
    ok: true,
    value: 5,
  })
  expect(readToTab({ type: 'result', id: 'c1', epoch: 2, ok: false, error: new Error('boom') })).toEqual({
    type: 'result',
    id: 'c1',
    epoch: 2,
    ok: false,
    error: { code: 'unavailable', message: 'boom' },
  })
  expect(readToTab({ type: 'batch', epoch: 2, batchId: 1, batch: { projectId: 'p' } })).toBeUndefined()
  expect(readToTab({ type: 'session', epoch: 2, event: { type: 'hacked' } })).toBeUndefined()
  expect(tabChannelName('abc')).toBe('persistent-chat:tab:abc')
})

test('a call crosses to the leader and its answer comes back; a hub error arrives as a plain HubError', async () => {
  const w = wire()
  w.announce()
  const { welcome } = await attachTab(w)

  const entry = await w.client.api.send(w.tabId, 'proj', { text: 'hi' })
  const stats = await w.client.api.stats()
  const refused = await rejection(w.client.api.subscribe(w.tabId, 'bad id'))

  expect(welcome).toMatchObject({ userId: 'u1', mode: 'leader-tab' })
  expect(entry).toMatchObject({ projectId: 'proj', text: 'hi', status: { state: 'pending' } })
  expect(stats).toMatchObject({ mode: 'leader-tab', tabs: 1 })
  expect(refused).toEqual({ code: 'invalid_argument', message: 'invalid project id' })
  expect(w.hub.calls).toEqual([
    `hello ${w.tabId}`,
    `send ${w.tabId} proj hi`,
    'stats',
    `subscribe ${w.tabId} bad id`,
  ])
})

test("hello's callbacks become posts on the tab's channel: each batch is applied, then acknowledged; session events arrive", async () => {
  const w = wire()
  w.announce()
  const tab = await attachTab(w)
  const message = (seq: number) => ({
    id: `m${seq}`,
    seq,
    text: `message ${seq}`,
    message_type: 'user' as const,
    user_id: 'u1',
    project_id: 'proj',
    client_msg_id: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    build_id: null,
    response_data: null,
    mode: undefined,
    actor_type: 'client' as const,
  })

  await w.hub.push(w.tabId, {
    projectId: 'proj',
    changes: [{ type: 'messages', messages: [message(1), message(2)], range: { lowSeq: 1, highSeq: 2 } }],
  })
  const appliedBeforeAck = tab.batches.length
  w.hub.tell(w.tabId, { type: 'logged_out' })
  await until(() => tab.sessions.length === 1, 'the session event')

  expect(appliedBeforeAck).toBe(1)
  expect(tab.views.get('proj')?.messages.map((m) => m.seq)).toEqual([1, 2])
  expect(tab.sessions).toEqual([{ type: 'logged_out' }])
})

test('with no leader, a call settles with a timeout error within its limit', async () => {
  const w = wire()

  const error = await rejection(
    w.client.api.hello(
      { tabId: w.tabId, visible: true },
      () => {},
      () => {},
    ),
  )

  expect(error.code).toBe('timeout')
  expect(error.message).toMatch(/no leader tab/)
})

test('a leader answers only calls addressed to its own epoch', async () => {
  const w = wire({ epoch: 7, announceEpoch: 8 })
  w.announce()

  const error = await rejection(
    w.client.api.hello(
      { tabId: w.tabId, visible: true },
      () => {},
      () => {},
    ),
  )

  expect(error.code).toBe('timeout')
  expect(w.hub.calls).toEqual([])
})

test('a call must name the calling tab', async () => {
  const w = wire()
  const tabChannel = w.open(tabChannelName('intruder'))
  const answers: unknown[] = []
  tabChannel.listen((data) => answers.push(data))
  const calls = w.open(w.n.calls)

  calls.post({ type: 'call', id: 'x1', tabId: 'intruder', epoch: 7, method: 'bye', args: ['victim'] })
  await until(() => answers.length === 1, 'the answer')

  expect(answers[0]).toMatchObject({
    type: 'result',
    id: 'x1',
    ok: false,
    error: { code: 'invalid_argument' },
  })
  expect(w.hub.calls).toEqual([])
})

test('a tab whose lifetime lock comes free (closed or crashed) is detached from the hub', async () => {
  const w = wire()
  w.announce()
  const tab = await attachTab(w)

  tab.closeTab()
  await until(() => w.hub.calls.includes(`detach ${w.tabId}`), 'the detach')

  expect(w.hub.tabs.has(w.tabId)).toBe(false)
})

test('a leader whose fence says no answers nothing and calls nothing on its hub', async () => {
  const w = wire({ fence: async () => false })
  w.announce()

  const error = await rejection(
    w.client.api.hello(
      { tabId: w.tabId, visible: true },
      () => {},
      () => {},
    ),
  )

  expect(error.code).toBe('timeout')
  expect(w.hub.calls).toEqual([])
})

test('calls before hello are refused with a hint', async () => {
  const w = wire()
  w.announce()

  const error = await rejection(w.client.api.stats())

  expect(error).toEqual({ code: 'unknown_tab', message: 'stats() before hello(): call hello() first' })
})

test('a call still in the hub when the leader stops gets no answer, and what it started is closed when it returns', async () => {
  const w = wire()
  w.announce()
  await attachTab(w)
  let finish: (() => void) | undefined
  w.hub.loadOlder = async () => {
    await new Promise<void>((resolve) => {
      finish = resolve
    })
    return { messages: [], hasOlder: false }
  }

  const call = rejection(w.client.api.loadOlder(w.tabId, 'proj', 10, 5))
  await until(() => finish !== undefined, 'the call in the hub')
  w.serving.stop()
  finish?.()
  const error = await call

  expect(error.code).toBe('timeout')
  expect(w.hub.calls.at(-1)).toBe('close')
})
