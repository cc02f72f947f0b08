/**
 * When the tab renders the project's view: in a task of its own right after a change, shown or
 * hidden, with many changes before that task making one render.
 *
 * A task rather than an animation frame: a frame can be 16 ms away, and a hidden tab gets none
 * (its DOM would lag behind the hub until shown; DESIGN.md §5's hooks are read in hidden tabs
 * too). A `MessageChannel` message rather than a timer: browsers throttle the timers of hidden
 * tabs to one a second or less.
 *
 * Catching up, a hub sends page after page (200 messages each, thousands in all): rendering
 * each would spend the main thread on rows the next pages push out of the list's 5,000-row
 * window, in every tab. So a render that took long holds the next one back in proportion
 * (`spacing` × its duration): the changes that arrive meanwhile make one render. Live
 * traffic renders in well under a millisecond, so it is never held back noticeably.
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

/** @internal Create a scheduler that calls `render` in its own task after each `schedule()`. */
export function createRenderScheduler(
  render: () => void,
  options: RenderSchedulerOptions = {},
): RenderScheduler {
  const spacing = options.spacing ?? 2
  const now = options.now ?? (() => performance.now())
  const channel = new MessageChannel()
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

  channel.port1.onmessage = () => {
    const wait = notBefore - now()
    // Timers are throttled in hidden tabs, but only a long render holds the next one back.
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
      if (held === undefined) channel.port2.postMessage(null)
    },
  }
}
