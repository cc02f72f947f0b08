#!/usr/bin/env node
// `npm run bench`: runs each benchmark in bench/ as its own process, prints a table and writes
// bench/results.json with the machine it ran on. Not part of `npm test`.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const benchmarks = [{ name: 'backend-streams', args: ['bench/backend-streams.mjs', '1000'] }]

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
}
const results = []
for (const { name, args } of benchmarks) {
  console.log(`\n▶ ${name}`)
  const run = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = run.stdout.trim().split('\n').at(-1) ?? ''
  try {
    results.push(JSON.parse(line))
  } catch {
    results.push({ benchmark: name, error: `exit ${run.status}: ${line.slice(0, 200)}` })
  }
}

const report = { date: new Date().toISOString(), machine, results }
writeFileSync(`${root}bench/results.json`, `${JSON.stringify(report, null, 2)}\n`)
console.log(
  `\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`,
)
console.table(results)
console.log('written to bench/results.json')
