/**
 * The seed of the random chunk splits: fresh each run, printed, and replayable by setting
 * `SSE_TEST_SEED`.
 */
import { createRandom } from '../helpers/random'

const { SSE_TEST_SEED } = process.env

export const seed = Number(SSE_TEST_SEED) || Math.floor(Math.random() * 2 ** 32)

console.info(`SSE split seed ${seed} (replay with SSE_TEST_SEED=${seed})`)

/** A generator for one test, derived from the run's seed and the test's index. */
export function randomFor(index: number): () => number {
  return createRandom(seed + index)
}
