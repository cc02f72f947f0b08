/**
 * Presence in the demo app, two users in two browser contexts: each sees the other `online`
 * while one of their tabs is visible, `away` when all are hidden, `offline` when the last closes.
 *
 * Headless Chromium keeps every page visible whatever is in front (microsoft/playwright#2286), so
 * a tab is hidden the way the browser tells the page on a tab switch: `document.visibilityState`
 * becomes `hidden` (a getter installed before the app loads) and `visibilitychange` fires.
 */
import type { BrowserContext, Page } from '@playwright/test'
import { expect, login, openProject, test } from './support/fixtures'

/** Before any script of the page: `visibilityState` reads a flag the test flips. */
async function withVisibilityControl(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const state = { hidden: false }
    Object.defineProperty(globalThis, '__pcVisibility', { value: state })
    Object.defineProperty(Document.prototype, 'visibilityState', {
      configurable: true,
      get: () => (state.hidden ? 'hidden' : 'visible'),
    })
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => state.hidden })
  })
}

async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((value) => {
    ;(globalThis as unknown as { __pcVisibility: { hidden: boolean } }).__pcVisibility.hidden = value
    document.dispatchEvent(new Event('visibilitychange'))
  }, hidden)
}

const presenceOf = (page: Page, userId: string) =>
  page.locator(`[data-testid=presence-user][data-user-id="${userId}"]`)

test('two users see each other online, away when every tab is hidden, offline when the last one closes', async ({
  browser,
  stack,
  ids,
}) => {
  const [alice, bob] = [ids.user('alice'), ids.user('bob')]
  const project = ids.project('presence')
  const aliceContext = await browser.newContext()
  const bobContext = await browser.newContext()
  for (const context of [aliceContext, bobContext]) await withVisibilityControl(context)
  await login(aliceContext, stack, alice)
  await login(bobContext, stack, bob)

  const aliceFirst = await openProject(aliceContext, stack, project)
  const bobPage = await openProject(bobContext, stack, project)
  await expect(presenceOf(bobPage, alice)).toHaveAttribute('data-status', 'online')
  await expect(presenceOf(aliceFirst, bob)).toHaveAttribute('data-status', 'online')
  await expect(presenceOf(bobPage, bob)).toHaveAttribute('data-status', 'online')

  const aliceSecond = await openProject(aliceContext, stack, project)
  await expect(presenceOf(aliceSecond, bob)).toHaveAttribute('data-status', 'online')
  await setHidden(aliceFirst, true)
  await expect(aliceSecond.getByTestId('hub-stats')).toHaveAttribute('data-tabs', '2')
  // One of Alice's tabs is still visible: she stays online for Bob.
  await expect(presenceOf(bobPage, alice)).toHaveAttribute('data-status', 'online')
  await setHidden(aliceSecond, true)
  await expect(presenceOf(bobPage, alice)).toHaveAttribute('data-status', 'away')
  await setHidden(aliceFirst, false)
  await expect(presenceOf(bobPage, alice)).toHaveAttribute('data-status', 'online')

  await setHidden(bobPage, true)
  await expect(presenceOf(aliceFirst, bob)).toHaveAttribute('data-status', 'away')

  await aliceFirst.close()
  await aliceSecond.close()
  await expect(presenceOf(bobPage, alice)).toHaveAttribute('data-status', 'offline')
  await expect(bobPage.getByTestId('presence-user')).toHaveCount(2)

  await aliceContext.close()
  await bobContext.close()
})
