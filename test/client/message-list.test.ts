import { expect, test } from 'vitest'
import { applyChanges, EMPTY_VIEW, type ProjectView, prependOlder } from '../../src/client/message-list'
import type { ChannelSnapshot, OutboxEntry, PersistentChatMessage } from '../../src/protocol'

const message = (seq: number, clientMsgId: string | null = null): PersistentChatMessage => ({
  id: `msg_${seq}`,
  seq,
  text: `m ${seq}`,
  message_type: 'user',
  user_id: 'u',
  project_id: 'p',
  client_msg_id: clientMsgId,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  build_id: null,
  response_data: null,
  actor_type: 'client',
})

const queued = (
  id: string,
  createdAt: number,
  state: OutboxEntry['status'] = { state: 'pending', attempts: 0 },
): OutboxEntry => ({
  client_msg_id: id,
  projectId: 'p',
  userId: 'u',
  text: `draft ${id}`,
  createdAt,
  status: state,
})

const snapshot = (messages: PersistentChatMessage[], outbox: OutboxEntry[] = []): ChannelSnapshot => ({
  projectId: 'p',
  messages,
  outbox,
  status: { status: 'connected' },
  range: messages.length ? { lowSeq: messages[0]?.seq ?? 1, highSeq: messages.at(-1)?.seq ?? 0 } : null,
  hasOlder: (messages[0]?.seq ?? 1) > 1,
})

const seqs = (view: ProjectView) => view.messages.map((m) => m.seq ?? `opt:${m.client_msg_id}`)

test('a reset replaces everything the tab held and marks the view live', () => {
  const stale = applyChanges(EMPTY_VIEW, [{ type: 'reset', snapshot: snapshot([message(1), message(2)]) }])

  const view = applyChanges(stale, [{ type: 'reset', snapshot: snapshot([message(5)], [queued('c1', 1)]) }])

  expect(seqs(view)).toEqual([5, 'opt:c1'])
  expect(view.live).toBe(true)
  expect(view.hasOlder).toBe(true)
})

test('new messages are appended in seq order and optimistic ones stay last', () => {
  const start = applyChanges(EMPTY_VIEW, [
    { type: 'reset', snapshot: snapshot([message(1)], [queued('c1', 1)]) },
  ])

  const view = applyChanges(start, [
    { type: 'messages', messages: [message(2), message(3)], range: { lowSeq: 1, highSeq: 3 } },
  ])

  expect(seqs(view)).toEqual([1, 2, 3, 'opt:c1'])
  expect(view.range).toEqual({ lowSeq: 1, highSeq: 3 })
})

test('the echo of an optimistic message replaces it in the same change: it never shows twice', () => {
  const start = applyChanges(EMPTY_VIEW, [
    { type: 'reset', snapshot: snapshot([message(1)], [queued('c1', 1), queued('c2', 2)]) },
  ])

  const view = applyChanges(start, [
    { type: 'messages', messages: [message(2, 'c1')], range: { lowSeq: 1, highSeq: 2 } },
  ])

  expect(seqs(view)).toEqual([1, 2, 'opt:c2'])
  expect(view.outbox.map((e) => e.client_msg_id)).toEqual(['c2'])
})

test('an outbox upsert for a message already confirmed is ignored (a late change cannot resurrect it)', () => {
  const start = applyChanges(EMPTY_VIEW, [{ type: 'reset', snapshot: snapshot([message(1, 'c1')]) }])

  const view = applyChanges(start, [{ type: 'outbox', upsert: [queued('c1', 1)], remove: [] }])

  expect(seqs(view)).toEqual([1])
})

test('a repeated or older seq is dropped and a late one is merged into place', () => {
  const start = applyChanges(EMPTY_VIEW, [{ type: 'reset', snapshot: snapshot([message(1), message(3)]) }])

  const view = applyChanges(start, [
    { type: 'messages', messages: [message(2), message(3)], range: { lowSeq: 1, highSeq: 3 } },
  ])

  expect(seqs(view)).toEqual([1, 2, 3])
})

