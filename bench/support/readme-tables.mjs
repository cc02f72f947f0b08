#!/usr/bin/env node
/**
 * Prints README's two benchmark tables (Markdown, columns aligned) from a full run's
 * `bench/results.json`, so that the table in README is the run's own figures, copied by no hand.
 *
 * Usage: node bench/support/readme-tables.mjs [path/to/results.json]
 */

import { readFileSync } from 'node:fs'

const path = process.argv[2] ?? new URL('../results.json', import.meta.url)
const { results } = JSON.parse(readFileSync(path, 'utf8'))
const byName = Object.fromEntries(results.map((result) => [result.benchmark, result]))
const fanOut = byName['fan-out']
const catchUp = byName['catch-up']
const coldOpen = byName['cold-open']
const decoding = byName.decoding
const size = byName.size
const backend = byName['backend-streams']

const int = (value) => Math.round(value).toLocaleString('en-US')
/** `median (min–max)`, rounded as the bench prints fan-out latencies (whole ms). */
const range = ({ median, min, max }) => `${int(median)} (${int(min)}–${int(max)})`
/** `190.3–204.1` as `190–204`. */
const intRange = (text) => text.split('–').map(Number).map(int).join('–')

const allRuns = [...fanOut.runs, ...(fanOut.background ?? []), ...(fanOut.multiProject ?? [])]
const find = (design, tabs, protocol, placement = 'a window per tab', projects = 1) =>
  allRuns.find(
    (run) =>
      run.design === design &&
      run.tabs === tabs &&
      run.protocol === protocol &&
      run.placement === placement &&
      run.projects === projects,
  )
const summaryOf = (design, runName) =>
  fanOut.summary.find((row) => row.design === design && row.run === runName)
const comparisonOf = (runName) => fanOut.comparisons.find((row) => row.run === runName)

/** One latency row: ours and the baseline in the same configuration. */
function latencyRow(label, tabs, protocol, { placement, projects, runName, limitNote = '' } = {}) {
  const ours = find('ours', tabs, protocol, placement, projects)
  const baseline = find('baseline', tabs, protocol, placement, projects)
  const latency = (run) => `${range(run.steady.p50MsRange)} / ${range(run.steady.p99MsRange)}`
  const comparison = runName === undefined ? undefined : comparisonOf(runName)
  let ratio = '—'
  if (comparison !== undefined) {
    ratio = comparison.equalLiveTabs
      ? `${comparison.steadyP50Ratio} / ${comparison.steadyP99Ratio}`
      : `not compared (${baseline.tabsConnected} live)`
  }
  return [
    label,
    latency(ours),
    latency(baseline),
    `${ours.tabsConnected} / ${baseline.tabsConnected}${limitNote}`,
    ratio,
  ]
}

const runName = (tabs, protocol, placement = 'a window each') =>
  `${tabs} tab${tabs === 1 ? '' : 's'}, ${placement} (${protocol})`

const front = (design) => {
  const run = find(design, 5, 'http/1.1', 'tabs of one window')
  return `${int(run.steady.frontTab.p99Ms)} / ${int(run.steady.backgroundTabs.p99Ms)}`
}
const latencyRows = [
  latencyRow('1 tab, HTTP/1.1', 1, 'http/1.1', { runName: runName(1, 'http/1.1') }),
  latencyRow('5 tabs, a window each, HTTP/1.1', 5, 'http/1.1', { runName: runName(5, 'http/1.1') }),
  latencyRow('10 tabs, a window each, HTTP/1.1', 10, 'http/1.1', { runName: runName(10, 'http/1.1') }),
  latencyRow('20 tabs, a window each, HTTP/1.1', 20, 'http/1.1', { runName: runName(20, 'http/1.1') }),
  latencyRow('10 tabs, a window each, HTTP/2', 10, 'h2', { runName: runName(10, 'h2') }),
  latencyRow('20 tabs, a window each, HTTP/2', 20, 'h2', {
    runName: runName(20, 'h2'),
    limitNote: ' (backend limit)',
  }),
  latencyRow(
    `5 tabs in one window, HTTP/1.1 (front / background p99 ${front('ours')} vs ${front('baseline')})`,
    5,
    'http/1.1',
    { placement: 'tabs of one window', runName: runName(5, 'http/1.1', 'one window') },
  ),
  latencyRow('5 projects × 2 tabs, HTTP/2', 10, 'h2', { projects: 5 }),
]

const ours = (tabs, protocol) => find('ours', tabs, protocol)
const base = (tabs, protocol) => find('baseline', tabs, protocol)
const reached = (tabs, protocol) => {
  const { p50Ms, p99Ms } = ours(tabs, protocol).steady.reachedTabs
  return `${Number(p50Ms.toPrecision(2))} / ${Number(p99Ms.toPrecision(2))}`
}
const cpu = (design, tabs, protocol) =>
  summaryOf(design, runName(tabs, protocol))['browser CPU s'].split(' ')[0]
const pss = (design, tabs) => int(summaryOf(design, runName(tabs, 'http/1.1'))['PSS MiB/tab'])
const burst = (design, tabs) => int(find(design, tabs, 'http/1.1').burst.p99MsRange.median)
const multi = (design) => find(design, 10, 'h2', 'a window per tab', 5)

const catchUpRow = (variant, tabs) =>
  catchUp.summary.find((row) => row.variant.startsWith(variant) && (tabs === undefined || row.tabs === tabs))
const floor = catchUpRow('floor')
const cu1 = catchUpRow('ours', 1)
const cu5 = catchUpRow('ours', 5)
const shown = catchUp.runs.baseline[0]

