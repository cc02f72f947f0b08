/**
 * The offline shell: after one visit online (the service worker precached the app, the hub
 * stored the messages in IndexedDB), a tab reopened with the server gone and the browser offline
 * opens from the service worker and paints the cached messages; its status never claims
 * `connected`. (Which of `offline` and `reconnecting` it shows depends on `navigator.onLine`, and
 * Playwright's offline emulation does not always reach a page that a service worker controls.)
 */
import { expect, listed, login, openProject, test } from './support'

test('offline reopen: the shell comes from the service worker and the messages from IndexedDB', async ({
  context,
  app,
  ids,
}) => {
  const user = ids.user('olga')
  const project = ids.project('offline')
  for (let i = 1; i <= 3; i++) app.backend.append(project, 'bot', `cached ${i}`)
  await login(context, app, user)
  const online = await openProject(context, app, project)
  await expect(online.getByTestId('message-list')).toHaveAttribute('data-count', '3')
  await online.evaluate(async () => {
    await navigator.serviceWorker.ready
  })
  await expect
    .poll(() => online.evaluate(async () => (await caches.keys()).some((k) => k.includes('precache'))))
    .toBe(true)
  await online.close()

  await app.stop()
  await context.setOffline(true)
  try {
    const offline = await context.newPage()
    await offline.goto(`${app.url}/?project=${project}`)

    await expect(offline.getByTestId('message-list')).toHaveAttribute('data-count', '3')
    await expect(offline.getByTestId('connection-status')).toHaveAttribute(
      'data-status',
      /^(offline|reconnecting)$/,
    )
    expect(await offline.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
    expect(await listed(offline)).toEqual([
      ['1', 'cached 1'],
      ['2', 'cached 2'],
      ['3', 'cached 3'],
    ])
  } finally {
    await context.setOffline(false)
    await app.start()
  }
})
