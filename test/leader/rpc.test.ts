/**
 * The leader-tab wire in Node over real `BroadcastChannel`s: the message readers, the leader's
 * dispatcher (`serveHub`) answering a tab built as the client builds it (leader dialer under the
 * attachment), batches with acknowledgements, session and log events, time limits, epochs, and
 * tabs whose lifetime lock comes free.
 */
import { afterEach, expect, test } from 'vitest'
import { applyChanges, EMPTY_VIEW, type ProjectView } from '../../src/client/message-list'
import { serveHub } from '../../src/leader/dispatch'
import { type Channel, holdLock } from '../../src/leader/platform'
import {
  announceChannelName,
  type ChannelBatch,
  callChannelName,
  HUB_PROTOCOL_VERSION,
  type HubError,
  hubLockName,
  type LogEntry,
  readAnnounce,
  readToLeader,
  readToTab,
  type SessionEvent,
  type ToLeader,
  tabChannelName,
} from '../../src/protocol'
import { channelsFor, createFakeLocks, createStubHub, leaderTab, until } from './fakes'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

let counter = 0

/** A leader serving `hub` at `epoch` (announced on `announce()`), and a tab following it. */
function wire(options: { epoch?: number; announceEpoch?: number; fence?: () => Promise<boolean> } = {}) {
  const suffix = `${process.pid}-${++counter}`
  const config = { origin: suffix }
  const tabId = `tab-${suffix}`
  const opened: Channel[] = []
  const open = channelsFor(undefined, opened)
  const locks = createFakeLocks()
  const epoch = options.epoch ?? 7
  const leaderId = (at: number) => `leader-${suffix}-${at}`
  const hub = createStubHub({ id: leaderId(epoch), liveness: hubLockName(leaderId(epoch)) })
  // The leader holds its term's liveness lock, as `startLeaderHost` does.
  let releaseLiveness: () => void = () => {}
  const live = holdLock(locks.client('leader-worker'), hubLockName(leaderId(epoch))).then((release) => {
    releaseLiveness = release
  })
  const calls = callChannelName(HUB_PROTOCOL_VERSION, config)
  const serving = serveHub({
    hub,
    epoch,
    callChannel: calls,
    openChannel: open,
    locks: locks.client('leader-worker'),
    fence: options.fence ?? (async () => true),
  })
  const tab = leaderTab({ locks, config, tabId, timeLimitMs: 400, startTimeoutMs: 400 }, cleanups)
  const announcer = open(announceChannelName(HUB_PROTOCOL_VERSION, config))
  const announce = async (at = options.announceEpoch ?? epoch) => {
    await live
    announcer.post({ type: 'leader', epoch: at, leaderId: leaderId(at), tabId: 'leader-tab' })
  }
  cleanups.push(() => {
    serving.stop()
    releaseLiveness()
    for (const channel of opened) channel.close()
  })
  return { hub, tab, locks, announce, open, serving, tabId, calls }
}

/** Say hello as `createChatClient` does, recording what arrives. */
async function attachTab(w: ReturnType<typeof wire>) {
  const views = new Map<string, ProjectView>()
  const batches: ChannelBatch[] = []
  const sessions: SessionEvent[] = []
  const logs: LogEntry[] = []
  const welcome = await w.tab.api.hello(
    { tabId: w.tabId, visible: true, logLevel: 'info' },
    (batch) => {
      batches.push(batch)
      views.set(batch.projectId, applyChanges(views.get(batch.projectId) ?? EMPTY_VIEW, batch.changes))
    },
    (event) => sessions.push(event),
    (entry) => logs.push(entry),
  )
  return { welcome, views, batches, sessions, logs }
}

