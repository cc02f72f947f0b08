/**
 * The hub over real HTTP when IndexedDB refuses a write: a commit that fails (an aborted
 * transaction) must cost no message (bug 4 of the delivery-core issue). Before the core, the
 * channel had advanced its seq in memory, the tabs never saw the batch and nothing retried.
 */
import { afterEach, expect, test } from 'vitest'
import { openChatStore } from '../../src/store'
import { createTestHub, range, seqsOf, storedMessages } from '../helpers/hub-harness'
import { startStack } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

test('bug 4: a commit that fails loses nothing — the tab shows the live messages, and the store holds them once the write is tried again', async () => {
  const stack = await startStack()
  cleanups.push(() => stack.close())
  const backend = stack.server.backend
  if (!backend) throw new Error('the stack runs no reference backend')
  const userId = `commit_fault_${process.pid}`
  const project = 'proj_commit_fault'
  for (let i = 1; i <= 5; i++) backend.append(project, 'peer', `before ${i}`)
  let failNext = false
  let failed = 0
  const testHub = createTestHub({
    baseUrl: stack.url,
    cookie: await stack.login(userId),
    openStore: async (user) => {
      const store = await openChatStore({ userId: user })
      return Object.assign(Object.create(store) as typeof store, {
        commit: (projectId: string, batch: Parameters<typeof store.commit>[1]) => {
          if (!failNext) return store.commit(projectId, batch)
          failNext = false
          failed++
          return Promise.reject(new DOMException('The transaction was aborted', 'AbortError'))
        },
      })
    },
  })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', project)
  await tab.until(project, (v) => v.status.status === 'connected' && seqsOf(v).at(-1) === 5)
  await expect.poll(() => storedMessages(userId, project).then((m) => m.length)).toBe(5)

  failNext = true
  for (let i = 6; i <= 8; i++) backend.append(project, 'peer', `live ${i}`)
  await tab.until(project, (v) => seqsOf(v).at(-1) === 8)
  expect(seqsOf(tab.view(project))).toEqual(range(1, 8))
  expect(failed).toBe(1)
  await expect
    .poll(() => storedMessages(userId, project).then((m) => m.map(([seq]) => seq)))
    .toEqual(range(1, 8))
  expect(tab.view(project).status.status).toBe('connected')
})
