#!/usr/bin/env node
/**
 * Fan-out: the shared hub (the demo app, one SharedWorker) against the per-tab `EventSource`
 * baseline (bench/baseline), side by side in one run, for N tabs of one project in one browser
 * context per design. Each tab has a window of its own, so every tab is shown and renders (in
 * one window only the front tab gets animation frames; a last pair of runs measures that case,
 * one front tab and N − 1 background tabs). For each N and design:
 *
 * - upstream streams the backend holds for the user (`backend.openStreams(user)`);
 * - latency from publish (`Date.now()` right before `backend.append`, in the server process)
 *   to the message element existing in every tab (a MutationObserver in each page stamps
 *   `performance.timeOrigin + performance.now()`), at a steady rate and for a burst;
 * - CPU seconds of all Chromium processes (from /proc) and of the server process;
 * - memory per tab: Chromium's total PSS growth over the run / N, and each page's JS heap.
 *
 * Usage: node bench/fan-out.mjs [--quick]. Prints one JSON line.
 */

import {
  arrivalTimes,
  chromiumCpu,
  chromiumPssMiB,
  clockSkew,
  cpuBetween,
  highestSeen,
  jsHeapMiB,
  launchBrowser,
  openTabs,
  pagePath,
  seenTimes,
  signedInContext,
  waitUntil,
} from './support/browser.mjs'
import { ensureBuilt } from './support/build.mjs'
import { startStack } from './support/stack.mjs'
import { load1, percentile, ratio, round } from './support/stats.mjs'

const quick = process.argv.includes('--quick')
const TABS = quick ? [1, 5] : [1, 5, 10, 20]
const RATE = 20
const STEADY_SECONDS = quick ? 5 : 30
const BURST = quick ? 200 : 1000
const DESIGNS = ['ours', 'baseline']
/** The one-window case: one front tab, the others in the background. */
const BACKGROUND = { tabs: quick ? 3 : 5, steadySeconds: quick ? 5 : 10 }
const POSTER = 'poster'
const log = (text) => console.error(`[fan-out] ${text}`)

await ensureBuilt()
const loadStart = load1()
const stack = await startStack()
const browser = await launchBrowser()
const runId = Date.now().toString(36)

/** p50/p95/p99/max of the latency until a message exists in each of `tabs` (indexes into `perTab`). */
function latency(published, perTab, tabs) {
  const all = []
  let missing = 0
  published.forEach(({ publishedAt }, i) => {
    const times = tabs.map((tab) => perTab[tab][i])
    if (times.some((t) => t === null)) missing++
    else all.push(Math.max(...times) - publishedAt)
  })
  return {
    missingInSomeTab: missing,
    p50Ms: round(percentile(all, 50)),
    p95Ms: round(percentile(all, 95)),
    p99Ms: round(percentile(all, 99)),
    maxMs: round(percentile(all, 100)),
  }
}

/** Publish with `send`, wait until every live tab shows the last message, and measure. */
async function phase(live, send, { frontAndBackground = false } = {}) {
  const cpuBefore = chromiumCpu()
  const serverBefore = await stack.call('cpu')
  const loadBefore = load1()
  const published = await send()
  const last = published.at(-1).seq
  const allShown = await waitUntil(
    async () => (await Promise.all(live.map(highestSeen))).every((seq) => seq >= last),
    { timeoutMs: 60_000 },
  )
  const serverAfter = await stack.call('cpu')
  const browserCpuS = cpuBetween(cpuBefore, chromiumCpu())
  const serverCpuS = (serverAfter.user + serverAfter.system - serverBefore.user - serverBefore.system) / 1e6

  const seqs = published.map((p) => p.seq)
  const perTab = await Promise.all(live.map((page) => seenTimes(page, seqs)))
  const arrivals = await Promise.all(live.map((page) => arrivalTimes(page, seqs)))
  const tabs = live.map((_, i) => i)
  const hubToTab = arrivals.some((tab) => tab.some((t) => t !== null))
    ? latency(published, arrivals, tabs)
    : null
  const split = frontAndBackground
    ? {
        // The last tab opened is the window's front tab.
        frontTab: latency(published, perTab, tabs.slice(-1)),
        backgroundTabs: latency(published, perTab, tabs.slice(0, -1)),
      }
    : {}
  return {
    messages: published.length,
    allShown,
    ...latency(published, perTab, tabs),
    ...split,
    /** Ours only: publish → the hub's batch reached every tab (before rendering). */
    reachedTabs: hubToTab && { p50Ms: hubToTab.p50Ms, p95Ms: hubToTab.p95Ms, p99Ms: hubToTab.p99Ms },
    browserCpuS: round(browserCpuS, 2),
    serverCpuS: round(serverCpuS, 2),
    load1: [loadBefore, load1()],
  }
}

