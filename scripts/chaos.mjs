#!/usr/bin/env node
// `npm run chaos -- [--seed N] [--minutes M] [--project chromium|no-shared-worker]`: the browser
// chaos suite (e2e/chaos.spec.ts) with a chosen or random seed, in one Playwright project (with
// SharedWorker by default; `no-shared-worker` elects a leader tab), keeping traffic and faults
// going for M minutes before healing and checking every invariant. The seed is printed first;
// rerun with it to reproduce a failure.
import { spawnSync } from 'node:child_process'
import { findChromium } from './chromium.mjs'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`)
  return at === -1 ? fallback : args[at + 1]
}
const seed = Number(option('seed', String(Math.floor(Math.random() * 2 ** 31))))
const minutes = Number(option('minutes', '0'))
const project = option('project', 'chromium')
if (!Number.isSafeInteger(seed) || !(minutes >= 0) || !['chromium', 'no-shared-worker'].includes(project)) {
  console.error(
    'usage: npm run chaos -- [--seed <integer>] [--minutes <number>] [--project chromium|no-shared-worker]',
  )
  process.exit(2)
}
const chromium = findChromium({ install: true })
if (!chromium) process.exit(1)

console.log(
  `[chaos] seed ${seed}, ${minutes > 0 ? `${minutes} min of traffic` : 'the CI-sized run'}, project ${project}`,
)
const run = spawnSync(
  'npx',
  [
    'playwright',
    'test',
    'e2e/chaos.spec.ts',
    `--project=${project}`,
    '--reporter=list',
    '--output=.tmp/chaos-results',
  ],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      CHROMIUM_PATH: chromium,
      CHAOS_SEED: String(seed),
      CHAOS_MINUTES: String(minutes),
    },
  },
)
console.log(
  `[chaos] seed ${seed}: ${run.status === 0 ? 'every invariant held' : `FAILED — reproduce with --seed ${seed}`}`,
)
process.exit(run.status ?? 1)
