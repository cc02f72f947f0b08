/**
 * Leader-tab mode, as on Chrome for Android: SharedWorker is removed from every page of the
 * context before the app loads, so `auto` elects one tab's dedicated worker with Web Locks and
 * every tab talks to it over BroadcastChannel. The multi-tab, offline and chaos specs run in
 * this mode too (the `no-shared-worker` project in playwright.config.ts); this spec adds what
 * only a leader tab can get wrong: the leader closing mid-burst and a wedged leader whose lock is
 * stolen. Also: without Web Locks too, each tab runs its own hub in the page; `?mode=leader-tab`
 * forces the mode where SharedWorker exists.
 *
 * The wedge is real, not a test hook: Playwright runs a busy loop inside the leader's dedicated
 * worker (`worker.evaluate`), so its event loop stops — no announcements, no answers, no
 * stream reads — while it keeps holding its lock, exactly like a hung worker. (Freezing the page
 * with CDP `Page.setWebLifecycleState` does not pause its dedicated workers in Chromium, and a
 * busy loop in the page's main thread would not stop its worker either.)
 */
import type { Page } from '@playwright/test'
import { HUB_PROTOCOL_VERSION, leaderLockName } from '../src/protocol'
import {
  at,
  expect,
  expectCount,
  hubStats,
  listed,
  login,
  openTabs,
  send,
  test,
  withoutSharedWorker,
} from './support/fixtures'
import { announcedAfter, hearAnnouncements, leaderPage, leaderWorkerOf } from './support/hubs'

/** The leader lock of the default hub config (the URL sets no tunables). */
const LEADER_LOCK = leaderLockName(HUB_PROTOCOL_VERSION, {})

/** What the lock manager says about the leader lock: holders and waiters. */
function leaderLock(page: Page): Promise<{ held: number; pending: number }> {
  return page.evaluate(async (name) => {
    const snapshot = await navigator.locks.query()
    return {
      held: (snapshot.held ?? []).filter((lock) => lock.name === name).length,
      pending: (snapshot.pending ?? []).filter((lock) => lock.name === name).length,
    }
  }, LEADER_LOCK)
}

/** Append `count` messages, a chunk at a time, letting the servers stream in between. */
async function appendBurst(
  backend: { append(projectId: string, userId: string, text: string): unknown },
  project: string,
  from: number,
  count: number,
) {
  for (let i = from; i < from + count; i++) {
    backend.append(project, 'bot', `burst ${i}`)
    if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
  }
}

async function expectExactly(page: Page, texts: string[]) {
  const rows = await listed(page)
  expect(rows.map((row) => row.seq)).toEqual(texts.map((_, i) => String(i + 1)))
  expect(rows.map((row) => row.text)).toEqual(texts)
}

test('the leader tab closes in the middle of a 1,000-message burst: another tab leads within 2 s and every remaining tab ends with all messages once, in order', async ({
  context,
  stack,
  ids,
}) => {
  await withoutSharedWorker(context)
  const user = ids.user('mia')
  const project = ids.project('burst')
  for (let i = 1; i <= 20; i++) stack.backend().append(project, 'bot', `seed ${i}`)
  await login(context, stack, user)
  const pages = await openTabs(context, stack, project, 4)
  for (const page of pages) await expectCount(page, 20)
  const { page: leader, announcement } = await leaderPage(pages)
  const followers = pages.filter((page) => page !== leader)

  await appendBurst(stack.backend(), project, 1, 500)
  // Mid-stream: the followers have part of the burst, the leader is busy with the rest.
  for (const page of followers) {
    await expect
      .poll(async () => Number(await page.getByTestId('message-list').getAttribute('data-count')))
      .toBeGreaterThan(20 + 100)
  }
  await hearAnnouncements(at(followers, 0))
  const closedAt = Date.now()
  await leader.close()
  const next = await announcedAfter(at(followers, 0), announcement.epoch)
  const takeoverMs = next.at - closedAt
  await appendBurst(stack.backend(), project, 501, 500)

  const texts = [
    ...Array.from({ length: 20 }, (_, i) => `seed ${i + 1}`),
    ...Array.from({ length: 1000 }, (_, i) => `burst ${i + 1}`),
  ]
  for (const page of followers) await expectCount(page, texts.length, 40_000)
  for (const page of followers) await expectExactly(page, texts)
  expect(takeoverMs).toBeLessThan(2000)
  expect(next.tabId).not.toBe(announcement.tabId)
  await expect.poll(() => stack.backend().openStreams(user)).toBe(1)
  expect(await leaderLock(at(followers, 0))).toEqual({ held: 1, pending: 2 })
})

