import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, expect, test } from 'vitest'
import { type NewMessage, openMessageStore } from '../../../src/server/backend/store'

const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function message(projectId: string, text: string, clientMsgId: string | null = null): NewMessage {
  return {
    projectId,
    userId: 'user_a',
    clientMsgId,
    content: { text, type: 'user', mode: 'build', actor_type: 'client' },
    metadata: { build_id: null, response_data: null },
  }
}

test('seq is contiguous per project, from 1', () => {
  const store = openMessageStore(':memory:')

  const seqs = ['a', 'b', 'a', 'a', 'b'].map((projectId) => store.append(message(projectId, 'x')).message.seq)

  expect(seqs).toEqual([1, 1, 2, 3, 2])
  expect(store.latestSeq('a')).toBe(3)
  expect(store.latestSeq('none')).toBe(0)
  store.close()
})

test('a repeated client_msg_id returns the original and stores nothing', () => {
  const store = openMessageStore(':memory:')
  const original = store.append(message('a', 'first', 'c1'))

  const repeat = store.append(message('a', 'second', 'c1'))
  const unrelated = store.append(message('a', 'no id'))
  const alsoUnrelated = store.append(message('a', 'no id either'))

  expect(original.duplicate).toBe(false)
  expect(repeat).toEqual({ message: original.message, duplicate: true })
  expect([unrelated.message.seq, alsoUnrelated.message.seq]).toEqual([2, 3])
  store.close()
})

test('counts and pages are bounded and ascending', () => {
  const store = openMessageStore(':memory:')
  for (let i = 0; i < 10; i++) store.append(message('a', `m${i + 1}`))

  const after = store.pageAfter('a', 3, 4)
  const between = store.pageAfter('a', 3, 10, 6)
  const before = store.pageBefore('a', 5, 10)
  const latest = store.pageBefore('a', undefined, 3)

  expect(store.countAfter('a', 3)).toBe(7)
  expect(store.countAfter('a', 10)).toBe(0)
  expect(after.messages.map((m) => m.seq)).toEqual([4, 5, 6, 7])
  expect(after.hasMore).toBe(true)
  expect(between.messages.map((m) => m.seq)).toEqual([4, 5])
  expect(between.hasMore).toBe(false)
  expect(before.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4])
  expect(before.hasMore).toBe(false)
  expect(latest.messages.map((m) => m.content.text)).toEqual(['m8', 'm9', 'm10'])
  expect(latest.hasMore).toBe(true)
  store.close()
})

test('a file store creates its folder, uses WAL and survives reopening', () => {
  const folder = mkdtempSync(join(tmpdir(), 'backend-store-'))
  folders.push(folder)
  const path = join(folder, 'nested', 'deeper', 'chat.sqlite')

  const store = openMessageStore(path)
  store.append(message('a', 'kept', 'c1'))
  store.close()
  const reopened = openMessageStore(path)
  const again = reopened.append(message('a', 'kept?', 'c1'))
  const next = reopened.append(message('a', 'next'))
  reopened.close()

  expect(again.duplicate).toBe(true)
  expect(again.message.content.text).toBe('kept')
  expect(next.message.seq).toBe(2)
  const raw = new Database(path, { readonly: true })
  expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
  raw.close()
})
