/**
 * `Continuity`: a tab re-subscribed at a new hub (a new leader, a restarted SharedWorker) keeps what it shows when the new snapshot
 * continues it; a snapshot with a gap, or any `reset` outside a failover, still replaces the view.
 */
import { expect, test } from 'vitest'
import { createContinuity, MAX_BRIDGE } from '../../../src/client/attach/continuity'
import { applyChanges, EMPTY_VIEW, type ProjectView } from '../../../src/client/message-list'
import type { ChannelBatch, ChannelSnapshot, OutboxEntry, PersistentChatMessage } from '../../../src/protocol'
import { message } from './fake-hubs'

const pending = (id: string, createdAt: number): OutboxEntry => ({
  client_msg_id: id,
  projectId: 'p',
  userId: 'u1',
  text: `draft ${id}`,
  createdAt,
  status: { state: 'pending', attempts: 0 },
})

const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

function reset(messages: number[], outbox: OutboxEntry[] = []): ChannelBatch {
  const snapshot: ChannelSnapshot = {
    projectId: 'p',
    messages: messages.map((seq) => message(seq)),
    outbox,
    status: { status: 'connected' },
    range: messages.length ? { lowSeq: messages[0] ?? 1, highSeq: messages.at(-1) ?? 1 } : null,
    hasOlder: (messages[0] ?? 1) > 1,
  }
  return { projectId: 'p', changes: [{ type: 'reset', snapshot }] }
}

function live(messages: PersistentChatMessage[]): ChannelBatch {
  const range = { lowSeq: 1, highSeq: messages.at(-1)?.seq ?? 0 }
  return { projectId: 'p', changes: [{ type: 'messages', messages, range }] }
}

function feed(batches: Array<[ChannelBatch, boolean]>): ProjectView {
  const continuity = createContinuity()
  let view = EMPTY_VIEW
  for (const [batch, failover] of batches)
    view = applyChanges(view, continuity.apply(batch, failover).changes)
  return view
}

const shown = (view: ProjectView) => view.messages.map((m) => m.seq ?? m.client_msg_id)

test('a failover snapshot that overlaps what the tab holds extends it instead of replacing it', () => {
  const view = feed([
    [reset(seqs(1, 600)), false],
    [live(seqs(601, 800).map((s) => message(s))), false],
    [reset(seqs(401, 900)), true],
  ])

  expect(shown(view)).toEqual(seqs(1, 900))
  expect(view.hasOlder).toBe(false)
})

test('a failover snapshot right after the last held seq appends', () => {
  const view = feed([
    [reset(seqs(1, 10)), false],
    [reset(seqs(11, 20)), true],
  ])

  expect(shown(view)).toEqual(seqs(1, 20))
})

test('a failover snapshot beyond a gap replaces the view, as a reset should', () => {
  const view = feed([
    [reset(seqs(1, 10)), false],
    [reset(seqs(50, 60)), true],
  ])

  expect(shown(view)).toEqual(seqs(50, 60))
  expect(view.hasOlder).toBe(true)
})

test('outside a failover, a reset replaces the view', () => {
  const view = feed([
    [reset(seqs(1, 10)), false],
    [reset(seqs(5, 12)), false],
  ])

  expect(shown(view)).toEqual(seqs(5, 12))
})

test('optimistic messages: sent ones confirmed by the new snapshot vanish once, queued ones stay, discarded ones go', () => {
  const a = pending('client_a', 1)
  const b = pending('client_b', 2)
  const c = pending('client_c', 3)
  const confirmedA = { ...message(11, 'message 11', 'client_a') }
  const snapshot = reset(seqs(1, 10), [b])
  const first = snapshot.changes[0]
  if (first?.type !== 'reset') throw new Error('no reset')
  first.snapshot.messages.push(confirmedA)

  const view = feed([
    [reset(seqs(1, 10), [a, b, c]), false],
    [snapshot, true],
  ])

  expect(shown(view)).toEqual([...seqs(1, 11), 'client_b'])
  expect(view.messages.filter((m) => m.client_msg_id === 'client_a')).toHaveLength(1)
})

test('only the first reset after a failover is continued', () => {
  const continuity = createContinuity()
  continuity.apply(reset(seqs(1, 10)), false)

  const batch = continuity.apply(
    { projectId: 'p', changes: [...reset(seqs(5, 15)).changes, ...reset(seqs(5, 20)).changes] },
    true,
  )

  expect(batch.changes.map((c) => c.type)).toEqual(['messages', 'outbox', 'status', 'reset'])
})

test('a forgotten project starts over: its next failover reset passes unchanged', () => {
  const continuity = createContinuity()
  continuity.apply(reset(seqs(1, 10)), false)
  continuity.forget('p')

  const batch = continuity.apply(reset(seqs(5, 15)), true)

  expect(batch.changes.map((c) => c.type)).toEqual(['reset'])
})

test('a failover snapshot beyond a gap names the gap; with the bridge fetched, it continues the view', () => {
  const continuity = createContinuity()
  let view = applyChanges(EMPTY_VIEW, continuity.apply(reset(seqs(1, 100)), false).changes)
  const snapshot = reset(seqs(401, 900))

  const gap = continuity.gap(snapshot)
  const bridge = seqs(101, 400).map((seq) => message(seq))
  view = applyChanges(view, continuity.apply(snapshot, true, bridge).changes)

  expect(gap).toEqual({ afterSeq: 100, beforeSeq: 401 })
  expect(shown(view)).toEqual(seqs(1, 900))
})

test('a bridge with a hole does not continue the view: the reset replaces it', () => {
  const continuity = createContinuity()
  continuity.apply(reset(seqs(1, 100)), false)
  const bridge = [...seqs(101, 200), ...seqs(202, 400)].map((seq) => message(seq))

  const batch = continuity.apply(reset(seqs(401, 900)), true, bridge)

  expect(batch.changes.map((c) => c.type)).toEqual(['reset'])
})

test('no gap is named when the snapshot continues the view, when the tab holds nothing, or beyond MAX_BRIDGE', () => {
  const continuity = createContinuity()
  expect(continuity.gap(reset(seqs(1, 10)))).toBeUndefined()
  continuity.apply(reset(seqs(1, 10)), false)

  expect(continuity.gap(reset(seqs(5, 20)))).toBeUndefined()
  expect(continuity.gap(reset(seqs(11, 20)))).toBeUndefined()
  expect(continuity.gap(reset(seqs(11 + MAX_BRIDGE, 20 + MAX_BRIDGE)))).toEqual({
    afterSeq: 10,
    beforeSeq: 11 + MAX_BRIDGE,
  })
  expect(continuity.gap(reset(seqs(12 + MAX_BRIDGE, 20 + MAX_BRIDGE)))).toBeUndefined()
})
