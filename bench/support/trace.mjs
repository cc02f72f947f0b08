/**
 * A Chromium trace of every process of a browser (the diagnostics in bench/trace-*.mjs): start
 * it, end it, and sum each renderer or worker thread's top-level tasks — how busy it was, how
 * much of that was CPU, and how long the waits inside its tasks were (wall minus thread time:
 * descheduled, or blocked on a synchronous call to another process).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { root } from './build.mjs'
import { percentile, round } from './stats.mjs'

const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'blink.user_timing',
  'fonts',
  'mojom',
  'ipc',
  '__metadata',
]

/** Start tracing `browser`; resolves with `end()`, which resolves with the trace's events. */
export async function startTrace(browser) {
  const cdp = await browser.newBrowserCDPSession()
  const events = []
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value))
  await cdp.send('Tracing.start', {
    traceConfig: { includedCategories: CATEGORIES },
    transferMode: 'ReportEvents',
  })
  return async () => {
    const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve))
    await cdp.send('Tracing.end')
    await done
    await cdp.detach().catch(() => {})
    return events
  }
}

/** Write `events` to `.tmp/<name>.json` (for Perfetto or chrome://tracing); returns the path. */
export function saveTrace(events, name) {
  mkdirSync(`${root}.tmp`, { recursive: true })
  const file = `${root}.tmp/${name}.json`
  writeFileSync(file, JSON.stringify({ traceEvents: events }))
  return file
}

/**
 * Per renderer main thread and worker thread: tasks, busy and CPU share of `spanMs`, waits
 * inside tasks, and the time spent blocked in font-fallback lookups (a synchronous call to
 * the browser process for each character no installed font has).
 */
export function threadTable(events, spanMs) {
  const names = new Map()
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name)
  const threads = new Map()
  const of = (e) => {
    const key = `${e.pid}:${e.tid}`
    let t = threads.get(key)
    if (!t) {
      t = { name: names.get(key) ?? '?', tasks: 0, wallMs: 0, cpuMs: 0, waits: [], fontMs: 0, layoutMs: 0 }
      threads.set(key, t)
    }
    return t
  }
  for (const e of events) {
    if (e.ph !== 'X') continue
    if (e.name === 'ThreadControllerImpl::RunTask') {
      const t = of(e)
      t.tasks++
      t.wallMs += e.dur / 1000
      t.cpuMs += (e.tdur ?? e.dur) / 1000
      t.waits.push((e.dur - (e.tdur ?? e.dur)) / 1000)
    } else if (e.name === 'FontCache::FallbackFontForCharacter') of(e).fontMs += e.dur / 1000
    else if (e.name === 'Layout') of(e).layoutMs += e.dur / 1000
  }
  return [...threads.values()]
    .filter((t) => /CrRendererMain|Worker thread/.test(t.name) && t.tasks > 0)
    .map((t) => ({
      thread: t.name,
      tasks: t.tasks,
      'busy %': round((100 * t.wallMs) / spanMs, 1),
      'cpu %': round((100 * t.cpuMs) / spanMs, 1),
      'layout ms': round(t.layoutMs, 0),
      'font fallback ms': round(t.fontMs, 0),
      'wait in task ms p50/p99/max': `${round(percentile(t.waits, 50), 2)} / ${round(percentile(t.waits, 99), 2)} / ${round(Math.max(...t.waits), 2)}`,
    }))
}
