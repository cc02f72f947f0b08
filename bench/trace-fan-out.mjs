#!/usr/bin/env node
/**
 * A diagnostic, not a benchmark: where a live message's time goes between the hub and the
 * tabs. Opens N windows of one design (as fan-out.mjs does), records a Chromium trace of every
 * process while messages arrive at 20 a second, and prints per renderer main thread and worker
 * thread how busy it was (support/trace.mjs), plus publish → the batch reached every tab →
 * the row existed in every tab. The raw trace goes to `.tmp/trace-fan-out-<design>-<tabs>.json`.
 * Tracing slows Chromium down: compare the threads, not these latencies with fan-out.mjs's.
 *
 * With `--no-trace` it only measures (also "the batch reached a tab → its row existed in that tab",
 * per message and tab: the tab's own share, which no network or hub timing enters).
 *
 * Usage: node bench/trace-fan-out.mjs [--design=ours|baseline] [--tabs=10] [--h1] [--seconds=8] [--no-trace]
 */
import {
  arrivalTimes,
  highestSeen,
  launchBrowser,
  openTabs,
  pagePath,
  seenTimes,
  signedInContext,
  waitUntil,
} from './support/browser.mjs'
import { ensureBuilt } from './support/build.mjs'
import { startStack } from './support/stack.mjs'
import { load1, percentile, round } from './support/stats.mjs'
import { saveTrace, startTrace, threadTable } from './support/trace.mjs'

const arg = (name, fallback) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const design = arg('design', 'ours')
const tabs = Number(arg('tabs', '10'))
const seconds = Number(arg('seconds', '8'))
const log = (text) => console.error(`[trace] ${text}`)

await ensureBuilt()
const stack = await startStack({ tls: !process.argv.includes('--h1') })
const browser = await launchBrowser()
const userId = `trace_${design}_${Date.now().toString(36)}`
const projectId = `${userId}_p`
const context = await signedInContext(browser, stack.url, userId)
const { live } = await openTabs(context, stack.url, pagePath(design, projectId), tabs, {
  loadTimeoutMs: 30_000,
  windows: true,
})
log(`${live.length} of ${tabs} tabs live, load ${load1()}`)
await new Promise((resolve) => setTimeout(resolve, 1000))

const tracing = !process.argv.includes('--no-trace')
const endTrace = tracing ? await startTrace(browser) : async () => []
const started = performance.now()
const published = await stack.call('steady', {
  projectId,
  userId: 'poster',
  count: 20 * seconds,
  perSecond: 20,
})
const last = published.at(-1).seq
await waitUntil(async () => (await Promise.all(live.map(highestSeen))).every((s) => s >= last))
const events = await endTrace()
const spanMs = performance.now() - started

const seqs = published.map((p) => p.seq)
const reached = await Promise.all(live.map((page) => arrivalTimes(page, seqs)))
const seen = await Promise.all(live.map((page) => seenTimes(page, seqs)))
await context.close()
await browser.close()
await stack.close()

const everyTab = (perTab) =>
  published
    .map((p, i) => Math.max(...perTab.map((tab) => tab[i] ?? Number.NaN)) - p.publishedAt)
    .filter(Number.isFinite)
const text = (values) => `p50 ${round(percentile(values, 50))} / p99 ${round(percentile(values, 99))} ms`
if (tracing) console.table(threadTable(events, spanMs))
const inTab = reached.flatMap((tab, t) =>
  tab.flatMap((at, i) => (at === null || seen[t]?.[i] == null ? [] : [seen[t][i] - at])),
)
log(`publish → reached every tab: ${text(everyTab(reached))}`)
log(`publish → row in every tab:  ${text(everyTab(seen))}`)
log(`reached a tab → row in that tab: ${text(inTab)}`)
log(`load ${load1()}${tracing ? `; trace in ${saveTrace(events, `trace-fan-out-${design}-${tabs}`)}` : ''}`)
