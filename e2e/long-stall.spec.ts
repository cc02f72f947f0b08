/**
 * Bug 2 in the browser: the stream between the proxy and the backend goes silent for longer
 * than the hub's stall watchdog (every reconnect stalls too) while messages keep arriving at the
 * backend, and one tab reloads during the stall. Once the network heals, every tab — the
 * reloaded one included — shows ONE contiguous seq range ending at the latest message. Past
 * `maxBackfill` that range is a new window, the same in every tab, and "Load older" reaches the
 * whole log without a hole; within it, every tab holds the whole log.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from '@playwright/test'
import { type RunningBackend, startBackend } from '../src/server/backend'
import { type RunningServer, startServer } from '../src/server/start-server'
import { readBackendLog } from '../test/helpers/backend-client'
import { type FaultRelay, startFaultRelay } from '../test/helpers/fault-relay'
import { at, expect, expectHubMode, listed, test } from './support/fixtures'

const SECRET = 'long-stall-secret'

interface Rig {
  backend: RunningBackend
  relay: FaultRelay
  app: RunningServer
  /** While true, no byte of any stream reaches the proxy (the connections stay open). */
  stall(on: boolean): void
  close(): Promise<void>
}

async function rig(): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-stall-'))
  const backend = await startBackend({
    port: 0,
    dbPath: join(dir, 'backend.sqlite'),
    secret: SECRET,
    heartbeatMs: 1000,
  })
  const relay = await startFaultRelay(backend.url)
  const app = await startServer({
    port: 0,
    backendUrl: relay.url,
    secret: SECRET,
    sessionSecret: 'long-stall-session-secret-0123456789',
    heartbeatMs: 1000,
    appDir: 'dist/app',
    log: () => {},
  })
  return {
    backend,
    relay,
    app,
    stall: (on) => relay.hold(on),
    async close() {
      await app.close()
      await relay.close()
      await backend.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The list's range as its DESIGN.md §5 attributes say, checked to be one contiguous run. */
async function range(page: Page): Promise<{ first: number; last: number }> {
  const list = page.getByTestId('message-list')
  const first = Number(await list.getAttribute('data-first-seq'))
  const last = Number(await list.getAttribute('data-last-seq'))
  const seqs = (await listed(page)).filter((m) => m.seq !== '').map((m) => Number(m.seq))
  expect(seqs, 'one contiguous ascending range').toEqual(
    Array.from({ length: last - first + 1 }, (_, i) => first + i),
  )
  return { first, last }
}

async function scenario(
  context: BrowserContext,
  r: Rig,
  project: string,
  query: string,
  sharedWorker: boolean,
) {
  const origin = r.app.url
  const response = await context.request.post(`${origin}/api/dev/login`, {
    data: { userId: 'stall_user' },
    headers: { origin },
  })
  expect(response.status()).toBe(200)
  const tabs: Page[] = []
  for (let i = 0; i < 3; i++) {
    const page = await context.newPage()
    await page.goto(`${origin}/?project=${project}${query}`)
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected')
    tabs.push(page)
  }
  await expectHubMode(at(tabs, 0), sharedWorker)
  for (let i = 1; i <= 50; i++) r.backend.append(project, 'stall_peer', `before ${i}`)
  for (const page of tabs)
    await expect(page.getByTestId('message-list')).toHaveAttribute('data-last-seq', '50')

  r.stall(true)
  for (let i = 1; i <= 250; i++) r.backend.append(project, 'stall_peer', `during ${i} — ünïcode 😀`)
  // The badge must not say `connected` while nothing arrives.
  for (const page of tabs)
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'reconnecting', {
      timeout: 15_000,
    })
  const reloaded = at(tabs, 0)
  await reloaded.reload()
  await expect(reloaded.getByTestId('connection-status')).not.toHaveAttribute('data-status', 'connected')
  for (let i = 1; i <= 250; i++) r.backend.append(project, 'stall_peer', `still ${i}`)
  await reloaded.reload()
  r.stall(false)

  const latest = String(r.backend.latestSeq(project))
  for (const page of tabs) {
    await expect(page.getByTestId('message-list')).toHaveAttribute('data-last-seq', latest, {
      timeout: 60_000,
    })
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected')
  }
  const ranges = []
  for (const page of tabs) ranges.push(await range(page))
  return { tabs, reloaded, ranges, latest: Number(latest) }
}

/**
 * Scroll back to seq 1 (the list also loads older rows by itself when its top is in view); after
 * every step the list is still one contiguous range up to the latest message.
 */
async function scrollBackToTheStart(page: Page, latest: number) {
  const older = page.getByRole('button', { name: 'Load older messages' })
  const list = page.getByTestId('message-list')
  for (let first = (await range(page)).first; first > 1; ) {
    // The button goes away when the list loads older rows by itself first: then no click is needed.
    if (await older.isVisible()) await older.click({ timeout: 2_000 }).catch(() => {})
    await expect.poll(async () => Number(await list.getAttribute('data-first-seq'))).toBeLessThan(first)
    const now = await range(page)
    expect(now.last).toBe(latest)
    first = now.first
  }
}

const withRig = async <T>(use: (r: Rig) => Promise<T>): Promise<T> => {
  const r = await rig()
  try {
    return await use(r)
  } finally {
    await r.close()
  }
}

test('a stall longer than the watchdog, past maxBackfill, while a tab reloads: a new window in every tab alike, and "Load older" reaches the whole log without a hole', async ({
  context,
  sharedWorker,
}) => {
  test.setTimeout(180_000)
  await withRig(async (r) => {
    const project = 'stall_window'
    const { reloaded, ranges, latest } = await scenario(context, r, project, '&maxBackfill=300', sharedWorker)
    // 500 missed > 300: a new window at the newest page, the same in every tab.
    expect(new Set(ranges.map((x) => x.first)).size).toBe(1)
    expect(at(ranges, 0).first).toBeGreaterThan(51)

    await scrollBackToTheStart(reloaded, latest)
    const log = await readBackendLog(r.backend.url, { secret: SECRET, project, userId: 'stall_user' })
    expect((await listed(reloaded)).map((m) => m.text)).toEqual(log.map((m) => m.content.text))
  })
})

test('a stall longer than the watchdog, within maxBackfill, while a tab reloads: it is backfilled, and every tab — the reloaded one too — holds the whole log', async ({
  context,
  sharedWorker,
}) => {
  test.setTimeout(180_000)
  await withRig(async (r) => {
    const project = 'stall_backfill'
    const { tabs, reloaded, ranges, latest } = await scenario(context, r, project, '', sharedWorker)
    const log = await readBackendLog(r.backend.url, { secret: SECRET, project, userId: 'stall_user' })
    for (const [i, page] of tabs.entries()) {
      // The tabs that stayed received every message; the reloaded one starts from the newest
      // window it was given (500) and reaches the rest by scrolling back.
      if (page === reloaded) await scrollBackToTheStart(page, latest)
      else expect(at(ranges, i).first).toBe(1)
      expect((await listed(page)).map((m) => m.text)).toEqual(log.map((m) => m.content.text))
    }
  })
})