test('a failed send stays in place with its state; removing it takes it out', () => {
  const start = applyChanges(EMPTY_VIEW, [{ type: 'reset', snapshot: snapshot([], [queued('c1', 1)]) }])
  const failed = queued('c1', 1, { state: 'failed', attempts: 1, code: 413, reason: 'too large' })

  const marked = applyChanges(start, [{ type: 'outbox', upsert: [failed], remove: [] }])
  const discarded = applyChanges(marked, [{ type: 'outbox', upsert: [], remove: ['c1'] }])

  expect(marked.outbox).toEqual([failed])
  expect(seqs(discarded)).toEqual([])
})

test('status changes replace the status only', () => {
  const start = applyChanges(EMPTY_VIEW, [{ type: 'reset', snapshot: snapshot([message(1)]) }])

  const view = applyChanges(start, [{ type: 'status', status: { status: 'rate_limited', retryAt: 42 } }])

  expect(view.status).toEqual({ status: 'rate_limited', retryAt: 42 })
  expect(seqs(view)).toEqual([1])
})

test('a batch keeps what it does not change: the same list for a status, the same outbox for a message nobody queued', () => {
  const draft = queued('c1', 5)
  const start = applyChanges(EMPTY_VIEW, [{ type: 'reset', snapshot: snapshot([message(1)], [draft]) }])

  const status = applyChanges(start, [
    { type: 'status', status: { status: 'reconnecting', attempt: 1, retryAt: 9, reason: 'x' } },
  ])
  const next = applyChanges(status, [
    { type: 'messages', messages: [message(2, 'other')], range: { lowSeq: 1, highSeq: 2 } },
  ])

  // A tab re-renders by identity: an unchanged list or outbox must not look new.
  expect(status.messages).toBe(start.messages)
  expect(status.outbox).toBe(start.outbox)
  expect(next.outbox).toBe(start.outbox)
  expect(seqs(next)).toEqual([1, 2, 'opt:c1'])
  // The confirmed messages keep their objects, so a list renders only what is new.
  expect(next.messages[0]).toBe(start.messages[0])
})

test('older messages are prepended before the confirmed ones, without duplicates', () => {
  const start = applyChanges(EMPTY_VIEW, [
    { type: 'reset', snapshot: snapshot([message(3), message(4)], [queued('c1', 1)]) },
  ])

  const view = prependOlder(start, [message(1), message(2), message(3)], false)

  expect(seqs(view)).toEqual([1, 2, 3, 4, 'opt:c1'])
  expect(view.hasOlder).toBe(false)
})

test('older messages that hold the echo of a send still shown as optimistic replace it: it never shows twice (sim seed 279218651)', () => {
  const start = applyChanges(EMPTY_VIEW, [
    { type: 'reset', snapshot: snapshot([message(3), message(4)], [queued('c1', 1), queued('c2', 2)]) },
  ])

  const view = prependOlder(start, [message(1), message(2, 'c1')], false)

  expect(seqs(view)).toEqual([1, 2, 3, 4, 'opt:c2'])
  expect(view.outbox.map((e) => e.client_msg_id)).toEqual(['c2'])
})

test('a scrollback answer that arrives after a new window is dropped: two windows are never joined (sim seed 236)', () => {
  const asked = applyChanges(EMPTY_VIEW, [
    { type: 'reset', snapshot: snapshot([message(654), message(655)], []) },
  ])
  // Before the answer to "older than 654" comes back, the hub starts a new window.
  const moved = applyChanges(asked, [{ type: 'reset', snapshot: snapshot([message(758), message(759)], []) }])

  const view = prependOlder(moved, [message(652), message(653)], true, 654)

  expect(seqs(view)).toEqual([758, 759])
})

test('older messages that do not end right below the first one shown are not prepended', () => {
  const start = applyChanges(EMPTY_VIEW, [
    { type: 'reset', snapshot: snapshot([message(10), message(11)], []) },
  ])
  expect(seqs(prependOlder(start, [message(5), message(6)], true, 10))).toEqual([10, 11])
  expect(seqs(prependOlder(start, [message(8), message(9)], true, 10))).toEqual([8, 9, 10, 11])
})
