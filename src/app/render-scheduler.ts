/**
 * When the tab renders the project's view: right after the task that changed it (a microtask
 * at its end), shown or hidden, with every change made in that task making one render.
 *
 * At the end of the changing task rather than in a task of its own: the hub's batch arrives in
 * a port-message task and a per-tab `EventSource` appends its row in its message task, so
 * queueing the render behind it let a frame (its layout can be long: the trace of 10 windows
 * on 2 cores showed layouts blocked for hundreds of ms in the browser's font-fallback service)
 * or other queued tasks run before the row existed. Not an animation frame either: a frame can
 * be 16 ms away, and a hidden tab gets none (its DOM would lag behind the hub until shown;
 * DESIGN.md §5's hooks are read in hidden tabs too).
 *
 * Catching up, a hub sends page after page (200 messages each, thousands in all): rendering
 * each would spend the main thread on rows the next pages push out of the list's 5,000-row
 * window, in every tab. So a render that took long holds the next one back in proportion
 * (`spacing` × its duration): the changes that arrive meanwhile make one render. Live
 * traffic renders in well under a millisecond, so it is never held back noticeably (and never
 * waits for a timer, which hidden tabs throttle to one a second or less).
 */

/** @internal */
export interface RenderScheduler {
  /** Ask for a render; many asks before it runs make one render. */
  schedule(): void
}

/** @internal Options of `createRenderScheduler`. */
export interface RenderSchedulerOptions {
  /** After a render of d ms, the next starts no sooner than `spacing × d` ms after it ended. Default 2. */
  spacing?: number | undefined
  /** Clock in ms; default `performance.now`. */
  now?: (() => number) | undefined
}

/** @internal Create a scheduler that calls `render` at the end of the task of each `schedule()`. */
export function createRenderScheduler(
  render: () => void,
  options: RenderSchedulerOptions = {},
): RenderScheduler {
  const spacing = options.spacing ?? 2
  const now = options.now ?? (() => performance.now())
  let queued = false
  let held: ReturnType<typeof setTimeout> | undefined
  /** No render starts before this time. */
  let notBefore = Number.NEGATIVE_INFINITY

  const run = () => {
    queued = false
    const started = now()
    render()
    const ended = now()
    notBefore = ended + spacing * (ended - started)
  }

  const due = () => {
    const wait = notBefore - now()
    // Only a long render holds the next one back (a timer, throttled in hidden tabs).
    if (wait > 1)
      held = setTimeout(() => {
        held = undefined
        run()
      }, wait)
    else run()
  }

  return {
    schedule() {
      if (queued) return
      queued = true
      if (held === undefined) queueMicrotask(due)
    },
  }
}
