/**
 * A block of simulation seeds as one Vitest test: every invariant after every step, for each
 * seed. A failure names the seed, the command that replays it and its shrunk trace.
 */
import { expect, test } from 'vitest'
import { runSeed } from './scenario'
import { describeTrace, shrink } from './shrink'

/** @internal Run seeds `from` … `from + count - 1`. */
export function seedBlock(from: number, count: number): void {
  test(`seeds ${from}–${from + count - 1}: every invariant holds after every step, and every tab settles once the faults stop`, () => {
    let steps = 0
    let faults = 0
    for (let seed = from; seed < from + count; seed++) {
      const result = runSeed(seed)
      steps += result.steps
      faults += result.faults
      if (result.ok) continue
      const shrunk = shrink(result, 60)
      expect.fail(
        `seed ${seed}: ${result.violation}\nreplay: npm run sim -- --seed ${seed}\n` +
          `shrunk to ${shrunk.plan.actions.length} actions (${shrunk.violation}):\n${describeTrace(shrunk)}`,
      )
    }
    console.info(`[sim] seeds ${from}–${from + count - 1}: ${steps} steps, ${faults} faults`)
  }, 600_000)
}
