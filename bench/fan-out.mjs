#!/usr/bin/env node
/**
 * Fan-out: the shared hub (the demo app, one SharedWorker) against the per-tab `EventSource`
 * baseline (bench/baseline), for N tabs of one project, one browser context per run. The two
 * designs run back to back in every round, in alternating order, over ≥ 3 rounds; each figure
 * is reported as the median of the rounds with their min–max, and each ratio as the median of
 * the rounds' ours ÷ baseline.
 *
 * Runs:
 * - HTTP/1.1, a window per tab (each tab shown, so every tab renders), 1 / 5 / 10 / 20 tabs.
 *   From the 7th tab on the baseline holds all six connections Chromium gives an origin, so
 *   its further tabs never load;
 * - HTTP/2 over TLS (a self-signed certificate, stack.mjs), a window per tab, 10 and 20 tabs:
 *   one connection carries every tab, so the baseline keeps as many tabs live as the backend
 *   allows (10 streams per user; its 11th gets 429s);
 * - HTTP/1.1, tabs of one window (one front tab, the others in the background), 5 tabs;
 * - HTTP/2, 5 projects × 2 tabs, 20 messages a second in all, taking turns (whatever the hub
 *   does for many projects at once).
 *
 * For each run: upstream streams the backend holds for the user; latency from publish
 * (`Date.now()` right before `backend.append`, in the server process) to the message element
 * existing in every live tab of its project (a MutationObserver in each page stamps
 * `performance.timeOrigin + performance.now()`), at a steady rate and for a burst; CPU seconds
 * of all Chromium processes (from /proc) and of the server process; memory per tab. Ratios are
 * compared only where both designs kept the same number of tabs live; the goals (issue 14) say
 * which.
 *
 * Usage: node bench/fan-out.mjs [--quick] [--rounds=N]. Prints one JSON line.
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
import { goal, roundsArg, spread, spreadText } from './support/goals.mjs'
import { startStack } from './support/stack.mjs'
import { load1, percentile, round } from './support/stats.mjs'

const quick = process.argv.includes('--quick')
const ROUNDS = roundsArg(quick ? 1 : 3)
const RATE = 20
const STEADY_SECONDS = quick ? 5 : 20
const BURST = quick ? 200 : 1000
const DESIGNS = ['ours', 'baseline']
/** Every configuration, in the order they run (each for every design, every round). */
const CONFIGS = [
  ...(quick ? [1, 3] : [1, 5, 10, 20]).map((tabs) => ({ kind: 'windows', protocol: 'http/1.1', tabs })),
  ...(quick ? [3] : [10, 20]).map((tabs) => ({ kind: 'windows', protocol: 'h2', tabs })),
  { kind: 'one window', protocol: 'http/1.1', tabs: quick ? 3 : 5, steadySeconds: quick ? 5 : 10, burst: 0 },
  { kind: 'projects', protocol: 'h2', projects: quick ? 2 : 5, tabsPerProject: 2 },
]
const POSTER = 'poster'
const log = (text) => console.error(`[fan-out] ${text}`)

await ensureBuilt()
const loadStart = load1()
const stacks = { 'http/1.1': await startStack(), h2: await startStack({ tls: true }) }
const browser = await launchBrowser()
const runId = Date.now().toString(36)
let serial = 0

/** p50/p95/p99/max of the latency until a message exists in every tab `tabsOf(message)` names. */
function latency(published, perTab, tabsOf) {
  const all = []
  let missing = 0
  published.forEach((message, i) => {
    const times = tabsOf(message).map((tab) => perTab[tab][i])
    if (times.length === 0) return
    if (times.some((t) => t === null)) missing++
    else all.push(Math.max(...times) - message.publishedAt)
  })
  return {
    missingInSomeTab: missing,
    p50Ms: round(percentile(all, 50)),
    p95Ms: round(percentile(all, 95)),
    p99Ms: round(percentile(all, 99)),
    maxMs: round(percentile(all, 100)),
  }
}

/**
 * Publish with `send`, wait until every live tab shows the last message of its project, and
 * measure. `projectOfTab[i]` is the project live tab `i` shows.
 */
