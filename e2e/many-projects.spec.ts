/**
 * One browser connection per user, however many projects (issue 15), over HTTP/1.1 where the
 * browser gives the origin 6 connections: 8 projects in 8 tabs all stream, sends are confirmed,
 * another page still loads, and the backend holds 8 upstream streams while the browser holds 1.
 * Then 12 projects: the backend's limit of 10 streams per user leaves 2 `rate_limited` with their
 * retry time (not frozen, not `connected`); closing 4 tabs frees their upstreams within the grace
 * period and the rate-limited ones start streaming.
 */
import type { Page } from '@playwright/test'
import type { ProxyLogEntry } from '../src/server/proxy/log'
import { at, expect, expectHubMode, login, send, status, test } from './support/fixtures'

/** Closes a project's stream 1 s after its last tab leaves (the same for every tab: one hub). */
const QUERY = '&grace=1000'
const GRACE_MS = 1000

/** Long-lived requests the browser holds at the proxy: streams answered 200 and not yet closed. */
function browserStreams(log: readonly ProxyLogEntry[], userId: string): number {
  const isStream = (e: ProxyLogEntry) =>
    e.userId === userId && (e.route.endsWith('/stream') || e.route.endsWith('/mux')) && e.method === 'GET'
  const opened = log.filter((e) => isStream(e) && e.event === 'request' && e.status === 200).length
  const closed = log.filter((e) => isStream(e) && e.event === 'stream.closed').length
  return opened - closed
}

test('8 projects in 8 tabs over HTTP/1.1: all connected, every send confirmed, another page loads, 8 upstreams and 1 browser stream; 12 → 10 streaming and 2 rate_limited until 4 tabs close', async ({
  context,
  stack,
  ids,
  sharedWorker,
}) => {
  test.setTimeout(240_000)
  const user = ids.user('multi')
  await login(context, stack, user)
  const projects = Array.from({ length: 12 }, (_, i) => ids.project(`p${i + 1}`))
  const tabs: Page[] = []
  const open = async (projectId: string) => {
    const page = await context.newPage()
    await page.goto(`${stack.url}/?project=${projectId}${QUERY}`)
    tabs.push(page)
    return page
  }

  for (const projectId of projects.slice(0, 8)) await open(projectId)
  for (const page of tabs) await expect(status(page)).toHaveAttribute('data-status', 'connected')
  await expectHubMode(at(tabs, 0), sharedWorker)

  for (const [i, page] of tabs.entries()) await send(page, `hello from tab ${i + 1}`)
  for (const [i, page] of tabs.entries()) {
    const row = page.getByTestId('message').filter({ hasText: `hello from tab ${i + 1}` })
    await expect(row).toHaveCount(1)
    await expect(row).not.toHaveAttribute('data-seq', '')
  }

  // Another page of the app loads at once: the browser still has connections to spare.
  const extra = await context.newPage()
  await extra.goto(`${stack.url}/login`, { timeout: 10_000 })
  await expect(extra.locator('input[name=userId]')).toBeVisible()
  await extra.close()

  await expect.poll(() => stack.backend().openStreams(user)).toBe(8)
  await expect.poll(() => browserStreams(stack.proxyLog, user)).toBe(1)

  // 12 projects: the backend allows 10 streams per user.
  for (const projectId of projects.slice(8)) await open(projectId)
  const statuses = () => Promise.all(tabs.map((page) => status(page).getAttribute('data-status')))
  await expect
    .poll(async () => (await statuses()).filter((s) => s === 'connected').length, { timeout: 30_000 })
    .toBe(10)
  await expect.poll(async () => (await statuses()).filter((s) => s === 'rate_limited').length).toBe(2)
  for (const page of tabs) {
    if ((await status(page).getAttribute('data-status')) === 'rate_limited')
      await expect(status(page)).toContainText(/retrying in \d+ s|…/)
  }
  expect(stack.backend().openStreams(user)).toBe(10)
  expect(browserStreams(stack.proxyLog, user)).toBe(1)

  // Close 4 streaming tabs: their upstreams close within the grace period + 1 s, and the two
  // rate-limited projects then get the freed slots.
  const closing: Page[] = []
  for (const page of tabs) {
    if (closing.length < 4 && (await status(page).getAttribute('data-status')) === 'connected')
      closing.push(page)
  }
  const closedProjects = closing.map((page) => new URL(page.url()).searchParams.get('project'))
  const closedAt = Date.now()
  for (const page of closing) await page.close()
  await expect
    .poll(
      () =>
        stack
          .backend()
          .openStreamProjects(user)
          .filter((p) => closedProjects.includes(p)).length,
      {
        timeout: GRACE_MS + 1000,
        intervals: [50],
      },
    )
    .toBe(0)
  expect(Date.now() - closedAt).toBeLessThan(GRACE_MS + 1000 + 500) // poll granularity
  const staying = tabs.filter((page) => !closing.includes(page))
  for (const page of staying)
    await expect(status(page)).toHaveAttribute('data-status', 'connected', { timeout: 30_000 })
  await expect.poll(() => stack.backend().openStreams(user)).toBe(8)
  expect(browserStreams(stack.proxyLog, user)).toBe(1)
})
