import { afterEach, expect, test, vi } from 'vitest'
import { createCatchUpHold } from '../../src/app/catch-up-hold'
import { MAX_ROWS } from '../../src/app/message-list-view'
import type { PersistentChatMessage, ProjectView } from '../../src/client'
import { EMPTY_VIEW } from '../../src/client/message-list'

afterEach(() => {
  vi.useRealTimers()
})

/** A live view holding seqs `from…to`, the hub told `latestSeq` (undefined once caught up). */
function viewOf(
  from: number,
  to: number,
  latestSeq?: number,
  status: ProjectView['status'] = { status: 'connected' },
): ProjectView {
  const messages = Array.from(
    { length: to - from + 1 },
    (_, i) => ({ seq: from + i }) as PersistentChatMessage,
  )
  return {
    ...EMPTY_VIEW,
    live: true,
    status,
    messages,
    range: { lowSeq: from, highSeq: to, ...(latestSeq === undefined ? {} : { latestSeq }) },
  }
}

const latest = 2 * MAX_ROWS + 100

test('catching up past the window: the list waits while every row it would build is pushed out later, then draws', () => {
  const hold = createCatchUpHold({ wake: () => {}, now: () => 0 })
  // The list fits the window still: drawing now builds rows the last pages push out.
  expect(hold.holds(viewOf(1, 3_000, latest))).toBe(true)
  // It holds more than the window, but none of the final window has arrived yet.
  expect(hold.holds(viewOf(1, MAX_ROWS + 50, latest))).toBe(true)
  // The first message of the window the catch-up ends with is here: draw (from there on).
  expect(hold.holds(viewOf(1, latest - MAX_ROWS + 1, latest))).toBe(false)
  expect(hold.holds(viewOf(1, latest))).toBe(false)
})

test('no hold when it fits the window, when caught up, or when no more is on its way', () => {
  const hold = createCatchUpHold({ wake: () => {}, now: () => 0 })
  expect(hold.holds(viewOf(1, 100, MAX_ROWS))).toBe(false)
  expect(hold.holds(viewOf(1, 100))).toBe(false)
  for (const status of [
    { status: 'reconnecting', attempt: 1, retryAt: 0, reason: 'network' },
    { status: 'offline' },
    { status: 'disconnected' },
  ] as const)
    expect(hold.holds(viewOf(1, 100, latest, status))).toBe(false)
  expect(hold.holds({ ...viewOf(1, 100, latest), live: false })).toBe(false)
})

test('a long catch-up still shows progress: after maxHoldMs one render goes through and wake is called for it', () => {
  vi.useFakeTimers()
  let clock = 0
  const wake = vi.fn()
  const hold = createCatchUpHold({ wake, maxHoldMs: 1_000, now: () => clock })
  const behind = viewOf(1, 3_000, latest)

  expect(hold.holds(behind)).toBe(true)
  clock = 600
  expect(hold.holds(behind)).toBe(true)
  expect(wake).not.toHaveBeenCalled()
  // No new batch comes: the timer wakes the page so the list is drawn.
  clock = 1_000
  vi.advanceTimersByTime(1_000)
  expect(wake).toHaveBeenCalledOnce()
  expect(hold.holds(behind)).toBe(false)
  // Then it holds again for the next maxHoldMs.
  clock = 1_200
  expect(hold.holds(behind)).toBe(true)
})
