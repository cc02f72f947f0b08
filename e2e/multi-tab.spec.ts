/**
 * One connection per (user, project), however many tabs: counted at the backend, with every
 * tab showing the same messages in the same order. Runs with SharedWorker and again without it
 * (the `no-shared-worker` project: one tab leads).
 */
import {
  at,
  expect,
  expectCount,
  expectHubMode,
  hubStats,
  listed,
  login,
  openProject,
  openTabs,
  send,
  test,
} from './support/fixtures'

test('5 tabs on one project hold exactly 1 upstream stream, and a message sent in tab 3 shows in all 5 in the same seq order', async ({
  context,
  stack,
  ids,
  sharedWorker,
}) => {
  const user = ids.user('ana')
  const project = ids.project('team')
  for (let i = 1; i <= 3; i++) stack.backend().append(project, 'bot', `seed ${i}`)
  await login(context, stack, user)
  const pages = await openTabs(context, stack, project, 5)

  await expect.poll(() => stack.backend().openStreams(user)).toBe(1)
  await expect.poll(async () => (await hubStats(at(pages, 0))).tabs).toBe(5)
  await expectHubMode(at(pages, 1), sharedWorker)
  await send(at(pages, 2), 'hello from tab 3')

  for (const page of pages) await expectCount(page, 4)
  const lists = await Promise.all(pages.map(listed))
  for (const list of lists) expect(list).toEqual(lists[0])
  expect(lists[0]?.map((m) => m.seq)).toEqual(['1', '2', '3', '4'])
  expect(lists[0]?.map((m) => m.text)).toEqual(['seed 1', 'seed 2', 'seed 3', 'hello from tab 3'])
  expect(stack.backend().openStreams(user)).toBe(1)
})

test('3 projects × 4 tabs hold 3 streams', async ({ context, stack, ids }) => {
  const user = ids.user('ben')
  await login(context, stack, user)
  const projects = ['a', 'b', 'c'].map((name) => ids.project(name))

  for (const project of projects) for (let i = 0; i < 4; i++) await openProject(context, stack, project)

  await expect.poll(() => stack.backend().openStreams(user)).toBe(3)
  const page = at(context.pages(), 0)
  await expect.poll(async () => hubStats(page)).toEqual({ connections: 3, tabs: 12 })
})

test('12 tabs on one project never see a 429: one stream serves them all', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('cy')
  const project = ids.project('crowd')
  await login(context, stack, user)

  const pages = await openTabs(context, stack, project, 12)
  await send(at(pages, 11), 'twelve tabs')

  for (const page of pages) await expectCount(page, 1)
  expect(stack.backend().openStreams(user)).toBe(1)
  expect(stack.proxyLog.filter((entry) => entry.status === 429)).toEqual([])
})

test('reloading a tab shows every message once with no gap; closing every tab closes the stream within grace + 1 s', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('dee')
  const project = ids.project('reload')
  for (let i = 1; i <= 30; i++) stack.backend().append(project, 'bot', `before ${i}`)
  await login(context, stack, user)
  const grace = 1000
  const first = await openProject(context, stack, project, `&grace=${grace}`)
  const second = await openProject(context, stack, project, `&grace=${grace}`)
  await expectCount(second, 30)

  await second.reload()
  for (let i = 31; i <= 40; i++) stack.backend().append(project, 'bot', `after ${i}`)

  await expectCount(second, 40)
  await expectCount(first, 40)
  const seqs = (await listed(second)).map((m) => Number(m.seq))
  expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))

  await first.close()
  await second.close()
  const closedAt = Date.now()
  await expect.poll(() => stack.backend().openStreams(user), { timeout: grace + 1000 }).toBe(0)
  expect(Date.now() - closedAt).toBeLessThanOrEqual(grace + 1000)
})

test('a backend restart mid-session: every tab resumes and nothing is lost or repeated', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('eve')
  const project = ids.project('restart')
  await login(context, stack, user)
  const pages = await openTabs(context, stack, project, 3)
  await send(at(pages, 0), 'before the restart')
  for (const page of pages) await expectCount(page, 1)

  await stack.stopBackend()
  await send(at(pages, 1), 'sent while the backend is down')
  await stack.startBackend()
  for (let i = 1; i <= 50; i++) stack.backend().append(project, 'bot', `after restart ${i}`)

  for (const page of pages) await expectCount(page, 52, 40_000)
  const lists = await Promise.all(pages.map(listed))
  for (const list of lists) expect(list).toEqual(lists[0])
  expect(lists[0]?.map((m) => m.seq)).toEqual(Array.from({ length: 52 }, (_, i) => String(i + 1)))
  expect(lists[0]?.filter((m) => m.text === 'sent while the backend is down')).toHaveLength(1)
  expect(stack.backend().latestSeq(project)).toBe(52)
})
