/**
 * The app shell is precached by the service worker: with the servers gone and the browser
 * offline, a new tab opens the app, paints the cached messages, and queues sends. Runs with
 * SharedWorker and again without it (the `no-shared-worker` project: the tab leads alone).
 */
import type { Page } from '@playwright/test'
import {
  expect,
  expectCount,
  expectHubMode,
  listed,
  login,
  openProject,
  send,
  status,
  test,
} from './support/fixtures'

test('offline reopen: the app opens from the service worker with cached messages and status offline; a message sent then is delivered once when the servers return', async ({
  context,
  stack,
  ids,
  sharedWorker,
}) => {
  const user = ids.user('fay')
  const project = ids.project('offline')
  for (let i = 1; i <= 5; i++) stack.backend().append(project, 'bot', `cached ${i}`)
  await login(context, stack, user)
  const online = await openProject(context, stack, project)
  await expectCount(online, 5)
  await online.evaluate(async () => {
    await navigator.serviceWorker.ready
  })
  await online.close()

  await stack.stopApp()
  await stack.stopBackend()
  await context.setOffline(true)
  const offline = await context.newPage()
  await offline.goto(`${stack.url}/?project=${project}`)

  await expect(status(offline)).toHaveAttribute('data-status', 'offline')
  await expectHubMode(offline, sharedWorker)
  await expectCount(offline, 5)
  expect((await listed(offline)).map((m) => m.text)).toEqual([1, 2, 3, 4, 5].map((i) => `cached ${i}`))
  const cacheNames = await offline.evaluate(() => caches.keys())
  expect(cacheNames.some((name) => name.includes('precache'))).toBe(true)

  await send(offline, 'written offline')
  await expect(offline.getByTestId('message').last()).toHaveAttribute('data-seq', '')

  await stack.startBackend()
  await stack.startApp()
  await context.setOffline(false)

  await expectCount(offline, 6, 40_000)
  const rows = await listed(offline)
  expect(rows.filter((m) => m.text === 'written offline')).toEqual([
    { seq: '6', text: 'written offline', clientMsgId: expect.stringMatching(/^client_/) },
  ])
  expect(rows).toHaveLength(6)
  expect(stack.backend().latestSeq(project)).toBe(6)
})

test('API and stream responses are never cached by the service worker', async ({ context, stack, ids }) => {
  const user = ids.user('gil')
  const project = ids.project('nocache')
  await login(context, stack, user)
  const page = await openProject(context, stack, project)
  await send(page, 'one')
  await expectCount(page, 1)

  const cachedUrls = await page.evaluate(async () => {
    await navigator.serviceWorker.ready // the precache is filled during install
    const urls: string[] = []
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname)
    }
    return urls
  })
  expect(cachedUrls.length).toBeGreaterThan(0)
  expect(cachedUrls.filter((path) => path.startsWith('/api/'))).toEqual([])
})

test('the hashed assets come straight from the precache, without the service worker running; one the precache lost comes from the network', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('hal')
  const project = ids.project('static')
  stack.backend().append(project, 'bot', 'hello')
  await login(context, stack, user)
  const first = await openProject(context, stack, project)
  await first.evaluate(async () => {
    await navigator.serviceWorker.ready
  })
  await first.close()

  /**
   * How the assets index.html names (entry chunk, stylesheet) were answered: the static
   * route's final source, per file. (A worker's script has no such entry.)
   */
  const assetSources = (page: Page) =>
    page.evaluate(() => {
      const named = new Set(
        [...document.querySelectorAll<HTMLScriptElement | HTMLLinkElement>('script[src], link[href]')]
          .map((element) => new URL('src' in element ? element.src : element.href).pathname)
          .filter((path) => path.startsWith('/assets/')),
      )
      return performance
        .getEntriesByType('resource')
        .filter((entry) => named.has(new URL(entry.name).pathname))
        .map((entry) => {
          const timing = entry as PerformanceResourceTiming & { workerFinalSourceType?: string }
          return { path: new URL(entry.name).pathname, source: timing.workerFinalSourceType ?? '' }
        })
    })
  const controlled = await openProject(context, stack, project)
  await expectCount(controlled, 1)
  const sources = await assetSources(controlled)
  expect(sources.length).toBeGreaterThanOrEqual(2)
  expect(sources.filter((asset) => asset.source !== 'cache')).toEqual([])

  // The precache loses every hashed asset (storage pressure, a half-finished update): the app
  // still loads, each asset from the network.
  const removed = await controlled.evaluate(async () => {
    let count = 0
    for (const name of await caches.keys()) {
      const cache = await caches.open(name)
      for (const request of await cache.keys()) {
        if (new URL(request.url).pathname.startsWith('/assets/') && (await cache.delete(request))) count++
      }
    }
    return count
  })
  expect(removed).toBeGreaterThan(0)
  await controlled.close()
  const again = await openProject(context, stack, project)
  await expectCount(again, 1)
  expect(await again.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
  const refetched = await assetSources(again)
  expect(refetched.length).toBeGreaterThanOrEqual(2)
  expect(refetched.filter((asset) => asset.source !== 'network')).toEqual([])
})
