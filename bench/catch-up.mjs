#!/usr/bin/env node
/**
 * Catch-up: tabs reopened after a gap of missed messages (10,000; the URL's `?maxBackfill=20000`
 * lets the hub page them all instead of starting a new window). Measures, from the moment the
 * tabs are opened, the time until every tab shows the latest message and IndexedDB holds the
 * complete range (the `projects` record's lowSeq..highSeq, every message in it). Beside it:
 *
 * - the floor: a bare page (bench/floor/catch-up.ts) that pages the same rows from the history
 *   API, 200 at a time, and writes each page to IndexedDB in one transaction;
 * - the baseline after the same gap: what it shows once its stream has replayed.
 *
 * Usage: node bench/catch-up.mjs [--quick]. Prints one JSON line.
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
import { load1, median, ratio } from './support/stats.mjs'

const quick = process.argv.includes('--quick')
const GAP = quick ? 2_000 : 10_000
/** Messages the tabs had seen before they were closed. */
const SEEN = 100
const TABS = quick ? [1, 2] : [1, 5]
const ROUNDS = roundsArg(quick ? 1 : 3)
const QUERY = '&maxBackfill=20000'
const POSTER = 'poster'
const log = (text) => console.error(`[catch-up] ${text}`)

await ensureBuilt()
const loadStart = load1()
const stack = await startStack()
const browser = await launchBrowser()
const runId = Date.now().toString(36)
let serial = 0
const names = (kind) => {
  const name = `cu_${kind}_${runId}_${serial++}`
  return { userId: name, projectId: name }
}
const latestAfterGap = async (projectId) => {
  await stack.call('burst', { projectId, userId: POSTER, count: GAP })
  return stack.call('latestSeq', { projectId })
}

/** Open `count` pages (each in its own window) on about:blank, ready to navigate together. */
async function blankPages(context, count) {
  const pages = []
  for (let i = 0; i < count; i++) pages.push(await newPage(context, { window: true }))
  return pages
}

/** Ours: tabs that had seen SEEN messages come back after GAP more. */
async function ours(tabs) {
  const { userId, projectId } = names(`ours${tabs}`)
  await stack.call('burst', { projectId, userId: POSTER, count: SEEN })
  const context = await signedInContext(browser, stack.url, userId)
  const first = await context.newPage()
  await first.goto(`${stack.url}${pagePath('ours', projectId, QUERY)}`)
  await waitUntil(async () => (await highestSeen(first)) >= SEEN)
  await closeAllPages(context, stack, userId)
  const latest = await latestAfterGap(projectId)

  const pages = await blankPages(context, tabs)
  const started = Date.now()
  await Promise.all(pages.map((page) => page.goto(`${stack.url}${pagePath('ours', projectId, QUERY)}`)))
  const shown = await waitUntil(
    async () => (await Promise.all(pages.map(highestSeen))).every((seq) => seq >= latest),
    {
      timeoutMs: 180_000,
      everyMs: 100,
    },
  )
  const shownAt = Math.max(
    ...(await Promise.all(pages.map((page) => page.evaluate((seq) => window.__bench.seen.get(seq), latest)))),
  )
  // The hub commits each batch before it sends it, so the range is usually complete by now.
  const database = `persistent-chat:${userId}`
  let completeAt = Date.now()
  let stored = await storedRange(pages[0], database, projectId)
  const complete = (range) =>
    range &&
    range.lowSeq <= SEEN &&
    range.highSeq === latest &&
    range.count === range.highSeq - range.lowSeq + 1
  const completeAtFirstLook = Boolean(complete(stored))
  if (!completeAtFirstLook) {
    await waitUntil(
      async () => {
        stored = await storedRange(pages[0], database, projectId)
        return complete(stored)
      },
      { timeoutMs: 60_000, everyMs: 100 },
    )
    completeAt = Date.now()
  }
  const finished = completeAtFirstLook ? shownAt : Math.max(shownAt, completeAt)
  const lastSeq = Number(await pages[0].getAttribute('[data-testid=message-list]', 'data-last-seq'))
  await context.close()
  return {
    tabs,
    ms: Math.round(finished - started),
    allTabsShowLatest: shown,
    lastSeq,
    latest,
    stored,
    completeAtFirstLook,
  }
}

/** The floor: page the same GAP rows into IndexedDB from a bare page. */
async function floor() {
  const { userId, projectId } = names('floor')
  await stack.call('burst', { projectId, userId: POSTER, count: SEEN })
  const latest = await latestAfterGap(projectId)
  const context = await signedInContext(browser, stack.url, userId)
  const page = await context.newPage()
  const started = Date.now()
  await page.goto(`${stack.url}/floor/catch-up.html?project=${projectId}&after=${SEEN}&to=${latest}&db=floor`)
  const result = await page.evaluate(() => window.__floor)
  const stored = await storedRange(page, 'floor', projectId)
  await context.close()
  return { ms: Math.round(result.done - started), pages: result.pages, stored }
}

