/**
 * Reconnect delays: exponential backoff with full jitter (DESIGN.md §4: base 1 s, cap 30 s).
 */

/** @public Backoff settings. */
export interface BackoffOptions {
  baseMs: number
  capMs: number
}

/** @public DESIGN.md's numbers. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 30_000 }

/**
 * @public Delay before reconnect attempt `attempt` (0-based): uniform in `[0, min(cap, base·2^attempt))`.
 * Full jitter draws afresh on every attempt, so tabs and users that failed together do not retry
 * together (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function nextDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30))
  return Math.floor(random() * ceiling)
}
