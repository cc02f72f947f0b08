/**
 * Finding and ending the hub from a test, the way a browser ends it: the SharedWorker closing
 * itself, told through the DevTools protocol (Playwright has no API for shared workers), and the
 * leader tab's dedicated worker, found through the leader announcements, closing itself.
 */
import type { Browser, Page, Worker } from '@playwright/test'
import { announceChannelName, HUB_PROTOCOL_VERSION } from '../../src/protocol'
import { at, expect } from './fixtures'

/** The announce channel of the default hub config (the URL sets no tunables). */
const ANNOUNCE = announceChannelName(HUB_PROTOCOL_VERSION, {})

interface TargetInfo {
  targetId: string
  type: string
}

/** How many SharedWorkers the browser runs now. */
export async function sharedWorkerCount(browser: Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession()
  try {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] }
    return targetInfos.filter((target) => target.type === 'shared_worker').length
  } finally {
    await cdp.detach()
  }
}

/**
 * End the running SharedWorker by its own `close()`, evaluated in it through a DevTools session
 * attached to its target, as a worker that crashes or is ended by the browser goes: its thread
 * and Web Locks go at once, its tabs live on. The session detaches before the close runs (the
 * worker closes itself a moment after answering), so the worker the tabs start next is not held
 * for a debugger. Playwright's sessions are not flat, so the evaluation travels in
 * `Target.sendMessageToTarget`.
 */
export async function closeSharedWorker(browser: Browser): Promise<void> {
  const cdp = await browser.newBrowserCDPSession()
  try {
    const find = async () => {
      const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] }
      return targetInfos.find((target) => target.type === 'shared_worker')
    }
    await expect.poll(find, { timeout: 30_000 }).toBeDefined()
    const target = await find()
    if (!target) throw new Error('no SharedWorker target')
    const { sessionId } = (await cdp.send('Target.attachToTarget', {
      targetId: target.targetId,
      flatten: false,
    })) as { sessionId: string }
    const answered = new Promise<void>((resolve) => {
      cdp.on('Target.receivedMessageFromTarget', (event: { sessionId: string; message: string }) => {
        if (event.sessionId === sessionId && (JSON.parse(event.message) as { id?: number }).id === 1)
          resolve()
      })
    })
    const evaluate = { expression: 'setTimeout(() => self.close(), 250); true' }
    await cdp.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: evaluate }),
    })
    await answered
    await cdp.send('Target.detachFromTarget', { sessionId })
    await expect
      .poll(async () => (await find())?.targetId !== target.targetId, { timeout: 30_000 })
      .toBe(true)
  } finally {
    await cdp.detach()
  }
}

/** A leader announcement as a page heard it. */
export interface Announcement {
  epoch: number
  tabId: string
  /** When the page heard it (the page's clock is the test's: same machine). */
  at: number
}

/** Start recording the leader announcements `page` hears (test-side, in the page). */
export async function hearAnnouncements(page: Page): Promise<void> {
  await page.evaluate((name) => {
    const heard: Announcement[] = []
    Object.assign(globalThis, { __heardLeaders: heard })
    new BroadcastChannel(name).onmessage = (
      event: MessageEvent<{ type?: string; epoch?: number; tabId?: string }>,
    ) => {
      const { type, epoch, tabId } = event.data
      if (type === 'leader' && typeof epoch === 'number' && typeof tabId === 'string')
        heard.push({ epoch, tabId, at: Date.now() })
    }
  }, ANNOUNCE)
}

/** The first leader `page` heard announce itself with an epoch above `after` (needs `hearAnnouncements`). */
export async function announcedAfter(page: Page, after: number, timeout = 15_000): Promise<Announcement> {
  const read = () =>
    page.evaluate(
      (after) =>
        (globalThis as unknown as { __heardLeaders: Announcement[] }).__heardLeaders.find(
          (a) => a.epoch > after,
        ),
      after,
    )
  await expect.poll(read, { timeout }).toBeDefined()
  const found = await read()
  if (!found) throw new Error('no announcement')
  return found
}

/** The tab's own leader worker (the page's newest dedicated worker) and the tab id it is named after. */
export async function leaderWorkerOf(page: Page): Promise<{ worker: Worker; tabId: string }> {
  await expect.poll(() => page.workers().length, { timeout: 30_000 }).toBeGreaterThan(0)
  const worker = at(page.workers(), page.workers().length - 1)
  const name = await worker.evaluate(() => (self as unknown as { name: string }).name)
  // `leaderWorkerName`: the tab's id comes last.
  return { worker, tabId: name.split(' ').at(-1) ?? '' }
}

/** The page whose worker leads now. */
export async function leaderPage(pages: Page[]): Promise<{ page: Page; announcement: Announcement }> {
  await hearAnnouncements(at(pages, 0))
  const announcement = await announcedAfter(at(pages, 0), 0)
  for (const page of pages) {
    if ((await leaderWorkerOf(page)).tabId === announcement.tabId) return { page, announcement }
  }
  throw new Error(`no open page is the leader tab ${announcement.tabId}`)
}

/** Close `page`'s leader worker from inside (its global `close()`), as a crash would end it. */
export async function closeLeaderWorker(page: Page): Promise<void> {
  const { worker } = await leaderWorkerOf(page)
  await worker.evaluate(() => {
    setTimeout(() => close(), 0)
  })
}