test('a wedged leader keeps its lock: a follower steals it within a few seconds, delivery goes on, and the old leader stands down when it wakes', async ({
  context,
  stack,
  ids,
}) => {
  await withoutSharedWorker(context)
  const user = ids.user('nia')
  const project = ids.project('wedge')
  await login(context, stack, user)
  const pages = await openTabs(context, stack, project, 3)
  await send(at(pages, 0), 'before the wedge')
  for (const page of pages) await expectCount(page, 1)
  const { page: leader, announcement } = await leaderPage(pages)
  const followers = pages.filter((page) => page !== leader)
  const { worker } = await leaderWorkerOf(leader)

  await hearAnnouncements(at(followers, 0))
  const wedgedAt = Date.now()
  // The leader's worker thread spins for 8 s: it still holds the lock but does nothing else.
  const wedge = worker.evaluate(() => {
    const until = Date.now() + 8000
    while (Date.now() < until) {
      // wedged
    }
  })
  const next = await announcedAfter(at(followers, 0), announcement.epoch)
  const stealMs = next.at - wedgedAt
  for (let i = 1; i <= 30; i++) stack.backend().append(project, 'bot', `during ${i}`)
  await send(at(followers, 1), 'sent after the steal')

  for (const page of pages) await expectCount(page, 32, 30_000)
  await wedge
  await send(leader, 'from the woken tab')
  for (const page of pages) await expectCount(page, 33, 30_000)

  expect(stealMs).toBeLessThan(6000)
  expect(next.tabId).not.toBe(announcement.tabId)
  const lists = await Promise.all(pages.map(listed))
  for (const list of lists) expect(list).toEqual(lists[0])
  expect(lists[0]?.map((m) => m.seq)).toEqual(Array.from({ length: 33 }, (_, i) => String(i + 1)))
  expect(lists[0]?.filter((m) => m.text === 'sent after the steal')).toHaveLength(1)
  // The woken worker stood down: its stream is gone and it waits in the queue again.
  await expect.poll(() => stack.backend().openStreams(user)).toBe(1)
  await expect.poll(() => leaderLock(leader)).toEqual({ held: 1, pending: 2 })
  expect(stack.backend().latestSeq(project)).toBe(33)
})

test('without Web Locks too, each tab runs its own hub in the page, and the hub panel says so', async ({
  context,
  stack,
  ids,
}) => {
  await withoutSharedWorker(context)
  await context.addInitScript(() => {
    delete (Navigator.prototype as { locks?: unknown }).locks
  })
  const user = ids.user('ivo')
  const project = ids.project('inpage')
  await login(context, stack, user)

  const pages = await openTabs(context, stack, project, 2)
  await send(at(pages, 0), 'one hub per tab')

  for (const page of pages) await expectCount(page, 1)
  await expect.poll(() => stack.backend().openStreams(user)).toBe(2)
  for (const page of pages) {
    await expect(page.getByTestId('hub-stats')).toContainText('In this page')
    await expect.poll(async () => (await hubStats(page)).tabs).toBe(1)
  }
})

test('?mode=leader-tab elects a leader tab even where SharedWorker exists', async ({
  context,
  stack,
  ids,
}) => {
  const user = ids.user('lia')
  const project = ids.project('forced')
  await login(context, stack, user)

  const pages = await openTabs(context, stack, project, 3, '&mode=leader-tab')
  await send(at(pages, 1), 'forced leader tab')

  for (const page of pages) await expectCount(page, 1)
  await expect.poll(() => stack.backend().openStreams(user)).toBe(1)
  await expect.poll(async () => (await hubStats(at(pages, 0))).tabs).toBe(3)
  await expect(at(pages, 2).getByTestId('hub-stats')).toContainText('Leader tab')
  expect(await at(pages, 0).evaluate(() => 'SharedWorker' in globalThis)).toBe(true)
  expect(await leaderLock(at(pages, 0))).toEqual({ held: 1, pending: 2 })
})