/** The baseline after the same gap: what a reopened tab shows once its stream has replayed. */
async function baseline() {
  const { userId, projectId } = names('baseline')
  await stack.call('burst', { projectId, userId: POSTER, count: SEEN })
  const context = await signedInContext(browser, stack.url, userId)
  const first = await context.newPage()
  await first.goto(`${stack.url}${pagePath('baseline', projectId)}`)
  await waitUntil(async () => (await highestSeen(first)) >= SEEN)
  await closeAllPages(context, stack, userId)
  const latest = await latestAfterGap(projectId)

  const page = await context.newPage()
  const started = Date.now()
  await page.goto(`${stack.url}${pagePath('baseline', projectId)}`)
  const list = page.locator('[data-testid=message-list]')
  await waitUntil(async () => (await list.getAttribute('data-replayed-to')) !== null, { timeoutMs: 30_000 })
  const replayedMs = Date.now() - started
  // Give it time to show anything more it would ever show.
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const shows = {
    count: Number(await list.getAttribute('data-count')),
    firstSeq: Number(await list.getAttribute('data-first-seq')),
    lastSeq: Number(await list.getAttribute('data-last-seq')),
    totalAvailable: Number(await list.getAttribute('data-total-available')),
  }
  await context.close()
  return { replayedMs, latest, shows, missing: latest - shows.lastSeq, persisted: 0 }
}

const runs = { floor: [], baseline: [], ...Object.fromEntries(TABS.map((tabs) => [`ours${tabs}`, []])) }
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order each round, so a drift in the machine's load does not favour one.
  const variants = [
    () => floor().then((r) => runs.floor.push(r)),
    ...TABS.map((tabs) => () => ours(tabs).then((r) => runs[`ours${tabs}`].push(r))),
  ]
  for (const run of round % 2 === 0 ? variants : variants.reverse()) await run()
  log(
    `round ${round + 1}: ${TABS.map((tabs) => `ours × ${tabs} tabs ${runs[`ours${tabs}`].at(-1).ms} ms`).join(', ')}, floor ${runs.floor.at(-1).ms} ms`,
  )
}
runs.baseline.push(await baseline())
await browser.close()
await stack.close()

const floorMs = median(runs.floor.map((r) => r.ms))
const summary = [
  {
    variant: 'floor: bare page → IndexedDB',
    tabs: 1,
    'median ms': floorMs,
    'min–max ms': spreadText(runs.floor.map((r) => r.ms)),
    'vs floor': 1,
    'shows latest': '—',
    'IndexedDB complete': runs.floor.every((r) => r.stored?.count === GAP),
  },
  ...TABS.map((tabs) => {
    const list = runs[`ours${tabs}`]
    const ms = median(list.map((r) => r.ms))
    return {
      variant: 'ours: hub pages the gap',
      tabs,
      'median ms': ms,
      'min–max ms': spreadText(list.map((r) => r.ms)),
      'vs floor': ratio(ms, floorMs),
      'shows latest': list.every((r) => r.allTabsShowLatest),
      'IndexedDB complete': list.every(
        (r) =>
          r.stored &&
          r.stored.count === r.stored.highSeq - r.stored.lowSeq + 1 &&
          r.stored.highSeq === r.latest,
      ),
    }
  }),
  {
    variant: `baseline: shows seq ${runs.baseline[0].shows.firstSeq}–${runs.baseline[0].shows.lastSeq} of ${runs.baseline[0].latest}`,
    tabs: 1,
    'median ms': runs.baseline[0].replayedMs,
    'min–max ms': '',
    'vs floor': null,
    'shows latest': false,
    'IndexedDB complete': false,
  },
]
console.log(
  JSON.stringify({
    benchmark: 'catch-up',
    quick,
    config: { gap: GAP, seenBefore: SEEN, tabs: TABS, rounds: ROUNDS },
    load1: { start: loadStart, end: load1() },
    runs,
    goals: TABS.map((tabs) => {
      const list = runs[`ours${tabs}`]
      const complete = list.every((r) => r.allTabsShowLatest && r.stored?.highSeq === r.latest)
      return goal(`catch-up of ${GAP.toLocaleString('en-US')} missed, ${tabs} tab${tabs === 1 ? '' : 's'}`, {
        value: complete ? ratio(median(list.map((r) => r.ms)), floorMs) : null,
        limit: tabs === 1 ? 1.2 : 1.5,
        detail: `ours ${spreadText(list.map((r) => r.ms))} ms vs floor ${spreadText(runs.floor.map((r) => r.ms))} ms, median (min–max) of ${ROUNDS} rounds${complete ? '' : '; not every round showed the latest and stored the range'}`,
      })
    }),
    summary,
  }),
)
