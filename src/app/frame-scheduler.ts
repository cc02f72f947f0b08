/**
 * Coalesce many requests into one render per animation frame, and at most one per
 * `minIntervalMs`: during a flood of messages a render every frame would spend most of the
 * main thread on layout, while a few per second look just as live. Background tabs get no
 * animation frames, so a timer fallback still renders them (throttled by the browser) —
 * otherwise a hidden tab's DOM would lag behind the hub until it is shown.
 */

/** @internal */
export interface FrameScheduler {
  /** Ask for a render; many asks before the frame make one render. */
  schedule(): void
}

/** @internal Options of `createFrameScheduler`. */
export interface FrameSchedulerOptions {
  /** Least time between the starts of two renders; default 0 (every frame). */
  minIntervalMs?: number | undefined
}

const FALLBACK_MS = 250

/** @internal Create a scheduler that calls `render` at most once per frame. */
export function createFrameScheduler(
  render: () => void,
  options: FrameSchedulerOptions = {},
): FrameScheduler {
  const minInterval = options.minIntervalMs ?? 0
  let pending = false
  let frame: number | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let lastRun = Number.NEGATIVE_INFINITY

  const clear = () => {
    if (frame !== undefined) cancelAnimationFrame(frame)
    if (timer !== undefined) clearTimeout(timer)
    frame = undefined
    timer = undefined
  }

  const run = () => {
    clear()
    pending = false
    lastRun = performance.now()
    render()
  }

  const arm = () => {
    clear()
    frame = requestAnimationFrame(run)
    timer = setTimeout(run, FALLBACK_MS)
  }

  return {
    schedule() {
      if (pending) return
      pending = true
      const wait = lastRun + minInterval - performance.now()
      if (wait > 0) timer = setTimeout(arm, wait)
      else arm()
    },
  }
}
