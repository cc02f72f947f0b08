/**
 * Hostile input in every field the app renders, and a sign-out that leaves nothing behind.
 */
import { expect, expectCount, login, openProject, test } from './support/fixtures'

const HOSTILE = '<img src=x onerror="window.__pwned=1">'

test('script injection in the text, the user id, the build message and the project id renders as text and runs nothing', async ({
  context,
  stack,
  ids,
}) => {
  const project = ids.project('inject')
  stack.backend().append(project, HOSTILE, `text ${HOSTILE}`)
  stack.backend().append(project, 'system', 'Build completed.', {
    type: 'system',
    metadata: {
      build_id: 'build_1',
      response_data: { type: 'build_completed', buildId: HOSTILE, message: HOSTILE },
    },
  })
  await login(context, stack, ids.user('nell'))
  const page = await openProject(context, stack, project)
  await expectCount(page, 2)

  await expect(page.getByTestId('message-text').first()).toHaveText(`text ${HOSTILE}`)
  await expect(page.getByTestId('message').first()).toContainText(HOSTILE) // the author, as text
  await expect(page.getByTestId('message').nth(1)).toContainText(HOSTILE) // the build card, as text
  const injectedProject = await context.newPage()
  await injectedProject.goto(`${stack.url}/?project=${encodeURIComponent(HOSTILE)}`)
  await expect(
    injectedProject.getByRole('alert').filter({ hasText: 'not a valid project id' }),
  ).toContainText(HOSTILE)

  for (const p of [page, injectedProject]) {
    expect(await p.locator('[data-testid=message-list] img, [role=alert] img').count()).toBe(0)
    expect(await p.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined()
  }
})

test('signing out deletes the user’s IndexedDB cache and ends the session', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('otto')
  const project = ids.project('bye')
  stack.backend().append(project, 'pat', 'cached before sign-out')
  await login(context, stack, user)
  const page = await openProject(context, stack, project)
  await expectCount(page, 1)
  const databases = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))
  expect(await databases()).toContain(`persistent-chat:${user}`)

  await page.getByRole('button', { name: 'Sign out' }).click()

  await expect(page).toHaveURL(/\/login/)
  await expect.poll(databases).not.toContain(`persistent-chat:${user}`)
  const preflight = await context.request.post(`${stack.url}/api/persistent-chat/stream`, {
    headers: { origin: stack.url },
  })
  expect(preflight.status()).toBe(401)
})