const coldRow = (prefix) => coldOpen.summary.find((row) => row.variant.startsWith(prefix))
const paint = (row) => row['first paint ms, median (min–max)']
const [decOurs, decNaive, decEsp, decParser] = decoding.summary
const decSpeed = decoding.goals[0].measured.replace(' ×', '')
const served = size.served.find((file) => file.path.endsWith('.js'))

const otherRows = [
  [
    'upstream streams the backend holds, 1 / 5 / 10 / 20 tabs of one project; 5 projects × 2 tabs',
    `${[1, 5, 10, 20].map((tabs) => ours(tabs, 'http/1.1').upstreamStreams).join(' / ')}; ${multi('ours').upstreamStreams}`,
    `${[1, 5, 10, 20].map((tabs) => base(tabs, 'http/1.1').upstreamStreams).join(' / ')} (HTTP/1.1), ${[10, 20].map((tabs) => base(tabs, 'h2').upstreamStreams).join(' / ')} (HTTP/2); ${multi('baseline').upstreamStreams}`,
  ],
  [
    "ours: publish → the batch's port message handled in every tab (before rendering), p50 / p99 ms, 1 / 5 / 10 / 20 tabs HTTP/1.1; 10 / 20 HTTP/2",
    `${[1, 5, 10, 20].map((tabs) => reached(tabs, 'http/1.1')).join('; ')}; ${[10, 20].map((tabs) => reached(tabs, 'h2')).join('; ')}`,
    '—',
  ],
  [
    'burst of 1,000, p99 ms, 1 / 5 / 10 tabs (HTTP/1.1)',
    [1, 5, 10].map((tabs) => burst('ours', tabs)).join(' / '),
    `${[1, 5, 10].map((tabs) => burst('baseline', tabs)).join(' / ')} (${base(10, 'http/1.1').tabsConnected} live)`,
  ],
  [
    'Chromium CPU s (all processes), 1 / 5 tabs HTTP/1.1; 10 / 20 tabs HTTP/2',
    `${cpu('ours', 1, 'http/1.1')} / ${cpu('ours', 5, 'http/1.1')}; ${cpu('ours', 10, 'h2')} / ${cpu('ours', 20, 'h2')}`,
    `${cpu('baseline', 1, 'http/1.1')} / ${cpu('baseline', 5, 'http/1.1')}; ${cpu('baseline', 10, 'h2')} / ${cpu('baseline', 20, 'h2')} (${base(20, 'h2').tabsConnected} live)`,
  ],
  [
    'Chromium PSS growth per tab, MiB, 1 / 5 / 10 tabs HTTP/1.1',
    [1, 5, 10].map((tabs) => pss('ours', tabs)).join(' / '),
    [1, 5, 10].map((tabs) => pss('baseline', tabs)).join(' / '),
  ],
  [
    `catch-up after ${int(catchUp.config.gap)} missed: every tab shows the latest and IndexedDB holds the whole range, ms`,
    `1 tab ${cu1['min–max ms']} = ${cu1['vs floor']} × floor; 5 tabs ${cu5['min–max ms']} = ${cu5['vs floor']} ×`,
    `floor ${floor['min–max ms']}; baseline shows seq ${shown.shows.firstSeq}–${shown.shows.lastSeq} of ${int(shown.latest)} and stores nothing`,
  ],
  [
    `cold open from ${int(coldOpen.config.cached)} cached: first paint, ms (${coldOpen.config.rounds} rounds)`,
    `online ${paint(coldRow('ours online'))} = ${coldRow('ours online')['paint vs floor']} × floor; offline ${paint(coldRow('ours offline'))} = ${coldRow('ours offline')['paint vs floor']} ×`,
    `floor ${paint(coldRow('floor'))}; baseline offline: nothing`,
  ],
  [
    `decoding ${int(decOurs.events)} events (same bytes, TextDecoder in both), ms (${decoding.config.rounds} rounds)`,
    `${int(decOurs['median ms'])} (${intRange(decOurs['min–max ms'])}), every payload checked; our parser alone ${int(decParser['median ms'])}`,
    `naive ${int(decNaive['median ms'])} (${intRange(decNaive['min–max ms'])}) = ours is ${decSpeed} × as fast; eventsource-parser alone ${int(decEsp['median ms'])}`,
  ],
  [
    "a tab's first load (entry JS + render-blocking CSS), gzip",
    `${int(size.sizes.firstLoad.gzipBytes)} B (${int(size.sizes.appEntryWithStaticImports.gzipBytes)} JS + ${int(size.sizes.renderBlockingCss.gzipBytes)} CSS)`,
    'goal 8,192 B',
  ],
  [
    'static files',
    `${served.encoding === 'br' ? 'brotli/gzip' : served.encoding}; hashed assets \`${served.cacheControl}\` (and a static route to the service worker's precache); \`index.html\`, \`sw.js\` \`no-cache\``,
    '—',
  ],
  [
    `reference backend alone: ${int(backend.streams)} streams (one user each) open, then one message to all`,
    `open ${backend.openMs} ms, fan-out ${backend.fanOutMs} ms, RSS ${backend.backendRssIdleMiB} → ${backend.backendRssOpenMiB} MiB (${backend.perStreamKiB} KiB per stream)`,
    '—',
  ],
]

function table(header, rows) {
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => String(row[column]).length)),
  )
  const line = (cells) =>
    `| ${cells.map((cell, column) => String(cell).padEnd(widths[column])).join(' | ')} |`
  return [
    line(header),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n')
}

console.log(
  table(
    [
      'measure (publish → the row in every live tab, 20 msg/s × 20 s)',
      'ours p50 / p99 ms',
      'baseline p50 / p99 ms',
      'live tabs ours / baseline',
      'ratio p50 / p99',
    ],
    latencyRows,
  ),
)
console.log()
console.log(table(['measure', 'ours', 'baseline / floor'], otherRows))
