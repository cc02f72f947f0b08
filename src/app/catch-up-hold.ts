/**
 * Whether the message list may skip a render while the hub catches up.
 *
 * A tab reopened after thousands of missed messages gets them page after page (200 each, oldest
 * first). Drawing each page lays out the rows it adds at the bottom, where the list sticks: with
 * 10,000 missed and five tabs, every tab laid out some 25 pages of rows nobody had time to read,
 * on the same two cores the hub paged with (bench/trace-catch-up.mjs: ~2 s of layout per tab).
 * So while the hub says it is behind (`range.latestSeq`, set only then), the list keeps what it
 * shows and draws once the catch-up is done — then only the window it ends with, which the list
 * view builds alone (`finalWindowStart`). At most `maxHoldMs` at a time, so a long catch-up still
 * shows progress. Everything else on the page (status, banners, presence) renders as usual; a
 * status other than `connected` ends the hold at once (nothing more is on its way then), and so
 * does a send of the user's own (its optimistic row is drawn at once).
 */
import type { ProjectView } from '../client'

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
      if (!catchingUp(view)) {
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

/** The hub is connected and behind the backend, and the user has no send of their own in the list. */
function catchingUp(view: ProjectView): boolean {
  const { range } = view
  if (!view.live || view.status.status !== 'connected' || !range) return false
  if ((range.latestSeq ?? 0) <= range.highSeq) return false
  // Optimistic messages come last.
  const last = view.messages.at(-1)
  return last === undefined || last.seq !== undefined
}
