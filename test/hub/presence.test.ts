/**
 * Presence through the real hub core, proxy and reference backend: each user's hub posts
 * `online` / `away` / `offline` once per user and project (not per tab), the backend pushes
 * `presence.updated` to the project's streams, and every subscribed tab of the other user sees it.
 */
import { afterEach, expect, test } from 'vitest'
import { createTestHub, type TestHub } from '../helpers/hub-harness'
import { startStack, type TestStack } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let counter = 0
const fresh = (name: string) => `${name}_${process.pid}_${++counter}`

interface Setup {
  stack: TestStack
  /** `userId` of every presence POST the backend answered, in order. */
  presencePosts: string[]
  hubOf(userId: string): Promise<TestHub>
}

async function setup(): Promise<Setup> {
  const presencePosts: string[] = []
  const stack = await startStack({
    backendLog: (entry) => {
      if (entry['event'] === 'request' && String(entry['path']).endsWith('/presence'))
        presencePosts.push(String(entry['userId']))
    },
  })
  cleanups.push(() => stack.close())
  return {
    stack,
    presencePosts,
    async hubOf(userId) {
      const testHub = createTestHub({ baseUrl: stack.url, cookie: await stack.login(userId) })
      cleanups.push(() => testHub.hub.close())
      return testHub
    },
  }
}

test('three tabs of one user → one `online` post; the other user sees online, away when all are hidden, offline when the last leaves', async () => {
  const { presencePosts, hubOf } = await setup()
  const [alice, bob] = [fresh('alice'), fresh('bob')]
  const project = fresh('proj')
  const aliceHub = await hubOf(alice)
  const tabs = ['a1', 'a2', 'a3'].map((id) => aliceHub.tab(id))
  for (const tab of tabs) await tab.hello()
  for (const tab of tabs) await aliceHub.hub.subscribe(tab.id, project)
  for (const tab of tabs) await tab.until(project, (view) => view.presence[alice] === 'online')
  expect(presencePosts.filter((user) => user === alice)).toEqual([alice])

  const bobHub = await hubOf(bob)
  const watcher = bobHub.tab('b1')
  await watcher.hello()
  await bobHub.hub.subscribe('b1', project)
  await watcher.until(project, (view) => view.presence[alice] === 'online')

  for (const tab of tabs.slice(0, 2)) await aliceHub.hub.setVisibility(tab.id, false)
  await aliceHub.hub.setVisibility('a3', false)
  await watcher.until(project, (view) => view.presence[alice] === 'away')
  await aliceHub.hub.setVisibility('a2', true)
  await watcher.until(project, (view) => view.presence[alice] === 'online')
  for (const tab of tabs) await aliceHub.hub.bye(tab.id)
  await watcher.until(project, (view) => view.presence[alice] === 'offline')

  // a2 (visible) leaves before a3 (hidden): away, then offline when the last one leaves.
  const seen = watcher.batches.flatMap((batch) =>
    batch.changes.flatMap((change) =>
      change.type === 'presence' && change.userId === alice ? [change.status] : [],
    ),
  )
  expect(seen).toEqual(['online', 'away', 'online', 'away', 'offline'])
})

test('a user who arrives later sees who is already there: the others answer a newcomer with their own status', async () => {
  const { hubOf } = await setup()
  const [alice, bob] = [fresh('alice'), fresh('bob')]
  const project = fresh('proj')
  const aliceHub = await hubOf(alice)
  const aliceTab = aliceHub.tab('a1')
  await aliceTab.hello()
  await aliceHub.hub.subscribe('a1', project)
  await aliceHub.hub.setVisibility('a1', false)
  await aliceTab.until(project, (view) => view.presence[alice] === 'away')

  const bobHub = await hubOf(bob)
  const bobTab = bobHub.tab('b1')
  await bobTab.hello()
  await bobHub.hub.subscribe('b1', project)

  await bobTab.until(project, (view) => view.presence[alice] === 'away' && view.presence[bob] === 'online')
  await aliceTab.until(project, (view) => view.presence[bob] === 'online')
})

test('a tab subscribing after presence arrived gets what the hub knows with its snapshot', async () => {
  const { hubOf } = await setup()
  const [alice, bob] = [fresh('alice'), fresh('bob')]
  const project = fresh('proj')
  const bobHub = await hubOf(bob)
  const first = bobHub.tab('b1')
  await first.hello()
  await bobHub.hub.subscribe('b1', project)
  const aliceHub = await hubOf(alice)
  await aliceHub.tab('a1').hello()
  await aliceHub.hub.subscribe('a1', project)
  await first.until(project, (view) => view.presence[alice] === 'online')

  const second = bobHub.tab('b2')
  await second.hello()
  await bobHub.hub.subscribe('b2', project)

  expect(second.view(project).presence).toEqual({ [alice]: 'online', [bob]: 'online' })
})

test('logout posts `offline` for every project the user was on, before the session ends', async () => {
  const { hubOf } = await setup()
  const [alice, bob] = [fresh('alice'), fresh('bob')]
  const [p1, p2] = [fresh('proj'), fresh('proj')]
  const bobHub = await hubOf(bob)
  const watcher = bobHub.tab('b1')
  await watcher.hello()
  for (const p of [p1, p2]) await bobHub.hub.subscribe('b1', p)
  const aliceHub = await hubOf(alice)
  await aliceHub.tab('a1').hello()
  for (const p of [p1, p2]) await aliceHub.hub.subscribe('a1', p)
  for (const p of [p1, p2]) await watcher.until(p, (view) => view.presence[alice] === 'online')

  await aliceHub.hub.logout('a1', { clearCache: true })

  for (const p of [p1, p2]) await watcher.until(p, (view) => view.presence[alice] === 'offline')
})
