/**
 * The first paint on its own: a reopened tab paints its project's newest cached messages
 * straight from IndexedDB (boot.ts → first-paint.ts), before and without the rest of the app
 * (main.ts: the client, the hub, the composer). The service worker is blocked so that the
 * context's routes see every request, and the app's chunk is refused: whatever the page then
 * shows came from the first paint alone. And the hand-over: the hub's first view, holding older
 * messages than the cached rows, is put in above them without laying those out off screen.
 */
import type { BrowserContext, Page } from '@playwright/test'
import { expect, expectCount, listed, login, openProject, status, test } from './support/fixtures'
import type { Stack } from './support/stack'

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

/**
 * The backend gets `count` messages (`cached 1` …) of `projectId`, and the user's cache all of
 * them, as a user's would: the project is opened once, until the hub has stored every message,
 * and closed.
 */
async function cacheMessages(
  context: BrowserContext,
  stack: Stack,
  userId: string,
  projectId: string,
  count: number,
): Promise<void> {
  for (let i = 1; i <= count; i++) stack.backend().append(projectId, 'bot', `cached ${i}`)
  const online = await openProject(context, stack, projectId)
  await expectCount(online, count)
  await expect.poll(() => storedCount(online, userId, projectId), { timeout: 20_000 }).toBe(count)
  await online.close()
}

test('a reopened tab paints its newest cached messages from IndexedDB before the app has loaded, and claims no connection', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('cora')
  const project = ids.project('firstpaint')
  await login(context, stack, user)
  await cacheMessages(context, stack, user, project, 60)

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

test('a reopened tab following the bottom lays out none of the older rows the hub’s first view puts in above the cached ones', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('dora')
  const project = ids.project('above')
  await login(context, stack, user)
  await cacheMessages(context, stack, user, project, 100)

  // Each time a chunk of rows (seqs 0–49, 50–99, …) starts being rendered, the first seq in it.
  await context.addInitScript(() => {
    const rendered: number[] = []
    Object.assign(window, { __renderedChunks: rendered })
    document.addEventListener(
      'contentvisibilityautostatechange',
      (event) => {
        const first = (event.target as Element).querySelector('[data-seq]')?.getAttribute('data-seq')
        if ('skipped' in event && event.skipped === false && first) rendered.push(Number(first))
      },
      { capture: true },
    )
  })
  const page = await context.newPage()
  await page.goto(`${stack.url}/?project=${project}`)
  await expect(status(page)).toHaveAttribute('data-status', 'connected')
  // The cached paint shows 51–100; the hub's first view adds 1–50 above them.
  await expectCount(page, 100)
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  )

  const rendered = await page.evaluate(
    () => (window as unknown as { __renderedChunks: number[] }).__renderedChunks,
  )
  expect(rendered).toContain(100)
  expect(rendered.filter((seq) => seq < 50)).toEqual([])
})
