/**
 * The hub dies while its tabs live on — Chrome on Android closes SharedWorkers under memory
 * pressure, a leader tab's worker can crash — three times, while the backend keeps posting.
 * With SharedWorker (the `chromium` project) the worker runs its own `close()`, told through the
 * DevTools protocol; without (`no-shared-worker`) the leader tab's dedicated worker closes
 * itself. Each time a tab types a message right away. Every tab heals by itself: it ends equal
 * to the backend's log, every typed message exists exactly once, and every badge says
 * `connected` again.
 */
import type { Page } from '@playwright/test'
import {
  at,
  expect,
  expectCount,
  expectHubMode,
  listed,
  login,
  openTabs,
  send,
  status,
  test,
} from './support/fixtures'
import { closeLeaderWorker, closeSharedWorker, leaderPage } from './support/hubs'

/** The most messages the backend posts during the test. */
const TRAFFIC = 3_000

/** How many of the page's rows show `text`, and whether all of them are confirmed (have a seq). */
async function shown(page: Page, text: string): Promise<{ count: number; confirmed: boolean }> {
  const rows = (await listed(page)).filter((row) => row.text === text)
  return { count: rows.length, confirmed: rows.every((row) => row.seq !== '') }
}

test('the hub dies 3 times during traffic: every tab heals, ends equal to the backend log, and a message typed right after each death exists once', async ({
  browser,
  context,
  stack,
  ids,
  sharedWorker,
}) => {
  // Slow when the machine is busy (each death is a new worker, a preflight and a snapshot per tab).
  test.setTimeout(360_000)
  const user = ids.user('ada')
  const project = ids.project('death')
  for (let i = 1; i <= 10; i++) stack.backend().append(project, 'bot', `before ${i}`)
  await login(context, stack, user)
  const pages = await openTabs(context, stack, project, 3)
  for (const page of pages) await expectCount(page, 10)
  await expectHubMode(at(pages, 0), sharedWorker)

  // 10 messages a second while the hub dies and heals, at most TRAFFIC (a slow run must not
  // drown its own tabs in rows).
  let sent = 0
  const traffic = setInterval(() => {
    if (sent < TRAFFIC) stack.backend().append(project, 'bot', `traffic ${++sent}`)
  }, 100)
  try {
    for (let round = 1; round <= 3; round++) {
      await expect.poll(() => sent, { timeout: 30_000 }).toBeGreaterThan(round * 20)
      expect(sent, 'traffic still flows when the hub dies').toBeLessThan(TRAFFIC)
      if (sharedWorker) await closeSharedWorker(browser)
      else await closeLeaderWorker((await leaderPage(pages)).page)
      const typed = `typed right after death ${round}`
      await send(at(pages, round % pages.length), typed)
      for (const page of pages) {
        await expect
          .poll(() => shown(page, typed), { timeout: 60_000 })
          .toEqual({ count: 1, confirmed: true })
        await expect(status(page)).toHaveAttribute('data-status', 'connected', { timeout: 30_000 })
      }
    }
  } finally {
    clearInterval(traffic)
  }

  const log = await stack.readLog(project, user)
  expect(log.length).toBe(10 + sent + 3)
  const expected = log.map((m) => ({ seq: String(m.seq), text: m.content.text }))
  for (const page of pages) {
    await expectCount(page, log.length, 60_000)
    expect((await listed(page)).map(({ seq, text }) => ({ seq, text }))).toEqual(expected)
    await expect(status(page)).toHaveAttribute('data-status', 'connected')
  }
  for (let round = 1; round <= 3; round++) {
    expect(log.filter((m) => m.content.text === `typed right after death ${round}`)).toHaveLength(1)
  }
  await expect.poll(() => stack.backend().openStreams(user), { timeout: 30_000 }).toBe(1)
})
