/**
 * The first paint on its own: a reopened tab paints its project's newest cached messages
 * straight from IndexedDB (boot.ts → first-paint.ts), before and without the rest of the app
 * (main.ts: the client, the hub, the composer). The service worker is blocked so that the
 * context's routes see every request, and the app's chunk is refused: whatever the page then
 * shows came from the first paint alone.
 */
import type { Page } from '@playwright/test'
import { expect, expectCount, listed, login, openProject, status, test } from './support/fixtures'

test.use({ serviceWorkers: 'block' })

/** How many messages of `projectId` the hub has written to the user's IndexedDB (0 while none). */
function storedCount(page: Page, userId: string, projectId: string): Promise<number> {
  return page.evaluate(
    async ({ userId, projectId }) => {
      const name = `persistent-chat:${userId}`
      if (!(await indexedDB.databases()).some((d) => d.name === name)) return 0
      const request = <T>(r: IDBRequest<T>) =>
        new Promise<T>((resolve, reject) => {
          r.onsuccess = () => resolve(r.result)
          r.onerror = () => reject(r.error)
        })
      const db = await request(indexedDB.open(name))
      try {
        const range = IDBKeyRange.bound([projectId, 0], [projectId, Number.MAX_SAFE_INTEGER])
        return await request(db.transaction('messages').objectStore('messages').count(range))
      } finally {
        db.close()
      }
    },
    { userId, projectId },
  )
}

test('a reopened tab paints its newest cached messages from IndexedDB before the app has loaded, and claims no connection', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('cora')
  const project = ids.project('firstpaint')
  for (let i = 1; i <= 60; i++) stack.backend().append(project, 'bot', `cached ${i}`)
  await login(context, stack, user)
  const online = await openProject(context, stack, project)
  await expectCount(online, 60)
  await expect.poll(() => storedCount(online, user, project), { timeout: 20_000 }).toBe(60)
  await online.close()

  // The app's chunk never arrives: no client, no hub, no stream.
  const refused: string[] = []
  await context.route(/\/assets\/main-[^/]*\.js$/, (route) => {
    refused.push(route.request().url())
    return route.abort()
  })
  const page = await context.newPage()
  await page.goto(`${stack.url}/?project=${project}`)

  // The first paint shows the newest 50 (the hub's snapshot would bring the rest), in order.
  await expectCount(page, 50)
  const rows = await listed(page)
  expect(rows.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => String(11 + i)))
  expect(rows.map((m) => m.text)).toEqual(Array.from({ length: 50 }, (_, i) => `cached ${11 + i}`))
  await expect(page.getByTestId('message-list')).toHaveAttribute('data-first-seq', '11')
  await expect(page.getByTestId('message-list')).toHaveAttribute('data-last-seq', '60')
  expect(refused.length).toBeGreaterThan(0)
  // Nothing can arrive: the badge must not say connected.
  await expect(status(page)).toHaveAttribute('data-status', 'connecting')
})

test('a tab of a project the cache does not hold paints no cached rows and still loads the app', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('cody')
  const cachedProject = ids.project('held')
  const freshProject = ids.project('fresh')
  stack.backend().append(cachedProject, 'bot', 'held here')
  stack.backend().append(freshProject, 'bot', 'from the hub')
  await login(context, stack, user)
  const online = await openProject(context, stack, cachedProject)
  await expectCount(online, 1)
  await expect.poll(() => storedCount(online, user, cachedProject), { timeout: 20_000 }).toBe(1)
  await online.close()

  const page = await openProject(context, stack, freshProject)

  await expectCount(page, 1)
  expect((await listed(page)).map((m) => m.text)).toEqual(['from the hub'])
})
