/**
 * Whether the message list may skip a render while the hub catches up.
 *
 * A tab reopened after thousands of missed messages gets them page after page (200 each, oldest
 * first). When the list will end up holding more than its window (`MAX_ROWS`), drawing each page
 * builds rows the next pages push out of the window: 10,000 missed built 10,000 rows to show
 * 5,000, in every tab, on the same cores the hub pages with. The list view builds no row below
 * the window the catch-up will end with (`range.latestSeq`, set only while the hub is behind)
 * once the list holds more than `MAX_ROWS`; until then, or until the first message of that
 * final window has arrived, the list keeps what it shows (it would otherwise build rows for
 * nothing) — at most `maxHoldMs` at a time, so a long catch-up still shows progress. Everything
 * else on the page (status, banners, presence) renders as usual, and a status other than
 * `connected` ends the hold at once: nothing more is on its way then.
 */
import type { ProjectView } from '../client'
import { finalWindowStart, MAX_ROWS } from './message-list-view'

/** @internal */
export interface CatchUpHold {
  /**
   * True if the list should skip rendering `view` now. When it says so, `wake` is called once
   * the hold runs out (render again then).
   */
  holds(view: ProjectView): boolean
}

/** @internal Options of `createCatchUpHold`. */
export interface CatchUpHoldOptions {
  /** Called when a hold runs out (`maxHoldMs` after it began). */
  wake(): void
  /** The longest the list waits without a render. Default 10,000 ms. */
  maxHoldMs?: number | undefined
  now?: (() => number) | undefined
}

/** @internal */
export function createCatchUpHold(options: CatchUpHoldOptions): CatchUpHold {
  const maxHoldMs = options.maxHoldMs ?? 10_000
  const now = options.now ?? (() => performance.now())
  /** When the current hold began, or `undefined` while the list is not held. */
  let heldSince: number | undefined
  let timer: ReturnType<typeof setTimeout> | undefined

  return {
    holds(view) {
      if (!catchingUpPastWindow(view)) {
        heldSince = undefined
        clearTimeout(timer)
        timer = undefined
        return false
      }
      const at = now()
      heldSince ??= at
      if (at - heldSince >= maxHoldMs) {
        // Progress: render this one, then hold again.
        heldSince = at
        return false
      }
      if (timer === undefined) {
        timer = setTimeout(
          () => {
            timer = undefined
            options.wake()
          },
          heldSince + maxHoldMs - at,
        )
      }
      return true
    },
  }
}

/**
 * The hub is connected and behind the backend by more than the list will keep, and nothing of
 * the window it will end with can be drawn yet.
 */
function catchingUpPastWindow(view: ProjectView): boolean {
  const { range } = view
  const finalStart = finalWindowStart(view)
  if (!view.live || view.status.status !== 'connected' || !range || finalStart === undefined) return false
  const firstSeq = view.messages[0]?.seq ?? range.lowSeq
  if ((range.latestSeq ?? 0) <= range.highSeq || finalStart <= firstSeq) return false
  return range.highSeq - firstSeq + 1 <= MAX_ROWS || range.highSeq < finalStart
}