/** The error the tab's hello (with listeners that record nothing) is refused with. */
function helloRefused(w: ReturnType<typeof wire>): Promise<HubError> {
  return rejection(
    w.tab.api.hello(
      { tabId: w.tabId, visible: true },
      () => {},
      () => {},
    ),
  )
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
  void w.announce()
  const { welcome } = await attachTab(w)

  const entry = await w.tab.api.send(w.tabId, 'proj', { text: 'hi', client_msg_id: 'client_hi' })
  const stats = await w.tab.api.stats()
  const refused = await rejection(w.tab.api.subscribe(w.tabId, 'bad id'))

  expect(welcome).toMatchObject({ userId: 'u1', mode: 'leader-tab' })
  expect(entry).toMatchObject({ projectId: 'proj', text: 'hi', status: { state: 'pending' } })
  expect(stats).toMatchObject({ mode: 'leader-tab', tabs: 1 })
  expect(refused).toEqual({ code: 'invalid_argument', message: 'invalid project id' })
  expect(w.hub.calls).toEqual([
    `hello ${w.tabId}`,
    `send ${w.tabId} proj hi client_hi`,
    'stats',
    `subscribe ${w.tabId} bad id`,
  ])
})

test("hello's callbacks become posts on the tab's channel: each batch is applied, then acknowledged; session events and log entries arrive", async () => {
  const w = wire()
  void w.announce()
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
  w.hub.tabs.get(w.tabId)?.onLog?.({ level: 'warn', event: 'channel.test', projectId: 'proj' })
  await until(() => tab.sessions.length === 1 && tab.logs.length === 1, 'the session event and the log entry')

  expect(appliedBeforeAck).toBe(1)
  expect(tab.views.get('proj')?.messages.map((m) => m.seq)).toEqual([1, 2])
  expect(tab.sessions).toEqual([{ type: 'logged_out' }])
  expect(tab.logs).toEqual([{ level: 'warn', event: 'channel.test', projectId: 'proj' }])
})

test('with no leader, hello settles within the start limit and says no leader tab announced itself', async () => {
  const w = wire()

  const error = await helloRefused(w)

  expect(error.code).toBe('unavailable')
  expect(error.message).toMatch(/no leader tab announced itself within 400 ms/)
})

test('a leader answers only calls addressed to its own epoch', async () => {
  const w = wire({ epoch: 7, announceEpoch: 8 })
  // Epoch 8's liveness lock is held too, so only the unanswered ping can tell.
  void holdLock(w.locks.client('other'), hubLockName(`leader-${w.tabId.slice(4)}-8`))
  await w.announce()

  const error = await helloRefused(w)

  expect(error.code).toBe('unavailable')
  expect(error.message).toMatch(/ping\(\) got no answer/)
  expect(w.hub.calls).toEqual([])
})

test('a call must name the calling tab', async () => {
  const w = wire()
  const tabChannel = w.open(tabChannelName('intruder'))
  const answers: unknown[] = []
  tabChannel.listen((data) => answers.push(data))
  const calls = w.open(w.calls)

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
  void w.announce()
  await attachTab(w)

  w.tab.closeTab()
  await until(() => w.hub.calls.includes(`detach ${w.tabId}`), 'the detach')

  expect(w.hub.tabs.has(w.tabId)).toBe(false)
})

test('a leader whose fence says no answers nothing and calls nothing on its hub', async () => {
  const w = wire({ fence: async () => false })
  void w.announce()

  const error = await helloRefused(w)

  expect(error.code).toBe('unavailable')
  expect(error.message).toMatch(/ping\(\) got no answer/)
  expect(w.hub.calls).toEqual([])
})

test('calls before hello are refused with a hint', async () => {
  const w = wire()
  void w.announce()

  const error = await rejection(w.tab.api.stats())

  expect(error).toEqual({ code: 'unknown_tab', message: 'stats() before hello(): call hello() first' })
})

test('a call still in the hub when the leader stops gets no answer, and what it started is closed when it returns', async () => {
  const w = wire()
  void w.announce()
  await attachTab(w)
  let finish: (() => void) | undefined
  w.hub.loadOlder = async () => {
    await new Promise<void>((resolve) => {
      finish = resolve
    })
    return { messages: [], hasOlder: false }
  }

  const call = rejection(w.tab.api.loadOlder(w.tabId, 'proj', 10, 5))
  await until(() => finish !== undefined, 'the call in the hub')
  w.serving.stop()
  finish?.()
  const error = await call

  expect(error.code).toBe('timeout')
  expect(w.hub.calls.at(-1)).toBe('close')
})
