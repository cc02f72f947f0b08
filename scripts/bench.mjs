#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --rounds=N]`: builds what the benchmarks serve
// (bench/support/build.mjs), runs each benchmark in bench/ as its own process, prints a table
// per benchmark and writes the results with the machine they ran on and the 1-minute load
// average around each benchmark (other work on the machine makes timings noisy). A full run
// writes bench/results.json; a quick one (fewer tabs, rounds and messages: a check that
// everything runs) writes .tmp/bench-results-quick.json. `--only=fan-out,catch-up` re-runs
// some benchmarks and replaces just their entries (each entry keeps the date it ran);
// `--rounds=N` sets how many rounds each benchmark alternates its designs over. The goals of
// every benchmark are printed last, with met/missed. Not part of `npm test`.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const quick = process.argv.includes('--quick')
const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
const rounds = process.argv.find((arg) => arg.startsWith('--rounds='))
const flag = [...(quick ? ['--quick'] : []), ...(rounds ? [rounds] : [])]
const benchmarks = [
  { name: 'backend-streams', args: ['bench/backend-streams.mjs', quick ? '200' : '1000'] },
  { name: 'fan-out', args: ['bench/fan-out.mjs', ...flag] },
  { name: 'catch-up', args: ['bench/catch-up.mjs', ...flag] },
  { name: 'cold-open', args: ['bench/cold-open.mjs', ...flag] },
  { name: 'decoding', args: ['--expose-gc', 'bench/decoding.mjs', ...flag] },
  { name: 'size', args: ['bench/size.mjs'] },
].filter(({ name }) => !only || only.includes(name))

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  chromium: (() => {
    try {
      return execFileSync(chromium, ['--version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim()
    } catch {
      return 'unknown'
    }
  })(),
}
const load1 = () => Math.round(os.loadavg()[0] * 100) / 100

// The bench's texts hold 👍, as users' chats do. Without a font that has it, every layout of such a
// row asks the browser process for a fallback font, synchronously, and the answer "none" is never
// cached: a queue of such calls then dominates both designs from a few windows on (traced with
// bench/trace-fan-out.mjs). Users' machines have an emoji font; the bench machine needs one too.
machine.emojiFont = (() => {
  try {
    return (
      execFileSync('fc-list', [':charset=1f44d', 'family'], { encoding: 'utf8' }).trim().split('\n')[0] ||
      null
    )
  } catch {
    return null
  }
})()
if (!machine.emojiFont)
  console.warn(
    '⚠ no font with 👍 (fc-list :charset=1f44d): every such row costs an uncached font lookup in both designs; install one (Debian: apt-get install fonts-noto-color-emoji) before recording results',
  )

console.log('▶ build (app, baseline, floor pages, Node bundles, library) into .tmp/')
const built = spawnSync(process.execPath, ['bench/support/build.mjs'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
})
if (built.status !== 0) process.exit(built.status ?? 1)

const started = Date.now()
const results = []
for (const { name, args } of benchmarks) {
  console.log(`\n▶ ${name} (load ${load1()})`)
  const load = { start: load1() }
  const begun = Date.now()
  const run = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, BENCH_PREBUILT: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  })
  load.end = load1()
  const line = run.stdout.trim().split('\n').at(-1) ?? ''
  let result
  try {
    result = JSON.parse(line)
  } catch {
    result = { benchmark: name, error: `exit ${run.status}: ${line.slice(0, 200)}` }
  }
  result.load1 = {
    ...load,
    ...(result.load1 && { insideStart: result.load1.start, insideEnd: result.load1.end }),
  }
  result.date = new Date(begun).toISOString()
  result.seconds = Math.round((Date.now() - begun) / 1000)
  results.push(result)
  if (result.summary) console.table(result.summary)
  else console.table([result])
}

const out = quick ? `${root}.tmp/bench-results-quick.json` : `${root}bench/results.json`
if (only && existsSync(out)) {
  const previous = JSON.parse(readFileSync(out, 'utf8')).results ?? []
  const fresh = new Map(results.map((result) => [result.benchmark, result]))
  const merged = previous.map((result) => fresh.get(result.benchmark) ?? result)
  for (const result of results)
    if (!previous.some((p) => p.benchmark === result.benchmark)) merged.push(result)
  results.splice(0, results.length, ...merged)
}
const report = {
  date: new Date().toISOString(),
  quick,
  seconds: Math.round((Date.now() - started) / 1000),
  machine,
  results,
}
mkdirSync(`${root}.tmp`, { recursive: true })
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`)
// Every goal of issue 14 the benchmarks measure, with met/missed (bench/support/goals.mjs).
const goals = results.flatMap((result) =>
  (result.goals ?? []).map((g) => ({
    ...g,
    'load (start–end)': `${result.load1?.start}–${result.load1?.end}`,
  })),
)
if (goals.length > 0) {
  console.log(`\n▶ goals: ${goals.filter((g) => g.result === 'met').length} of ${goals.length} met`)
  console.table(goals.map(({ detail, ...g }) => g))
  for (const g of goals) if (g.detail) console.log(`  ${g.goal}: ${g.detail}`)
}
console.log(
  `\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.chromium}`,
)
console.log(`${results.length} benchmarks in ${report.seconds} s, written to ${out.replace(root, '')}`)
