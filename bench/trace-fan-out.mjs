#!/usr/bin/env node
/**
 * A diagnostic, not a benchmark: where a live message's time goes between the hub and the
 * tabs. Opens N windows of one design (as fan-out.mjs does), records a Chromium trace of every
 * process (the SharedWorker's thread and each tab's main thread) while messages arrive at
 * 20 a second, and prints, per thread kind, how busy the thread was and how long its tasks
 * waited for a CPU (a task's wall time minus its thread time), plus the latencies
 * publish → the batch reached each tab → the row existed. Writes the raw trace to
 * `.tmp/trace-fan-out-<design>-<tabs>.json` for chrome://tracing or Perfetto.
 *
 * Usage: node bench/trace-fan-out.mjs [--design=ours|baseline] [--tabs=10] [--h1] [--seconds=8]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
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
import { ensureBuilt, root } from './support/build.mjs'
import { startStack } from './support/stack.mjs'
import { load1, percentile, round } from './support/stats.mjs'

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found ? found.slice(name.length + 3) : fallback
}
const design = arg('design', 'ours')
const tabs = Number(arg('tabs', '10'))
const seconds = Number(arg('seconds', '8'))
const tls = !process.argv.includes('--h1')
const log = (text) => console.error(`[trace] ${text}`)

await ensureBuilt()
const stack = await startStack({ tls })
const browser = await launchBrowser()
const userId = `trace_${design}_${Date.now().toString(36)}`
const projectId = `${userId}_p`
const context = await signedInContext(browser, stack.url, userId)
const opening = await openTabs(context, stack.url, pagePath(design, projectId), tabs, {
  loadTimeoutMs: 30_000,
  windows: true,
})
log(`${opening.live.length} of ${tabs} tabs live, load ${load1()}`)
await new Promise((resolve) => setTimeout(resolve, 1000))

const cdp = await browser.newBrowserCDPSession()
const events = []
cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value))
const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve))
await cdp.send('Tracing.start', {
  traceConfig: {
    includedCategories: [
      'toplevel',
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'v8.execute',
      'blink.user_timing',
      'sequence_manager',
      'disabled-by-default-sequence_manager',
      'fonts',
      'mojom',
      'ipc',
      '__metadata',
    ],
  },
  transferMode: 'ReportEvents',
})
const published = await stack.call('steady', {
  projectId,
  userId: 'poster',
  count: 20 * seconds,
  perSecond: 20,
})
const last = published.at(-1).seq
await waitUntil(async () => (await Promise.all(opening.live.map(highestSeen))).every((s) => s >= last))
await cdp.send('Tracing.end')
await done
const loadEnd = load1()

const seqs = published.map((p) => p.seq)
const reached = await Promise.all(opening.live.map((page) => arrivalTimes(page, seqs)))
const seen = await Promise.all(opening.live.map((page) => seenTimes(page, seqs)))
const worst = (perTab) =>
  published.map((p, i) => Math.max(...perTab.map((tab) => tab[i] ?? Number.NaN)) - p.publishedAt)
const stats = (values) => {
  const ok = values.filter((v) => Number.isFinite(v))
  return `p50 ${round(percentile(ok, 50))} / p99 ${round(percentile(ok, 99))} ms`
}
await context.close()
await browser.close()
await stack.close()

mkdirSync(`${root}.tmp`, { recursive: true })
const file = `${root}.tmp/trace-fan-out-${design}-${tabs}.json`
writeFileSync(file, JSON.stringify({ traceEvents: events }))

// Name every thread, then sum each thread's top-level tasks.
const names = new Map()
for (const e of events)
  if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name)
const threads = new Map()
const TOP = new Set(['ThreadControllerImpl::RunTask', 'RunTask'])
for (const e of events) {
  if (e.ph !== 'X' || !TOP.has(e.name)) continue
  const key = `${e.pid}:${e.tid}`
  const t = threads.get(key) ?? { name: names.get(key) ?? '?', tasks: 0, wallMs: 0, cpuMs: 0, waits: [] }
  t.tasks++
  t.wallMs += e.dur / 1000
  t.cpuMs += (e.tdur ?? e.dur) / 1000
  t.waits.push((e.dur - (e.tdur ?? e.dur)) / 1000)
  threads.set(key, t)
}
const spanMs = seconds * 1000
const rows = [...threads.values()]
  .filter((t) => /CrRendererMain|Worker/i.test(t.name))
  .map((t) => ({
    thread: t.name,
    tasks: t.tasks,
    'busy (wall) %': round((100 * t.wallMs) / spanMs, 1),
    'cpu %': round((100 * t.cpuMs) / spanMs, 1),
    'descheduled ms, p50/p99/max per task': `${round(percentile(t.waits, 50), 2)} / ${round(percentile(t.waits, 99), 2)} / ${round(Math.max(...t.waits), 2)}`,
  }))
console.table(rows)
log(`publish → reached every tab: ${stats(worst(reached))}`)
log(`publish → row in every tab:  ${stats(worst(seen))}`)
log(`load ${loadEnd}; trace in ${file}`)
