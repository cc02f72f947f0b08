/**
 * Per-user isolation in the hub core (in Node, with fake-indexeddb shared by every hub of the
 * process, over the real proxy and backend): two users' tabs in one hub never receive each
 * other's batches or sends, each user's data lands only in `persistent-chat:<user>`, and
 * logging one out with `clearCache` deletes that database and nothing else.
 */
import { openDB } from 'idb'
import { afterEach, expect, test } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import { createTestHub, range, seqsOf, type TestTab } from '../helpers/hub-harness'
import { startStack, type TestStack, waitFor } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let userCounter = 0
const freshUser = (name: string) => `${name}_${process.pid}_${++userCounter}`

async function stack(): Promise<{ s: TestStack; backend: RunningBackend }> {
  const s = await startStack()
  cleanups.push(() => s.close())
  return { s, backend: s.server.backend as RunningBackend }
}

/** Everything a user's database holds, read straight from IndexedDB. */
async function databaseContents(userId: string) {
  const db = await openDB(`persistent-chat:${userId}`)
  try {
    const messages = await db.getAll('messages')
    return {
      projects: ((await db.getAllKeys('projects')) as string[]).sort(),
      messages: messages.map((m: { project_id: string; seq: number }) => `${m.project_id}#${m.seq}`).sort(),
      outbox: (await db.getAll('outbox')).map(
        (e: { projectId: string; text: string }) => `${e.projectId}:${e.text}`,
      ),
    }
  } finally {
    db.close()
  }
}

const databaseNames = async () => (await indexedDB.databases()).map((d) => d.name)

/** The projects a tab received batches for. */
const projectsOf = (tab: TestTab) => [...new Set(tab.batches.map((b) => b.projectId))].sort()

/** Every seq the tab received for a project, each time it received it. */
const deliveries = (tab: TestTab, projectId: string) =>
  tab.batches
    .filter((b) => b.projectId === projectId)
    .flatMap((b) => b.changes)
    .flatMap((c) => (c.type === 'messages' ? c.messages.map((m) => m.seq) : []))

const connected = (tab: TestTab, projectId: string) =>
  tab.until(projectId, (v) => v.status.status === 'connected')

/**
 * One hub, two signed-in users: Alice's tab attaches and subscribes with her cookie, then the
 * cookie becomes Bob's and his tab attaches (the hub learns each tab's user from the preflight).
 */
async function twoUsersInOneHub() {
  const { s, backend } = await stack()
  const alice = freshUser('alice')
  const bob = freshUser('bob')
  const bobCookie = await s.login(bob)
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(alice) })
  cleanups.push(() => testHub.hub.close())
  const a = testHub.tab('tab_alice')
  const b = testHub.tab('tab_bob')
  expect(await a.hello()).toBe(alice)
  await testHub.hub.subscribe(a.id, 'proj_alice')
  await testHub.hub.subscribe(a.id, 'proj_shared')
  await connected(a, 'proj_alice')
  await connected(a, 'proj_shared')
  testHub.setCookie(bobCookie)
  expect(await b.hello()).toBe(bob)
  await testHub.hub.subscribe(b.id, 'proj_bob')
  await testHub.hub.subscribe(b.id, 'proj_shared')
  await connected(b, 'proj_bob')
  await connected(b, 'proj_shared')
  return { s, backend, testHub, alice, bob, a, b }
}

test('two users in one hub: each tab receives only its own user’s batches, a shared project once per tab, and each user’s data lands only in persistent-chat:<user>', async () => {
  const { backend, testHub, alice, bob, a, b } = await twoUsersInOneHub()

  for (let i = 1; i <= 3; i++) {
    backend.append('proj_alice', 'peer', `for alice ${i}`)
    backend.append('proj_bob', 'peer', `for bob ${i}`)
    backend.append('proj_shared', 'peer', `for both ${i}`)
  }

  for (const [tab, own] of [
    [a, 'proj_alice'],
    [b, 'proj_bob'],
  ] as const) {
    await tab.until(own, (v) => seqsOf(v).length === 3)
    await tab.until('proj_shared', (v) => seqsOf(v).length === 3)
  }
  expect(projectsOf(a)).toEqual(['proj_alice', 'proj_shared'])
  expect(projectsOf(b)).toEqual(['proj_bob', 'proj_shared'])
  expect(deliveries(a, 'proj_shared')).toEqual(range(1, 3))
  expect(deliveries(b, 'proj_shared')).toEqual(range(1, 3))
  expect(await testHub.hub.stats()).toMatchObject({ connections: 4, tabs: 2 })
  expect(await databaseContents(alice)).toEqual({
    projects: ['proj_alice', 'proj_shared'],
    messages: [...range(1, 3).map((i) => `proj_alice#${i}`), ...range(1, 3).map((i) => `proj_shared#${i}`)],
    outbox: [],
  })
  expect(await databaseContents(bob)).toEqual({
    projects: ['proj_bob', 'proj_shared'],
    messages: [...range(1, 3).map((i) => `proj_bob#${i}`), ...range(1, 3).map((i) => `proj_shared#${i}`)],
    outbox: [],
  })
})