async function run(design, tabs, { windows = true, steadySeconds = STEADY_SECONDS, burst = BURST } = {}) {
  const name = `${windows ? 'fan' : 'bg'}_${design}_${tabs}_${runId}`
  const userId = name
  const projectId = name
  const context = await signedInContext(browser, stack.url, userId)
  const pssBefore = chromiumPssMiB()
  const opened = performance.now()
  const { pages, loaded, connected, live } = await openTabs(
    context,
    stack.url,
    pagePath(design, projectId),
    tabs,
    {
      loadTimeoutMs: design === 'ours' ? 30_000 : 4_000,
      windows,
    },
  )
  const openMs = performance.now() - opened
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const streams = await stack.call('openStreams', { userId })
  const hubConnections =
    design === 'ours' && live[0]
      ? Number(await live[0].getAttribute('[data-testid=hub-stats]', 'data-connections'))
      : null
  const where = windows ? 'windows' : 'tabs of one window'
  log(`${design} × ${tabs} (${where}): ${loaded} loaded, ${connected} connected, ${streams} upstream streams`)

  const steady = await phase(
    live,
    () => stack.call('steady', { projectId, userId: POSTER, count: RATE * steadySeconds, perSecond: RATE }),
    { frontAndBackground: !windows },
  )
  const bursted =
    burst > 0
      ? await phase(live, () => stack.call('burst', { projectId, userId: POSTER, count: burst }))
      : null
  const pssAfter = chromiumPssMiB()
  const heaps = await Promise.all(live.map(jsHeapMiB))
  const skews = await Promise.all(live.map(clockSkew))
  await context.close()
  await waitUntil(async () => (await stack.call('openStreams', { userId })) === 0, { timeoutMs: 15_000 })
  log(`${design} × ${tabs} (${where}): steady p99 ${steady.p99Ms} ms, burst p99 ${bursted?.p99Ms} ms`)
  return {
    design,
    tabs,
    placement: windows ? 'a window per tab' : 'tabs of one window',
    tabsLoaded: loaded,
    tabsConnected: connected,
    upstreamStreams: streams,
    hubConnections,
    openAllMs: Math.round(openMs),
    steady,
    burst: bursted,
    memory: {
      pssPerTabMiB: round((pssAfter - pssBefore) / Math.max(1, pages.length), 1),
      jsHeapPerLiveTabMiB: round(heaps.reduce((a, b) => a + b, 0) / Math.max(1, heaps.length), 1),
    },
    maxClockSkewMs: round(Math.max(0, ...skews.map(Math.abs)), 2),
  }
}

const runs = []
for (const [index, tabs] of TABS.entries()) {
  // Alternate which design goes first, so slow drift in machine load does not favour one.
  const order = index % 2 === 0 ? DESIGNS : [...DESIGNS].reverse()
  for (const design of order) runs.push(await run(design, tabs))
}
const background = []
for (const design of DESIGNS) {
  background.push(
    await run(design, BACKGROUND.tabs, { windows: false, steadySeconds: BACKGROUND.steadySeconds, burst: 0 }),
  )
}
await browser.close()
await stack.close()

const find = (design, tabs) => runs.find((r) => r.design === design && r.tabs === tabs)
const summary = TABS.flatMap((tabs) =>
  DESIGNS.map((design) => {
    const r = find(design, tabs)
    return {
      design,
      tabs,
      'live tabs': `${r.tabsConnected}/${tabs}`,
      streams: r.upstreamStreams,
      'steady p50/p95/p99 ms': `${r.steady.p50Ms} / ${r.steady.p95Ms} / ${r.steady.p99Ms}`,
      'burst p50/p99 ms': `${r.burst.p50Ms} / ${r.burst.p99Ms}`,
      'browser CPU s (steady+burst)': round(r.steady.browserCpuS + r.burst.browserCpuS, 2),
      'server CPU s': round(r.steady.serverCpuS + r.burst.serverCpuS, 2),
      'PSS MiB/tab': r.memory.pssPerTabMiB,
      'heap MiB/tab': r.memory.jsHeapPerLiveTabMiB,
    }
  }),
)
for (const r of background) {
  summary.push({
    design: r.design,
    tabs: `${r.tabs} in one window`,
    'live tabs': `${r.tabsConnected}/${r.tabs}`,
    streams: r.upstreamStreams,
    'steady p50/p95/p99 ms': `front ${r.steady.frontTab.p50Ms} / ${r.steady.frontTab.p95Ms} / ${r.steady.frontTab.p99Ms}; background ${r.steady.backgroundTabs.p50Ms} / ${r.steady.backgroundTabs.p95Ms} / ${r.steady.backgroundTabs.p99Ms}`,
    'burst p50/p99 ms': '',
    'browser CPU s (steady+burst)': r.steady.browserCpuS,
    'server CPU s': r.steady.serverCpuS,
    'PSS MiB/tab': r.memory.pssPerTabMiB,
    'heap MiB/tab': r.memory.jsHeapPerLiveTabMiB,
  })
}
const comparisons = TABS.map((tabs) => {
  const ours = find('ours', tabs)
  const base = find('baseline', tabs)
  return {
    tabs,
    streamsOursVsBaseline: `${ours.upstreamStreams} vs ${base.upstreamStreams}`,
    baselineLiveTabs: base.tabsConnected,
    steadyP99Ratio: ratio(ours.steady.p99Ms, base.steady.p99Ms),
    burstP99Ratio: ratio(ours.burst.p99Ms, base.burst.p99Ms),
    browserCpuRatio: ratio(
      ours.steady.browserCpuS + ours.burst.browserCpuS,
      base.steady.browserCpuS + base.burst.browserCpuS,
    ),
  }
})
console.log(
  JSON.stringify({
    benchmark: 'fan-out',
    quick,
    config: {
      tabs: TABS,
      ratePerSecond: RATE,
      steadySeconds: STEADY_SECONDS,
      burst: BURST,
      background: BACKGROUND,
    },
    load1: { start: loadStart, end: load1() },
    runs,
    background,
    comparisons,
    summary,
  }),
)
