/**
 * Ref-counted project handles (`client.project(id)`), on the client's real project state and the
 * real hub, proxy and backend: one `close()` releases one reference, the subscription ends with
 * the last, a close and reopen in the same task (StrictMode's double mount) keeps it, and the
 * presence map comes with the handle.
 */
import { afterEach, expect, test } from 'vitest'
import type { ProjectView } from '../../src/client'
import { createNodeChatClient, type NodeChatClient } from '../helpers/node-client'
import { startStack, type TestStack, waitFor } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let counter = 0
const fresh = (name: string) => `${name}_${process.pid}_${++counter}`

async function clientFor(stack: TestStack, userId: string): Promise<NodeChatClient> {
  const client = createNodeChatClient({ baseUrl: stack.url, cookie: await stack.login(userId) })
  cleanups.push(() => client.testHub.hub.close())
  await client.ready
  return client
}

async function stack(): Promise<TestStack> {
  const started = await startStack()
  cleanups.push(() => started.close())
  return started
}

const texts = (view: ProjectView) => view.messages.map((m) => m.text)

test('closing one of two handles of a project leaves the other live; the last close unsubscribes once', async () => {
  const s = await stack()
  const client = await clientFor(s, fresh('alice'))
  const project = fresh('proj')
  const first = client.project(project)
  const second = client.project(project)
  const seenByFirst: string[][] = []
  first.subscribe((view) => seenByFirst.push(texts(view)))
  const seenBySecond: string[][] = []
  second.subscribe((view) => seenBySecond.push(texts(view)))
  await waitFor(() => second.view.status.status === 'connected', 10_000, 'connected')

  await first.close()
  await second.send('still here')
  await waitFor(() => second.view.messages.some((m) => m.text === 'still here' && m.seq !== undefined))

  expect(seenBySecond.at(-1)).toEqual(['still here'])
  expect(seenByFirst.flat()).not.toContain('still here')
  expect(client.subscriptions).toEqual([`subscribe ${project}`])
  await second.close()
  expect(client.subscriptions).toEqual([`subscribe ${project}`, `unsubscribe ${project}`])
})

test('a handle closed and a new one opened in the same task (StrictMode’s double mount) keeps the one subscription', async () => {
  const s = await stack()
  const client = await clientFor(s, fresh('alice'))
  const project = fresh('proj')
  const mounted = client.project(project)
  await waitFor(() => mounted.view.live, 10_000, 'snapshot')

  const closing = mounted.close()
  const remounted = client.project(project)
  await closing

  expect(remounted.view.live).toBe(true)
  expect(client.subscriptions).toEqual([`subscribe ${project}`])
})

test('a closed handle refuses further use with a hint; closing it again is harmless', async () => {
  const s = await stack()
  const client = await clientFor(s, fresh('alice'))
  const handle = client.project(fresh('proj'))
  await handle.close()
  await handle.close()

  expect(() => handle.subscribe(() => {})).toThrow(/closed; call client.project\(\) again/)
  expect(() => handle.send('x')).toThrow(/closed/)
})

test('the handle’s presence map shows both users; onPresence fires on changes only', async () => {
  const s = await stack()
  const [alice, bob] = [fresh('alice'), fresh('bob')]
  const project = fresh('proj')
  const aliceClient = await clientFor(s, alice)
  const chat = aliceClient.project(project)
  const changes: Array<Record<string, string>> = []
  chat.onPresence((presence) => changes.push({ ...presence }))
  await waitFor(() => chat.presence[alice] === 'online', 10_000, 'alice online')

  const bobClient = await clientFor(s, bob)
  bobClient.project(project)
  await waitFor(() => chat.presence[bob] === 'online', 10_000, 'bob online')
  await chat.send('hello')
  await waitFor(() => chat.view.messages.some((m) => m.seq !== undefined))

  expect(chat.presence).toEqual({ [alice]: 'online', [bob]: 'online' })
  expect(changes).toEqual([{ [alice]: 'online' }, { [alice]: 'online', [bob]: 'online' }])
})
