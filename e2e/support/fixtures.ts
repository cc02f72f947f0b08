/**
 * The Playwright fixtures every spec uses: a fresh stack per test (fresh context too: SW and
 * SharedWorker state outlive a page), and helpers that drive the app only through the
 * DESIGN.md §5 DOM hooks.
 */
import { type BrowserContext, test as base, expect, type Page } from '@playwright/test'
import { type Stack, startStack } from './stack'

export { expect }

/** @internal */
export const test = base.extend<{
  /**
   * `false` in the `no-shared-worker` project (playwright.config.ts): every page of the test's
   * contexts loads without `SharedWorker`, as on Chrome for Android, so the app elects a leader
   * tab. Specs that open their own contexts apply it with `withoutSharedWorker`.
   */
  sharedWorker: boolean
  stack: Stack
  ids: { user: (name: string) => string; project: (name: string) => string }
}>({
  sharedWorker: [true, { option: true }],
  context: async ({ context, sharedWorker }, use) => {
    if (!sharedWorker) await withoutSharedWorker(context)
    await use(context)
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a pattern.
  stack: async ({}, use) => {
    const stack = await startStack()
    await use(stack)
    await stack.close()
  },
  // biome-ignore lint/correctness/noEmptyPattern: as above.
  ids: async ({}, use, testInfo) => {
    const suffix = `${testInfo.testId.slice(0, 8)}_${testInfo.repeatEachIndex}`
    await use({ user: (name) => `${name}_${suffix}`, project: (name) => `${name}_${suffix}` })
  },
})

/** @internal Sign in through the dev login API (the context's pages share the cookie). */
export async function login(context: BrowserContext, stack: Stack, userId: string): Promise<void> {
  const response = await context.request.post(`${stack.url}/api/dev/login`, {
    data: { userId },
    headers: { origin: stack.url },
  })
  expect(response.status()).toBe(200)
}

/** @internal Open a project in a new page and wait for its stream. */
export async function openProject(
  context: BrowserContext,
  stack: Stack,
  projectId: string,
  query = '',
): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${stack.url}/?project=${projectId}${query}`)
  await expect(status(page)).toHaveAttribute('data-status', 'connected')
  return page
}

/** @internal The connection-status hook. */
export const status = (page: Page) => page.getByTestId('connection-status')

/** @internal Type and send a message through the composer. */
export async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer').fill(text)
  await page.getByTestId('send').click()
}

/** @internal What the list shows: seq (or '' while optimistic) and text of every message. */
export function listed(page: Page): Promise<Array<{ seq: string; text: string; clientMsgId: string }>> {
  return page.$$eval('[data-testid=message]', (rows) =>
    rows.map((row) => ({
      seq: row.getAttribute('data-seq') ?? '',
      text: row.querySelector('[data-testid=message-text]')?.textContent ?? '',
      clientMsgId: row.getAttribute('data-client-msg-id') ?? '',
    })),
  )
}

/** @internal Wait until the list holds `count` confirmed messages. */
export async function expectCount(page: Page, count: number, timeout = 20_000): Promise<void> {
  await expect(page.getByTestId('message-list')).toHaveAttribute('data-count', String(count), { timeout })
}

/** @internal The hub's figures from the hub panel. */
export async function hubStats(page: Page): Promise<{ connections: number; tabs: number }> {
  const panel = page.getByTestId('hub-stats')
  return {
    connections: Number(await panel.getAttribute('data-connections')),
    tabs: Number(await panel.getAttribute('data-tabs')),
  }
}

/** @internal Open `count` tabs of a project, one after another. */
export async function openTabs(
  context: BrowserContext,
  stack: Stack,
  projectId: string,
  count: number,
  query = '',
): Promise<Page[]> {
  const pages: Page[] = []
  for (let i = 0; i < count; i++) pages.push(await openProject(context, stack, projectId, query))
  return pages
}

/** @internal `list[index]`, or a clear failure when it is missing. */
export function at<T>(list: readonly T[], index: number): T {
  const item = list[index]
  if (item === undefined) throw new Error(`expected an item at index ${index} of ${list.length}`)
  return item
}

/** @internal Every page of `context` loads without `SharedWorker`, as on Chrome for Android. */
export async function withoutSharedWorker(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    delete (globalThis as { SharedWorker?: unknown }).SharedWorker
  })
}

/** @internal The hub mode the hub panel names: the one the test's project asks for. */
export async function expectHubMode(page: Page, sharedWorker: boolean): Promise<void> {
  await expect(page.getByTestId('hub-stats')).toContainText(sharedWorker ? 'SharedWorker' : 'Leader tab')
  expect(await page.evaluate(() => 'SharedWorker' in globalThis)).toBe(sharedWorker)
}
