/**
 * The simulation's world: a virtual clock and one queue of scheduled events, run in time order
 * (ties in the order they were scheduled). Nothing here is random; every random choice is drawn
 * by the parts from their own seeded generators, so a seed replays exactly.
 */

/** @internal A scheduled event; `cancel` it to drop it. */
export interface Scheduled {
  readonly at: number
  cancelled: boolean
}

interface Entry extends Scheduled {
  order: number
  label: string
  run: () => void
}

/** @internal */
export interface World {
  /** Virtual milliseconds since the start. */
  readonly now: number
  /** Events run so far. */
  readonly steps: number
  /** Run `run` `delay` ms from now. */
  after(delay: number, label: string, run: () => void): Scheduled
  cancel(event: Scheduled | undefined): void
  /**
   * Run events until `until` (virtual ms) or until `stop()` says so; `check` runs after every
   * event (the invariants). Returns whether `stop` ended it.
   */
  run(until: number, check: (label: string) => void, stop?: () => boolean): boolean
  /** Scheduled events not yet run or cancelled. */
  pending(): number
}

/** @internal */
export function createWorld(): World {
  const heap: Entry[] = []
  let now = 0
  let order = 0
  let steps = 0

  const less = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.order < b.order)
  const push = (entry: Entry) => {
    heap.push(entry)
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1
      if (!less(heap[i] as Entry, heap[parent] as Entry)) break
      ;[heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry]
      i = parent
    }
  }
  const pop = (): Entry | undefined => {
    const top = heap[0]
    const last = heap.pop()
    if (heap.length > 0 && last) {
      heap[0] = last
      for (let i = 0; ; ) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && less(heap[l] as Entry, heap[m] as Entry)) m = l
        if (r < heap.length && less(heap[r] as Entry, heap[m] as Entry)) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m] as Entry, heap[i] as Entry]
        i = m
      }
    }
    return top
  }

  return {
    get now() {
      return now
    },
    get steps() {
      return steps
    },
    after(delay, label, run) {
      const entry: Entry = { at: now + Math.max(0, delay), order: order++, label, run, cancelled: false }
      push(entry)
      return entry
    },
    cancel(event) {
      if (event) event.cancelled = true
    },
    run(until, check, stop) {
      for (;;) {
        if (stop?.()) return true
        const next = heap[0]
        if (!next || next.at > until) {
          now = Math.max(now, until)
          return false
        }
        pop()
        if (next.cancelled) continue
        now = next.at
        steps++
        next.run()
        check(next.label)
      }
    },
    pending: () => heap.filter((e) => !e.cancelled).length,
  }
}