async function phase(stack, live, projectOfTab, send, { frontAndBackground = false } = {}) {
  const cpuBefore = chromiumCpu()
  const serverBefore = await stack.call('cpu')
  const loadBefore = load1()
  const published = await send()
  const lastOf = new Map(published.map((p) => [p.projectId, p.seq]))
  const allShown = await waitUntil(
    async () =>
      (await Promise.all(live.map(highestSeen))).every(
        (seq, tab) => seq >= (lastOf.get(projectOfTab[tab]) ?? 0),
      ),
    { timeoutMs: 60_000 },
  )
  const serverAfter = await stack.call('cpu')
  const browserCpuS = cpuBetween(cpuBefore, chromiumCpu())
  const serverCpuS = (serverAfter.user + serverAfter.system - serverBefore.user - serverBefore.system) / 1e6

  // Seqs are per project: each tab is asked about its own project's messages.
  const indexesOf = (projectId) => published.flatMap((p, i) => (p.projectId === projectId ? [i] : []))
  const askTab = async (page, tab, read) => {
    const indexes = indexesOf(projectOfTab[tab])
    const times = await read(
      page,
      indexes.map((i) => published[i].seq),
    )
    const row = published.map(() => null)
    indexes.forEach((i, k) => {
      row[i] = times[k]
    })
    return row
  }
  const perTab = await Promise.all(live.map((page, tab) => askTab(page, tab, seenTimes)))
  const arrivals = await Promise.all(live.map((page, tab) => askTab(page, tab, arrivalTimes)))
  const tabsOfProject = (projectId, among = live.map((_, i) => i)) =>
    among.filter((tab) => projectOfTab[tab] === projectId)
  const tabsOf = (message) => tabsOfProject(message.projectId)
  const hubToTab = arrivals.some((tab) => tab.some((t) => t !== null))
    ? latency(published, arrivals, tabsOf)
    : null
  const allTabs = live.map((_, i) => i)
  const split = frontAndBackground
    ? {
        // The last tab opened is the window's front tab.
        frontTab: latency(published, perTab, (m) => tabsOfProject(m.projectId, allTabs.slice(-1))),
        backgroundTabs: latency(published, perTab, (m) => tabsOfProject(m.projectId, allTabs.slice(0, -1))),
      }
    : {}
  return {
    messages: published.length,
    allShown,
    ...latency(published, perTab, tabsOf),
    ...split,
    /** Ours only: publish → the hub's batch reached every tab (before rendering). */
    reachedTabs: hubToTab && { p50Ms: hubToTab.p50Ms, p95Ms: hubToTab.p95Ms, p99Ms: hubToTab.p99Ms },
    browserCpuS: round(browserCpuS, 2),
    serverCpuS: round(serverCpuS, 2),
    load1: [loadBefore, load1()],
  }
}

