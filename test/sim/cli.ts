/**
 * `npm run sim`: runs simulation seeds on every core (worker threads), reports runs, steps and
 * faults, and for a failing seed prints the command that replays it and its shrunk trace.
 * scripts/sim.mjs bundles this file and runs it; see `usage` below.
 */
import { writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { planFor, runSeed, type SimPlan, type SimResult } from './scenario'
import { describeTrace, shrink } from './shrink'

const usage = `usage: npm run sim -- [--seeds N] [--from S] | [--minutes M] | [--seed S [--plan file]] [--fault-minutes F]
  --seeds N         run N seeds (default 200), from --from or a random first seed
  --minutes M       run random seeds on every core for M minutes of real time
  --seed S          run one seed; --plan replays a shrunk plan written by an earlier failure
  --fault-minutes F each seed keeps faults on for F virtual minutes (default: 1–4, chosen by the seed)`

interface Job {
  seeds?: { from: number; count: number; step: number } | undefined
  untilMs?: number | undefined
  faultMinutes?: number | undefined
}

interface Report {
  runs: number
  steps: number
  faults: number
  virtualMs: number
  failed?: { seed: number; violation: string } | undefined
}

const run = (seed: number, faultMinutes: number | undefined, plan?: SimPlan) =>
  runSeed(
    seed,
    plan ?? planFor(seed, { faultMs: faultMinutes === undefined ? undefined : faultMinutes * 60_000 }),
  )

if (!isMainThread) {
  const job = workerData as Job & { base: number; index: number; workers: number }
  const report: Report = { runs: 0, steps: 0, faults: 0, virtualMs: 0 }
  const take = (result: SimResult) => {
    report.runs++
    report.steps += result.steps
    report.faults += result.faults
    report.virtualMs += result.virtualMs
    if (!result.ok && !report.failed) report.failed = { seed: result.seed, violation: result.violation ?? '' }
    if (report.runs % 25 === 0) parentPort?.postMessage({ progress: { ...report } })
  }
  if (job.seeds) {
    for (let i = job.index; i < job.seeds.count; i += job.workers)
      take(run(job.seeds.from + i, job.faultMinutes))
  } else {
    for (let i = job.index; Date.now() < (job.untilMs ?? 0); i += job.workers)
      take(run(job.base + i, job.faultMinutes))
  }
  parentPort?.postMessage({ done: report })
}

/** @internal The CLI's main thread. */
export async function main(argv: string[]): Promise<number> {
  const option = (name: string) => {
    const at = argv.indexOf(`--${name}`)
    return at === -1 ? undefined : argv[at + 1]
  }
  const number = (name: string) => {
    const value = option(name)
    if (value === undefined) return undefined
    const parsed = Number(value)
    if (!Number.isFinite(parsed) || parsed < 0)
      throw new Error(`--${name} needs a non-negative number, got ${value}\n${usage}`)
    return parsed
  }
  const faultMinutes = number('fault-minutes')
  const replay = (seed: number) =>
    `npm run sim -- --seed ${seed}${faultMinutes === undefined ? '' : ` --fault-minutes ${faultMinutes}`}`

  const single = number('seed')
  if (single !== undefined) {
    const planFile = option('plan')
    const plan = planFile
      ? (JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(planFile, 'utf8'))) as SimPlan)
      : undefined
    const result = run(single, faultMinutes, plan)
    console.log(
      `[sim] seed ${single}: ${result.ok ? 'ok' : 'FAILED'} — ${result.steps} steps, ${result.faults} faults, ${Math.round(result.virtualMs / 1000)} virtual s`,
    )
    if (!result.ok) return fail(result, replay)
    return 0
  }

  const minutes = number('minutes')
  const count = number('seeds') ?? 200
  const from = number('from') ?? Math.floor(Math.random() * 2 ** 31)
  const workers = Math.max(1, availableParallelism())
  const job: Job =
    minutes === undefined
      ? { seeds: { from, count, step: 1 }, faultMinutes }
      : { untilMs: Date.now() + minutes * 60_000, faultMinutes }
  console.log(
    minutes === undefined
      ? `[sim] seeds ${from}…${from + count - 1} on ${workers} worker(s)`
      : `[sim] random seeds from ${from} for ${minutes} min on ${workers} worker(s)`,
  )
  const started = Date.now()
  const progress = new Map<number, Report>()
  const sum = (reports: Iterable<Report>) => {
    const total: Report = { runs: 0, steps: 0, faults: 0, virtualMs: 0 }
    for (const r of reports) {
      total.runs += r.runs
      total.steps += r.steps
      total.faults += r.faults
      total.virtualMs += r.virtualMs
      total.failed ??= r.failed
    }
    return total
  }
  let shown = 0
  const results = await Promise.all(
    Array.from(
      { length: workers },
      (_, index) =>
        new Promise<Report>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), {
            workerData: { ...job, base: from, index, workers },
          })
          worker.on('message', (message: { progress?: Report; done?: Report }) => {
            const report = message.done ?? message.progress
            if (report) progress.set(index, report)
            if (Date.now() - shown > 10_000) {
              shown = Date.now()
              const t = sum(progress.values())
              console.log(
                `[sim] ${t.runs} runs, ${t.steps} steps, ${t.faults} faults, ${Math.round((Date.now() - started) / 1000)} s`,
              )
            }
            if (message.done) resolve(message.done)
          })
          worker.on('error', reject)
        }),
    ),
  )
  const total = sum(results)
  const hours = (total.virtualMs / 3_600_000).toFixed(1)
  console.log(
    `[sim] ${total.runs} runs, ${total.steps} steps, ${total.faults} faults, ${hours} virtual hours in ${Math.round((Date.now() - started) / 1000)} s: ${total.failed ? 'FAILED' : 'every invariant held'}`,
  )
  if (!total.failed) return 0
  return fail(run(total.failed.seed, faultMinutes), replay)
}

function fail(result: SimResult, replay: (seed: number) => string): number {
  console.log(`[sim] seed ${result.seed} broke an invariant: ${result.violation}`)
  if (result.at)
    console.log(`[sim]   at ${(result.at.ms / 1000).toFixed(3)} virtual s, after "${result.at.step}"`)
  console.log(`[sim] replay: ${replay(result.seed)}`)
  const shrunk = shrink(result)
  const file = `.tmp/sim-${result.seed}.json`
  writeFileSync(file, JSON.stringify(shrunk.plan))
  console.log(
    `[sim] shrunk to ${shrunk.plan.actions.length} of ${result.plan.actions.length} actions (${shrunk.violation}):`,
  )
  console.log(describeTrace(shrunk))
  console.log(`[sim] replay the shrunk trace: ${replay(result.seed)} --plan ${file}`)
  return 1
}
