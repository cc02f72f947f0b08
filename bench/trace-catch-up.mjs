#!/usr/bin/env node
/**
 * A diagnostic, not a benchmark: where the time of catch-up.mjs's "ours" run goes. Tabs that
 * saw 100 messages come back (each in a window of its own) after `--gap` more; a Chromium
 * trace of every process runs from opening them until every tab shows the latest, and the
 * threads' figures are printed (support/trace.mjs). The raw trace goes to
 * `.tmp/trace-catch-up-<tabs>.json`. Tracing slows Chromium down: compare threads, not times.
 *
 * Usage: node bench/trace-catch-up.mjs [--tabs=5] [--gap=10000]
 */
import {
  closeAllPages,
  highestSeen,
  launchBrowser,
  newPage,
  pagePath,
  signedInContext,
  waitUntil,
} from './support/browser.mjs'
import { ensureBuilt } from './support/build.mjs'
import { startStack } from './support/stack.mjs'
import { load1 } from './support/stats.mjs'
import { saveTrace, startTrace, threadTable } from './support/trace.mjs'

const arg = (name, fallback) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const tabs = Number(arg('tabs', '5'))
const gap = Number(arg('gap', '10000'))
const SEEN = 100
const path = (projectId) => pagePath('ours', projectId, '&maxBackfill=20000')
const log = (text) => console.error(`[trace] ${text}`)

await ensureBuilt()
const stack = await startStack()
const browser = await launchBrowser()
const userId = `trace_cu_${Date.now().toString(36)}`
const projectId = userId
await stack.call('burst', { projectId, userId: 'poster', count: SEEN })
const context = await signedInContext(browser, stack.url, userId)
const first = await context.newPage()
await first.goto(`${stack.url}${path(projectId)}`)
await waitUntil(async () => (await highestSeen(first)) >= SEEN)
await closeAllPages(context, stack, userId)
await stack.call('burst', { projectId, userId: 'poster', count: gap })
const latest = await stack.call('latestSeq', { projectId })

const pages = []
for (let i = 0; i < tabs; i++) pages.push(await newPage(context, { window: true }))
log(`load ${load1()}`)
const endTrace = await startTrace(browser)
const started = performance.now()
await Promise.all(pages.map((page) => page.goto(`${stack.url}${path(projectId)}`)))
await waitUntil(async () => (await Promise.all(pages.map(highestSeen))).every((seq) => seq >= latest), {
  timeoutMs: 180_000,
  everyMs: 100,
})
const spanMs = performance.now() - started
const events = await endTrace()
await context.close()
await browser.close()
await stack.close()

console.table(threadTable(events, spanMs))
log(`${tabs} tabs showed the latest of ${gap} missed after ${Math.round(spanMs)} ms (traced)`)
log(`load ${load1()}; trace in ${saveTrace(events, `trace-catch-up-${tabs}`)}`)
