import { test } from 'vitest'
import { runSeed } from './scenario'

test('dev', () => {
  const from = Number(process.env['FROM'] ?? 1),
    n = Number(process.env['N'] ?? 20)
  let bad = 0
  const t0 = Date.now()
  let steps = 0
  for (let seed = from; seed < from + n; seed++) {
    const r = runSeed(seed)
    steps += r.steps
    if (!r.ok) {
      bad++
      if (bad <= 8) console.log(`seed ${seed}: ${r.violation} @ ${JSON.stringify(r.at)}`)
    }
  }
  console.log(`${n} seeds, ${bad} bad, ${steps} steps, ${Date.now() - t0} ms`)
}, 600_000)
