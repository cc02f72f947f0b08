import { afterEach, expect, test, vi } from 'vitest'
import { createCatchUpHold } from '../../src/app/catch-up-hold'
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

const latest = 10_100

test('catching up: the list waits while the hub is behind, then draws once it has caught up', () => {
  const hold = createCatchUpHold({ wake: () => {}, now: () => 0 })

  expect(hold.holds(viewOf(1, 300, latest))).toBe(true)
  expect(hold.holds(viewOf(1, 9_000, latest))).toBe(true)
  expect(hold.holds(viewOf(1, latest - 1, latest))).toBe(true)
  // Caught up: the hub sends no latestSeq (or one not above highSeq).
  expect(hold.holds(viewOf(1, latest, latest))).toBe(false)
  expect(hold.holds(viewOf(1, latest))).toBe(false)
})

test('an empty list waits for the catch-up too', () => {
  const hold = createCatchUpHold({ wake: () => {}, now: () => 0 })
  const empty = { ...viewOf(1, 1, latest), messages: [] }

  expect(hold.holds(empty)).toBe(true)
})

test('no hold when caught up, when no more is on its way, or when the user has a send in the list', () => {
  const hold = createCatchUpHold({ wake: () => {}, now: () => 0 })
  const behind = viewOf(1, 100, latest)
  const optimistic = { id: 'client_1', client_msg_id: 'client_1', text: 'mine' } as PersistentChatMessage

  expect(hold.holds(viewOf(1, 100))).toBe(false)
  for (const status of [
    { status: 'reconnecting', attempt: 1, retryAt: 0, reason: 'network' },
    { status: 'offline' },
    { status: 'disconnected' },
  ] as const)
    expect(hold.holds(viewOf(1, 100, latest, status))).toBe(false)
  expect(hold.holds({ ...behind, live: false })).toBe(false)
  expect(hold.holds({ ...behind, messages: [...behind.messages, optimistic] })).toBe(false)
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
