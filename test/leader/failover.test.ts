/**
 * Leader-tab failover end to end in Node: real hubs (the same core as the SharedWorker) inside
 * leader hosts elected with a fake lock manager, tabs built as the client builds them (the leader dialer under the attachment) over real
 * `BroadcastChannel`s, fake-indexeddb as the origin's shared IndexedDB, and the real proxy and
 * reference backend on loopback. The leader goes in the middle of a burst; every tab still ends
 * with each message exactly once, in order.
 */
import 'fake-indexeddb/auto'
import { afterEach, expect, test } from 'vitest'
import { applyChanges, EMPTY_VIEW, type ProjectView } from '../../src/client/message-list'
import { createHub, type FetchLike, type Hub } from '../../src/hub'
import { type LeaderHost, startLeaderHost } from '../../src/leader/election'
import { fencedDeps } from '../../src/leader/fence'
import type { Channel } from '../../src/leader/platform'
import {
  announceChannelName,
  type ChannelBatch,
  callChannelName,
  HUB_PROTOCOL_VERSION,
  type HubConfigJson,
  leaderLockName,
} from '../../src/protocol'
import type { RunningBackend } from '../../src/server/backend'
import { deleteChatStore, openChatStore } from '../../src/store'
import { range, seqsOf } from '../helpers/hub-harness'
import { startStack, type TestStack } from '../helpers/servers'
import {
  channelsFor,
  clockFor,
  createFakeLocks,
  createFreezer,
  type FakeLocks,
  leaderTab,
  until,
} from './fakes'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let counter = 0

interface Origin {
  stack: TestStack
  cookie: string
  locks: FakeLocks
  /** Names the origin's channels and lock, so tests never hear each other. */
  config: HubConfigJson
  lock: string
  announce: string
  calls: string
}

async function origin(user: string): Promise<Origin> {
  const stack = await startStack()
  cleanups.push(() => stack.close())
  const config = { origin: `${process.pid}-${++counter}` }
  return {
    stack,
    cookie: await stack.login(user),
    locks: createFakeLocks(),
    config,
    lock: leaderLockName(HUB_PROTOCOL_VERSION, config),
    announce: announceChannelName(HUB_PROTOCOL_VERSION, config),
    calls: callChannelName(HUB_PROTOCOL_VERSION, config),
  }
}

/** A tab's leader worker; `kill()` is the tab closing: nothing of it runs any more. */
function worker(o: Origin, name: string) {
  const freezer = createFreezer()
  const opened: Channel[] = []
  const hubs: Hub[] = []
  const fetchLike: FetchLike = (url, init) =>
    fetch(o.stack.url + url, {
      method: init.method,
      headers: { ...init.headers, cookie: o.cookie, origin: o.stack.url },
      body: init.body ?? null,
      signal: init.signal ?? null,
    })
  const host: LeaderHost = startLeaderHost({
    tabId: name,
    lockName: o.lock,
    announceChannel: o.announce,
    callChannel: o.calls,
    openChannel: channelsFor(freezer, opened),
    locks: o.locks.client(name, freezer),
    createHub: (fence, host) => {
      const hub = createHub(
        fencedDeps(
          {
            fetch: fetchLike,
            clock: clockFor(freezer),
            random: Math.random,
            openStore: (userId) => openChatStore({ userId }),
            deleteStore: deleteChatStore,
            isOnline: () => true,
            mode: 'leader-tab',
            config: { closeGraceMs: 200 },
          },
          fence,
        ),
        host,
      )
      hubs.push(hub)
      return hub
    },
    clock: clockFor(freezer),
    random: Math.random,
    newId: () => `${name}-term-${++counter}`,
    announceEveryMs: 100,
    silenceMs: 600,
  })
  let killed = false
  cleanups.push(() => {
    if (!killed) host.stop()
    for (const channel of opened) channel.close()
  })
  return {
    host,
    kill() {
      killed = true
      freezer.freeze()
      // The worker's thread is gone: its streams end with it.
      for (const hub of hubs) hub.close()
      for (const channel of opened) channel.close()
      o.locks.crash(name)
    },
  }
}

/** A tab: holds its lifetime lock, follows the leader, renders with the client's own `applyChanges`. */
async function tab(o: Origin, tabId: string, projectId: string) {
  let view: ProjectView = EMPTY_VIEW
  /** Seqs in the order the tab was given them; a `reset` starts over. */
  let delivered: number[] = []
  const attached = leaderTab({ locks: o.locks, config: o.config, tabId, timeLimitMs: 15_000 }, cleanups)
  const onBatch = (batch: ChannelBatch) => {
    for (const change of batch.changes) {
      if (change.type === 'reset') delivered = change.snapshot.messages.flatMap((m) => m.seq ?? [])
      if (change.type === 'messages') delivered.push(...change.messages.flatMap((m) => m.seq ?? []))
    }
    view = applyChanges(view, batch.changes)
  }
  await attached.api.hello({ tabId, visible: true }, onBatch, () => {})
  await attached.api.subscribe(tabId, projectId)
  return {
    api: attached.api,
    get view() {
      return view
    },
    get delivered() {
      return delivered
    },
  }
}

test('the leader goes in the middle of a 1,000-message burst: every tab ends with each message once, in order, and an in-flight send is delivered once', async () => {
  const user = `leader_${process.pid}_${++counter}`
  const project = 'proj_burst'
  const o = await origin(user)
  const backend = o.stack.server.backend as RunningBackend
  for (let i = 1; i <= 20; i++) backend.append(project, 'bot', `before ${i}`)
  const a = worker(o, 'a')
  await until(() => a.host.role.role === 'leading', 'a leads')
  const b = worker(o, 'b')
  const c = worker(o, 'c')
  const tabs = [await tab(o, 't1', project), await tab(o, 't2', project), await tab(o, 't3', project)]
  await until(() => tabs.every((t) => seqsOf(t.view).length === 20), 'the first 20 in every tab')
  expect(backend.openStreams(user)).toBe(1)

  for (let i = 1; i <= 500; i++) backend.append(project, 'bot', `burst ${i}`)
  // Mid-stream: the tabs have part of the burst, the leader is still busy with the rest.
  await until(() => tabs.every((t) => seqsOf(t.view).length >= 20 + 100), 'part of the burst in every tab')
  await tabs[1]?.api.send('t2', project, { text: 'sent as the leader goes' })
  a.kill()
  for (let i = 501; i <= 1000; i++) backend.append(project, 'bot', `burst ${i}`)

  const total = 20 + 1000 + 1
  await until(
    () => tabs.every((t) => seqsOf(t.view).length === total),
    `${total} messages in every tab`,
    30_000,
  )
  const newLeaders = [b, c].filter((w) => w.host.role.role === 'leading')
  expect(newLeaders).toHaveLength(1)
  for (const t of tabs) {
    expect(seqsOf(t.view)).toEqual(range(1, total))
    expect(t.delivered).toEqual(range(1, total))
    expect(t.view.messages.filter((m) => m.text === 'sent as the leader goes')).toHaveLength(1)
    expect(t.view.outbox).toEqual([])
  }
  expect(backend.latestSeq(project)).toBe(total)
  await until(() => backend.openStreams(user) === 1, 'one stream, held by the new leader')
})
