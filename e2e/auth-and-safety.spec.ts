/**
 * Sign-in states and hostile input: a refused session stops without a reconnect loop, users
 * stay apart, and message text is only ever text.
 */
import { mkdirSync } from 'node:fs'
import { expect, expectCount, listed, login, openProject, send, status, test } from './support/fixtures'

test('a tab with no session is sent to /login, and the login form signs in and opens the app', async ({
  page,
  stack,
  ids,
}) => {
  const project = ids.project('signin')
  await page.goto(`${stack.url}/?project=${project}`)
  await expect(page).toHaveURL(/\/login/)

  await page.locator('input[name=userId]').fill(ids.user('hal'))
  await page.locator('button[type=submit]').click()

  await expect(status(page)).toHaveAttribute('data-status', 'connected')
})

test('a session that is logged out shows auth_failed and makes no reconnect loop over 30 s', async ({
  context,
  stack,
  ids,
}) => {
  test.setTimeout(120_000)
  const user = ids.user('ivy')
  const project = ids.project('authloop')
  await login(context, stack, user)
  const page = await openProject(context, stack, project)

  await context.clearCookies()
  // Drop the live stream: the hub reconnects without a session and is refused.
  await stack.stopBackend()
  await stack.startBackend()
  await expect(status(page)).toHaveAttribute('data-status', 'auth_failed', { timeout: 40_000 })
  const requestsAtFailure = stack.proxyLog.length

  await page.waitForTimeout(30_000) // the assertion is about what does NOT happen in 30 s

  expect(stack.proxyLog.slice(requestsAtFailure)).toEqual([])
  await expect(status(page)).toHaveAttribute('data-status', 'auth_failed')
})

test('two users in two browser contexts never see each other’s messages or cache', async ({
  browser,
  stack,
  ids,
}) => {
  const [alice, bob] = [ids.user('jan'), ids.user('kai')]
  const [projectA, projectB] = [ids.project('pa'), ids.project('pb')]
  const contextA = await browser.newContext()
  const contextB = await browser.newContext()
  await login(contextA, stack, alice)
  await login(contextB, stack, bob)
  const pageA = await openProject(contextA, stack, projectA)
  const pageB = await openProject(contextB, stack, projectB)

  await send(pageA, 'only for alice')
  await send(pageB, 'only for bob')
  await expectCount(pageA, 1)
  await expectCount(pageB, 1)

  expect((await listed(pageA)).map((m) => m.text)).toEqual(['only for alice'])
  expect((await listed(pageB)).map((m) => m.text)).toEqual(['only for bob'])
  const databases = async (page: typeof pageA) =>
    (await page.evaluate(() => indexedDB.databases()))
      .map((d) => d.name)
      .filter((n) => n?.startsWith('persistent-chat'))
  expect(await databases(pageA)).toEqual([`persistent-chat:${alice}`])
  expect(await databases(pageB)).toEqual([`persistent-chat:${bob}`])
  await contextA.close()
  await contextB.close()
})

test('a message like <img src=x onerror=alert(1)> renders as text and runs nothing', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('lux')
  const project = ids.project('xss')
  await login(context, stack, user)
  const page = await openProject(context, stack, project)
  const dialogs: string[] = []
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  const hostile = '<img src=x onerror=alert(1)>'

  await send(page, hostile)

  await expectCount(page, 1)
  await expect(page.getByTestId('message-text').first()).toHaveText(hostile)
  expect(await page.locator('[data-testid=message-list] img').count()).toBe(0)
  expect(dialogs).toEqual([])
})

test('the app as a user sees it (screenshot for the README)', async ({ context, stack }) => {
  const user = 'maya'
  const project = 'launch'
  stack.backend().append(project, 'sam', 'Morning! The new onboarding flow is ready for review.')
  stack.backend().append(project, 'lee', 'Looks good on mobile too.\nShipping it after lunch.')
  await login(context, stack, user)
  const page = await openProject(context, stack, project)
  await page.setViewportSize({ width: 1200, height: 760 })
  await send(page, '/build the landing page')
  // The demo assistant answers, then reports the build: 2 more messages.
  await expectCount(page, 5)

  const path = process.env['UPDATE_SCREENSHOT'] ? 'docs/screenshot.png' : '.tmp/screenshot.png'
  mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true })
  await page.screenshot({ path })
})
