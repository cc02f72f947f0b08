/**
 * The example as a user runs it: three tabs of one project share one upstream stream (the hub in
 * the SharedWorker Next bundled, or in a leader tab's worker without SharedWorker), a message
 * sent in one tab shows once in all three, the page hydrates without errors, and closing the tabs
 * closes the upstream stream.
 */
import type { Page } from '@playwright/test'
import { expect, listed, login, openProject, test } from './support'

test('three tabs → one upstream stream; a message sent in one shows in all three; closing them closes the stream', async ({
  context,
  app,
  ids,
  sharedWorker,
}) => {
  const user = ids.user('ana')
  const project = ids.project('tabs')
  app.backend.append(project, 'bot', 'before anyone came')
  await login(context, app, user)
  const errors: string[] = []
  const watch = (page: Page) => {
    page.on('pageerror', (error) => errors.push(error.message))
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
  }
  context.on('page', watch)

  const first = await openProject(context, app, project)
  const second = await openProject(context, app, project)
  const third = await openProject(context, app, project)
  const tabs = [first, second, third]
  await expect(third.getByTestId('hub-stats')).toHaveAttribute('data-tabs', '3')
  await expect(third.getByTestId('hub-stats')).toHaveAttribute(
    'data-mode',
    sharedWorker ? 'shared-worker' : 'leader-tab',
  )
  expect(app.backend.openStreams(user)).toBe(1)

  await second.getByTestId('composer').fill('hello from tab 2')
  await second.getByTestId('send').click()

  for (const tab of tabs) {
    await expect(tab.getByTestId('message').last()).toHaveAttribute('data-seq', '2')
    expect(await listed(tab)).toEqual([
      ['1', 'before anyone came'],
      ['2', 'hello from tab 2'],
    ])
    await expect(tab.locator(`[data-testid=presence-user][data-user-id="${user}"]`)).toHaveAttribute(
      'data-status',
      'online',
    )
  }
  expect(app.backend.openStreams(user)).toBe(1)
  expect(errors).toEqual([])

  for (const tab of tabs) await tab.close()
  await expect.poll(() => app.backend.openStreams(user), { timeout: 30_000 }).toBe(0)
})