test('two users in one hub: one user’s optimistic send on a shared project reaches only their tabs and outbox; the other sees the confirmed message from the stream', async () => {
  const { backend, testHub, alice, bob, a, b } = await twoUsersInOneHub()

  const entry = await testHub.hub.send(b.id, 'proj_shared', { text: 'bob sends this' })

  await b.until('proj_shared', (v) => v.outbox.length === 0 && seqsOf(v).length === 1)
  await a.until('proj_shared', (v) => seqsOf(v).length === 1)
  const outboxChanges = (tab: TestTab) =>
    tab.batches.flatMap((batch) => batch.changes).filter((c) => c.type === 'outbox')
  expect(outboxChanges(b)).toContainEqual({ type: 'outbox', upsert: [entry], remove: [] })
  expect(outboxChanges(a)).toEqual([])
  expect(a.view('proj_shared').messages).toEqual([
    expect.objectContaining({
      seq: 1,
      text: 'bob sends this',
      user_id: bob,
      client_msg_id: entry.client_msg_id,
    }),
  ])
  expect((await databaseContents(alice)).outbox).toEqual([])
  expect((await databaseContents(bob)).outbox).toEqual([])
  expect(backend.latestSeq('proj_shared')).toBe(1)
})

test('logout of one user with clearCache deletes only their database; the other user’s tab keeps streaming and is not told', async () => {
  const { backend, testHub, alice, bob, a, b } = await twoUsersInOneHub()
  backend.append('proj_bob', 'peer', 'before logout')
  backend.append('proj_alice', 'peer', 'before logout')
  await b.until('proj_bob', (v) => seqsOf(v).length === 1)
  await a.until('proj_alice', (v) => seqsOf(v).length === 1)
  expect(await databaseNames()).toEqual(
    expect.arrayContaining([`persistent-chat:${alice}`, `persistent-chat:${bob}`]),
  )

  await testHub.hub.logout(a.id, { clearCache: true })

  const names = await databaseNames()
  expect(names).not.toContain(`persistent-chat:${alice}`)
  expect(names).toContain(`persistent-chat:${bob}`)
  expect(a.sessionEvents).toEqual([{ type: 'logged_out' }])
  expect(b.sessionEvents).toEqual([])
  await waitFor(() => backend.openStreams(alice) === 0, 3000, 'alice’s streams closed')
  backend.append('proj_bob', 'peer', 'after logout')
  await b.until('proj_bob', (v) => seqsOf(v).length === 2)
  expect((await databaseContents(bob)).messages).toEqual(expect.arrayContaining(['proj_bob#1', 'proj_bob#2']))
  await expect(testHub.hub.subscribe(a.id, 'proj_alice')).rejects.toMatchObject({ code: 'unknown_tab' })
})

test('two hubs in one origin, one per user, sharing IndexedDB: each user’s messages land only in their own database, and one logout with clearCache keeps the other’s', async () => {
  const { s, backend } = await stack()
  const carol = freshUser('carol')
  const dave = freshUser('dave')
  const hubs = await Promise.all(
    [carol, dave].map(async (user) => {
      const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user) })
      cleanups.push(() => testHub.hub.close())
      const tab = testHub.tab(`tab_${user}`)
      expect(await tab.hello()).toBe(user)
      await testHub.hub.subscribe(tab.id, `proj_${user}`)
      await connected(tab, `proj_${user}`)
      return { testHub, tab, user }
    }),
  )

  for (const { user } of hubs) backend.append(`proj_${user}`, 'peer', `for ${user}`)
  for (const { tab, user } of hubs) await tab.until(`proj_${user}`, (v) => seqsOf(v).length === 1)

  expect((await databaseContents(carol)).messages).toEqual([`proj_${carol}#1`])
  expect((await databaseContents(dave)).messages).toEqual([`proj_${dave}#1`])
  const [first] = hubs
  await first?.testHub.hub.logout(first.tab.id, { clearCache: true })
  const names = await databaseNames()
  expect(names).not.toContain(`persistent-chat:${carol}`)
  expect(names).toContain(`persistent-chat:${dave}`)
  expect((await databaseContents(dave)).messages).toEqual([`proj_${dave}#1`])
})
