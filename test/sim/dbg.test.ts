import { test } from 'vitest'
import { runSeed } from './scenario'

test('dbg', () => {
  const lines: string[] = []
  const r = runSeed(Number(process.env['SEED'] ?? 7), undefined, undefined, (l) => lines.push(l))
  const grep = new RegExp(process.env['GREP'] ?? 'client_sim_1\\b|reset|settle|window')
  const hits = lines.filter((l) => grep.test(l))
  console.log(hits.slice(0, Number(process.env['LINES'] ?? 60)).join('\n'))
  console.log(r.violation, r.at)
}, 600_000)