/** One run of one design in one configuration. */
async function run(design, config) {
  const stack = stacks[config.protocol]
  const windows = config.kind !== 'one window'
  const projects = config.kind === 'projects' ? config.projects : 1
  const tabsPerProject = config.kind === 'projects' ? config.tabsPerProject : config.tabs
  const tabs = projects * tabsPerProject
  const steadySeconds = config.steadySeconds ?? STEADY_SECONDS
  const burst = config.burst ?? BURST
  const name = `fan${serial++}_${design}_${runId}`
  const userId = name
  const projectIds = Array.from({ length: projects }, (_, i) => `${name}_p${i}`)
  const context = await signedInContext(browser, stack.url, userId)
  const pssBefore = chromiumPssMiB()
  const opened = performance.now()
  const pages = []
  const live = []
  const projectOfTab = []
  let loaded = 0
  for (const projectId of projectIds) {
    const opening = await openTabs(context, stack.url, pagePath(design, projectId), tabsPerProject, {
      loadTimeoutMs: design === 'ours' ? 30_000 : 4_000,
      windows,
    })
    pages.push(...opening.pages)
    loaded += opening.loaded
    for (const page of opening.live) {
      live.push(page)
      projectOfTab.push(projectId)
    }
  }
  const openMs = performance.now() - opened
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const streams = await stack.call('openStreams', { userId })
  const hubConnections =
    design === 'ours' && live[0]
      ? Number(await live[0].getAttribute('[data-testid=hub-stats]', 'data-connections'))
      : null
  const label = labelOf(config)
  log(`${design} × ${label}: ${loaded} loaded, ${live.length} connected, ${streams} upstream streams`)

  const steady = await phase(
    stack,
    live,
    projectOfTab,
    () => stack.call('steady', { projectIds, userId: POSTER, count: RATE * steadySeconds, perSecond: RATE }),
    { frontAndBackground: !windows },
  )
  const bursted =
    burst > 0
      ? await phase(stack, live, projectOfTab, async () =>
          (await stack.call('burst', { projectId: projectIds[0], userId: POSTER, count: burst })).map(
            (p) => ({
              ...p,
              projectId: projectIds[0],
            }),
          ),
        )
      : null
  const pssAfter = chromiumPssMiB()
  const heaps = await Promise.all(live.map(jsHeapMiB))
  const skews = await Promise.all(live.map(clockSkew))
  await context.close()
  await waitUntil(async () => (await stack.call('openStreams', { userId })) === 0, { timeoutMs: 15_000 })
  log(
    `${design} × ${label}: steady p50 ${steady.p50Ms} / p99 ${steady.p99Ms} ms, burst p99 ${bursted?.p99Ms} ms`,
  )
  return {
    design,
    tabs,
    projects,
    protocol: config.protocol,
    placement: windows ? 'a window per tab' : 'tabs of one window',
    tabsLoaded: loaded,
    tabsConnected: live.length,
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

function labelOf(config) {
  if (config.kind === 'projects')
    return `${config.projects} projects × ${config.tabsPerProject} tabs (${config.protocol})`
  const tabs = `${config.tabs} tab${config.tabs === 1 ? '' : 's'}`
  return `${tabs}, ${config.kind === 'windows' ? 'a window each' : 'one window'} (${config.protocol})`
}

/** Every round's runs, by configuration and design. */
const rounds = CONFIGS.map(() => ({ ours: [], baseline: [] }))
for (let r = 0; r < ROUNDS; r++) {
  for (const [index, config] of CONFIGS.entries()) {
    // Alternate which design goes first, so slow drift in machine load does not favour one.
    const order = (r + index) % 2 === 0 ? DESIGNS : [...DESIGNS].reverse()
    for (const design of order) rounds[index][design].push(await run(design, config))
  }
  log(`round ${r + 1} of ${ROUNDS} done`)
}
await browser.close()
await stacks['http/1.1'].close()
await stacks.h2.close()

const pick = (path) => (run) => path.reduce((value, key) => value?.[key], run)

/**
 * One entry per configuration and design, shaped as the runs always were (other tools read
 * `design`, `tabs`, `placement`, `tabsConnected`, `steady.p50Ms`/`steady.p99Ms`): each figure
 * is the median of the rounds; `rounds` keeps every round as it ran.
 */
function combine(list) {
  const first = list[0]
  const median = (path) => round(spread(list.map(pick(path))).median)
  const phaseOf = (key) =>
    first[key] && {
      p50Ms: median([key, 'p50Ms']),
      p95Ms: median([key, 'p95Ms']),
      p99Ms: median([key, 'p99Ms']),
      maxMs: median([key, 'maxMs']),
      p50MsRange: spread(list.map(pick([key, 'p50Ms']))),
      p99MsRange: spread(list.map(pick([key, 'p99Ms']))),
      browserCpuS: median([key, 'browserCpuS']),
      serverCpuS: median([key, 'serverCpuS']),
      missingInSomeTab: Math.max(...list.map(pick([key, 'missingInSomeTab']))),
      ...(first[key].frontTab && {
        frontTab: { p50Ms: median([key, 'frontTab', 'p50Ms']), p99Ms: median([key, 'frontTab', 'p99Ms']) },
        backgroundTabs: {
          p50Ms: median([key, 'backgroundTabs', 'p50Ms']),
          p99Ms: median([key, 'backgroundTabs', 'p99Ms']),
        },
      }),
      ...(first[key].reachedTabs && {
        reachedTabs: {
          p50Ms: median([key, 'reachedTabs', 'p50Ms']),
          p99Ms: median([key, 'reachedTabs', 'p99Ms']),
        },
      }),
    }
  return {
    design: first.design,
    tabs: first.tabs,
    projects: first.projects,
    protocol: first.protocol,
    placement: first.placement,
    tabsLoaded: Math.min(...list.map((r) => r.tabsLoaded)),
    tabsConnected: Math.min(...list.map((r) => r.tabsConnected)),
    upstreamStreams: Math.max(...list.map((r) => r.upstreamStreams)),
    hubConnections: first.hubConnections,
    steady: phaseOf('steady'),
    burst: phaseOf('burst'),
    memory: {
      pssPerTabMiB: median(['memory', 'pssPerTabMiB']),
      jsHeapPerLiveTabMiB: median(['memory', 'jsHeapPerLiveTabMiB']),
    },
    maxClockSkewMs: Math.max(...list.map((r) => r.maxClockSkewMs)),
    rounds: list,
  }
}

const combined = CONFIGS.map((config, index) => ({
  config,
  ours: combine(rounds[index].ours),
  baseline: combine(rounds[index].baseline),
  /** ours ÷ baseline of one figure, per round (both designs ran back to back in each). */
  ratios: (path) => {
    const values = rounds[index].ours.map((run, r) => {
      const base = pick(path)(rounds[index].baseline[r])
      const value = pick(path)(run)
      return base ? value / base : null
    })
    return { ...spread(values), values }
  },
}))
const equalLive = (c) =>
  c.ours.tabsConnected === c.baseline.tabsConnected && c.ours.tabsConnected === c.ours.tabs

const ms = (path) => (c, design) => spreadText(c[design].rounds.map(pick(path)))
const summary = combined.flatMap((c) =>
  DESIGNS.map((design) => ({
    run: labelOf(c.config),
    design,
    'live tabs': `${c[design].tabsConnected}/${c[design].tabs}`,
    streams: c[design].upstreamStreams,
    'steady p50 ms': ms(['steady', 'p50Ms'])(c, design),
    'steady p99 ms': ms(['steady', 'p99Ms'])(c, design),
    'burst p99 ms': c[design].burst ? ms(['burst', 'p99Ms'])(c, design) : '',
    'browser CPU s': spreadText(
      c[design].rounds.map((r) => r.steady.browserCpuS + (r.burst?.browserCpuS ?? 0)),
      1,
    ),
    'server CPU s': spreadText(
      c[design].rounds.map((r) => r.steady.serverCpuS + (r.burst?.serverCpuS ?? 0)),
      2,
    ),
    'PSS MiB/tab': c[design].memory.pssPerTabMiB,
    ...(c[design].steady.frontTab && {
      'front / background p99 ms': `${ms(['steady', 'frontTab', 'p99Ms'])(c, design)} / ${ms(['steady', 'backgroundTabs', 'p99Ms'])(c, design)}`,
    }),
  })),
)
const comparisons = combined.map((c) => ({
  run: labelOf(c.config),
  streamsOursVsBaseline: `${c.ours.upstreamStreams} vs ${c.baseline.upstreamStreams}`,
  liveTabsOursVsBaseline: `${c.ours.tabsConnected} vs ${c.baseline.tabsConnected}`,
  equalLiveTabs: equalLive(c),
  steadyP50Ratio: round(c.ratios(['steady', 'p50Ms']).median, 2),
  steadyP99Ratio: round(c.ratios(['steady', 'p99Ms']).median, 2),
  burstP99Ratio: c.ours.burst ? round(c.ratios(['burst', 'p99Ms']).median, 2) : null,
}))

/** The goals for one configuration: p50 and p99 each at most `limit` × the baseline's. */
const latencyGoals = (c, limit) =>
  ['p50Ms', 'p99Ms'].map((key) => {
    const ratio = c.ratios(['steady', key])
    return goal(`publish → row in every tab, ${labelOf(c.config)}, ${key.slice(0, 3)}`, {
      value: equalLive(c) ? round(ratio.median, 2) : null,
      limit,
      detail: equalLive(c)
        ? `ours ${ms(['steady', key])(c, 'ours')} ms vs baseline ${ms(['steady', key])(c, 'baseline')} ms, median (min–max) of ${ROUNDS} rounds; ratio per round ${spreadText(ratio.values, 2)}`
        : `not comparable: live tabs ours ${c.ours.tabsConnected}, baseline ${c.baseline.tabsConnected} of ${c.ours.tabs}`,
    })
  })
const find = (predicate) => combined.find((c) => predicate(c.config))
const goals = [
  ...latencyGoals(
    find((k) => k.kind === 'windows' && k.protocol === 'http/1.1' && k.tabs === 1),
    1.1,
  ),
  ...combined
    .filter((c) => c.config.kind === 'windows' && c.config.tabs > 1 && c.config.tabs <= 10)
    .filter((c) => c.config.protocol === 'h2' || c.config.tabs < 10)
    .flatMap((c) => latencyGoals(c, 1)),
  ...latencyGoals(
    find((k) => k.kind === 'one window'),
    1,
  ),
]

console.log(
  JSON.stringify({
    benchmark: 'fan-out',
    quick,
    config: {
      rounds: ROUNDS,
      ratePerSecond: RATE,
      steadySeconds: STEADY_SECONDS,
      burst: BURST,
      runs: CONFIGS,
    },
    load1: { start: loadStart, end: load1() },
    runs: combined.filter((c) => c.config.kind === 'windows').flatMap((c) => [c.ours, c.baseline]),
    background: combined.filter((c) => c.config.kind === 'one window').flatMap((c) => [c.ours, c.baseline]),
    multiProject: combined.filter((c) => c.config.kind === 'projects').flatMap((c) => [c.ours, c.baseline]),
    comparisons,
    goals,
    summary,
  }),
)
