#!/usr/bin/env node
/**
 * Cold open: a project with 10,000 messages cached in IndexedDB, opened in a new tab with no
 * other tab of the app open (so a new SharedWorker too), online and offline (servers stopped
 * and `context.setOffline(true)`: the app shell comes from the service worker). Measures the
 * time from navigation start to the first message element, and to the animation frame after
 * it (when it is painted). Beside it the floor: a bare page (bench/floor/paint.ts) that opens
 * the same database, reads the last 50 rows with one `getAll` and renders them; it is loaded
 * past the service worker (CDP `Network.setBypassServiceWorker`), which would otherwise answer
 * it with the app shell.
 *
 * Usage: node bench/cold-open.mjs [--quick]. Prints one JSON line.
 */

import {
  closeAllPages,
  highestSeen,
  launchBrowser,
  newPage,
  pagePath,
  signedInContext,
  storedRange,
  waitUntil,
} from './support/browser.mjs'
import { ensureBuilt } from './support/build.mjs'
import { goal, roundsArg, spreadText } from './support/goals.mjs'
import { startStack } from './support/stack.mjs'
import { load1, median, ratio, round } from './support/stats.mjs'

const quick = process.argv.includes('--quick')
const CACHED = quick ? 2_000 : 10_000
const ROUNDS = roundsArg(quick ? 2 : 5)
const POSTER = 'poster'
const log = (text) => console.error(`[cold-open] ${text}`)

await ensureBuilt()
const loadStart = load1()
const stack = await startStack()
const browser = await launchBrowser()
const name = `cold_${Date.now().toString(36)}`
const userId = name
const projectId = name
const database = `persistent-chat:${userId}`

// Fill the cache: an empty project opened once, then CACHED messages caught up by the hub.
const context = await signedInContext(browser, stack.url, userId)
const app = pagePath('ours', projectId)
const filler = await context.newPage()
await filler.goto(`${stack.url}${pagePath('ours', projectId, '&maxBackfill=20000')}`)
await filler.locator('[data-testid=connection-status][data-status=connected]').waitFor()
await closeAllPages(context, stack, userId)
await stack.call('burst', { projectId, userId: POSTER, count: CACHED })
const warm = await context.newPage()
await warm.goto(`${stack.url}${pagePath('ours', projectId, '&maxBackfill=20000')}`)
await waitUntil(async () => (await highestSeen(warm)) >= CACHED, { timeoutMs: 120_000 })
await waitUntil(async () => (await storedRange(warm, database, projectId))?.count === CACHED, {
  timeoutMs: 60_000,
})
const cached = await storedRange(warm, database, projectId)
// The offline runs need the service worker in control of the next navigation.
await warm.evaluate(() => navigator.serviceWorker.ready.then(() => true))
await closeAllPages(context, stack, userId)
log(`cached ${cached.count} messages (${cached.lowSeq}–${cached.highSeq})`)

/** Open `path` in a new window and read when its first message existed and was painted. */
async function open(path, { bypassServiceWorker = false } = {}) {
  const page = await newPage(context, { window: true })
  if (bypassServiceWorker) {
    const session = await context.newCDPSession(page)
    await session.send('Network.enable')
    await session.send('Network.setBypassServiceWorker', { bypass: true })
  }
  await page.goto(`${stack.url}${path}`)
  await waitUntil(() => page.evaluate(() => window.__bench.firstFrame !== undefined), { timeoutMs: 30_000 })
  const result = await page.evaluate(() => ({
    firstMessageMs: window.__bench.firstRow,
    firstPaintMs: window.__bench.firstFrame,
    rows: window.__bench.firstFrameRows,
    domContentLoadedMs: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd,
    lastSeq: Math.max(...window.__bench.seen.keys()),
  }))
  await closeAllPages(context, stack, userId)
  return {
    firstMessageMs: round(result.firstMessageMs),
    firstPaintMs: round(result.firstPaintMs),
    rows: result.rows,
    lastSeq: result.lastSeq,
  }
}

const runs = { floor: [], online: [], offline: [] }
const openFloor = () =>
  open(`/floor/paint.html?db=${encodeURIComponent(database)}&project=${projectId}`, {
    bypassServiceWorker: true,
  })
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which goes first, so a drift in the machine's load does not favour one.
  if (round % 2 === 0) {
    runs.floor.push(await openFloor())
    runs.online.push(await open(app))
  } else {
    runs.online.push(await open(app))
    runs.floor.push(await openFloor())
  }
  log(
    `round ${round + 1}: online ${runs.online.at(-1).firstPaintMs} ms, floor ${runs.floor.at(-1).firstPaintMs} ms`,
  )
}
await stack.call('stop')
await context.setOffline(true)
for (let round = 0; round < ROUNDS; round++) {
  runs.offline.push(await open(app))
  log(`round ${round + 1}: offline ${runs.offline.at(-1).firstPaintMs} ms`)
}
await context.setOffline(false)
await context.close()
await browser.close()
await stack.close()

const medians = Object.fromEntries(
  Object.entries(runs).map(([key, list]) => [
    key,
    {
      firstMessageMs: median(list.map((r) => r.firstMessageMs)),
      firstPaintMs: median(list.map((r) => r.firstPaintMs)),
    },
  ]),
)
const row = (variant, key) => ({
  variant,
  'first message ms, median (min–max)': spreadText(runs[key].map((r) => r.firstMessageMs)),
  'first paint ms, median (min–max)': spreadText(runs[key].map((r) => r.firstPaintMs)),
  'paint vs floor': ratio(medians[key].firstPaintMs, medians.floor.firstPaintMs),
  'rows at first paint': runs[key][0].rows,
  'latest shown': runs[key].every((r) => r.lastSeq === cached.highSeq),
})
const paintGoal = (name, key) =>
  goal(name, {
    value: ratio(medians[key].firstPaintMs, medians.floor.firstPaintMs),
    limit: 1.2,
    detail: `first paint median (min–max) ${spreadText(runs[key].map((r) => r.firstPaintMs))} ms vs floor ${spreadText(runs.floor.map((r) => r.firstPaintMs))} ms, ${ROUNDS} rounds${key === 'online' ? ' alternating with the floor' : ' after the online rounds (servers stopped)'}`,
  })
console.log(
  JSON.stringify({
    benchmark: 'cold-open',
    quick,
    config: { cached: cached.count, rounds: ROUNDS },
    load1: { start: loadStart, end: load1() },
    runs,
    medians,
    goals: [
      paintGoal(`cold paint from ${CACHED.toLocaleString('en-US')} cached, online`, 'online'),
      paintGoal(
        `cold paint from ${CACHED.toLocaleString('en-US')} cached, offline (service worker shell)`,
        'offline',
      ),
    ],
    summary: [
      row('floor: bare page, last 50 from IndexedDB', 'floor'),
      row('ours online', 'online'),
      row('ours offline (service worker shell)', 'offline'),
    ],
  }),
)
