/**
 * A manual clock for hub tests: timers fire only when the test advances time, so "30 s of
 * fake time" takes no real time. Real I/O (HTTP on loopback) still runs on the real event loop.
 */
import type { Clock } from '../../src/hub'

/** @internal */
export interface FakeClock extends Clock {
  /** Fire every timer due within `ms`, in order, letting real I/O run between them. */
  advance(ms: number): Promise<void>
  pending(): number
}

/** @internal */
export function createFakeClock(start = Date.parse('2026-01-01T00:00:00Z')): FakeClock {
  let now = start
  let nextId = 1
  const timers = new Map<number, { at: number; callback: () => void }>()
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++
      timers.set(id, { at: now + Math.max(0, ms), callback })
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    async advance(ms) {
      const until = now + ms
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= until)
          .sort((a, b) => a[1].at - b[1].at)[0]
        if (!due) break
        timers.delete(due[0])
        now = due[1].at
        due[1].callback()
        // Let promise chains and loopback I/O triggered by the timer make progress.
        await new Promise((resolve) => setImmediate(resolve))
      }
      now = until
    },
    pending: () => timers.size,
  }
}
