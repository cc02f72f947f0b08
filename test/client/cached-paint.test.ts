import 'fake-indexeddb/auto'
import { expect, test } from 'vitest'
import { paintFromCache, readCachedMessages } from '../../src/client/cached-paint'
import type { PersistentChatMessage } from '../../src/protocol'
import { databaseName, deleteChatStore, openChatStore } from '../../src/store'
import { freshUserId, messages, openRaw, openStore, record } from '../store/fixtures'

/** What `paintFromCache` paints, or `undefined` when it paints nothing. */
async function painted(userId: string, projectId: string, limit: number) {
  let shown: readonly PersistentChatMessage[] | undefined
  await paintFromCache(userId, projectId, limit, (list) => {
    shown = list
  })
  return shown
}

const databaseNames = async () => (await indexedDB.databases()).map((info) => info.name)

test('the newest messages the hub stored are painted in seq order, as many as asked', async () => {
  const userId = freshUserId()
  const store = await openStore(userId)
  await store.commit('p', {
    messages: messages('p', 11, 400),
    record: record('p', 11, 400),
    settledOutbox: [],
  })
  await store.commit('q', { messages: messages('q', 1, 3), record: record('q', 1, 3), settledOutbox: [] })

  const newest = await painted(userId, 'p', 50)
  const few = await painted(userId, 'q', 50)

  expect(newest?.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 351 + i))
  expect(newest?.[0]).toEqual(messages('p', 351, 351)[0])
  expect(few?.map((m) => m.seq)).toEqual([1, 2, 3])
})

test('a project the cache does not hold, or an empty range, paints nothing', async () => {
  const userId = freshUserId()
  const store = await openStore(userId)
  await store.commit('empty', { messages: [], record: record('empty', 5, 4), settledOutbox: [] })

  expect(await painted(userId, 'unknown', 50)).toBeUndefined()
  expect(await painted(userId, 'empty', 50)).toBeUndefined()
})

test('a user without a database paints nothing and gets none created', async () => {
  const userId = freshUserId()

  expect(await painted(userId, 'p', 50)).toBeUndefined()

  expect(await databaseNames()).not.toContain(databaseName(userId))
})

test('a database of an older schema is left for the hub to upgrade', async () => {
  const userId = freshUserId()
  const old = await openRaw(databaseName(userId), 1, (db) => {
    db.createObjectStore('messages', { keyPath: ['project_id', 'seq'] })
    db.createObjectStore('projects', { keyPath: 'projectId' })
  }).connection
  old.close()

  expect(await painted(userId, 'p', 50)).toBeUndefined()

  const info = (await indexedDB.databases()).find((d) => d.name === databaseName(userId))
  expect(info?.version).toBe(1)
  const store = await openChatStore({ userId })
  expect(await store.loadProject('p', 10)).toEqual({ record: undefined, messages: [] })
  store.close()
})

test('the paint never holds the database open: a logout can delete it right after', async () => {
  const userId = freshUserId()
  const store = await openStore(userId)
  await store.commit('p', { messages: messages('p', 1, 5), record: record('p', 1, 5), settledOutbox: [] })
  store.close()

  expect((await painted(userId, 'p', 50))?.length).toBe(5)
  await deleteChatStore(userId)

  expect(await databaseNames()).not.toContain(databaseName(userId))
})

test('a limit of 0 paints nothing', async () => {
  const userId = freshUserId()
  const store = await openStore(userId)
  await store.commit('p', { messages: messages('p', 1, 5), record: record('p', 1, 5), settledOutbox: [] })

  expect(await painted(userId, 'p', 0)).toBeUndefined()
})

test('the read alone (what the first paint starts before the page is parsed) answers the same rows, and none where nothing would paint', async () => {
  const userId = freshUserId()
  const store = await openStore(userId)
  await store.commit('p', { messages: messages('p', 1, 80), record: record('p', 1, 80), settledOutbox: [] })
  store.close()

  const read = await readCachedMessages(userId, 'p', 50)

  expect(read).toEqual(await painted(userId, 'p', 50))
  expect(read.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 31 + i))
  expect(await readCachedMessages(userId, 'unknown', 50)).toEqual([])
  expect(await readCachedMessages(freshUserId(), 'p', 50)).toEqual([])
  expect(await readCachedMessages(userId, 'p', 0)).toEqual([])
})

test('rows the store holds beyond the project’s range are not painted: the newest of the range are', async () => {
  const userId = freshUserId()
  const store = await openStore(userId)
  // Rows 61–80 lie above the range the record vouches for (1–60).
  await store.commit('p', { messages: messages('p', 1, 80), record: record('p', 1, 60), settledOutbox: [] })
  store.close()

  const read = await readCachedMessages(userId, 'p', 50)

  expect(read.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 11 + i))
})

test('the read counts from the end where getAll can, and reads by range where it cannot: the same rows', async () => {
  const userId = freshUserId()
  const store = await openStore(userId)
  await store.commit('p', { messages: messages('p', 5, 120), record: record('p', 5, 120), settledOutbox: [] })
  store.close()
  expect('getAllRecords' in IDBObjectStore.prototype).toBe(true)

  const counted = await readCachedMessages(userId, 'p', 30)
  const descriptor = Object.getOwnPropertyDescriptor(IDBObjectStore.prototype, 'getAllRecords')
  Reflect.deleteProperty(IDBObjectStore.prototype, 'getAllRecords')
  expect('getAllRecords' in IDBObjectStore.prototype).toBe(false)
  let ranged: readonly PersistentChatMessage[]
  try {
    ranged = await readCachedMessages(userId, 'p', 30)
  } finally {
    if (descriptor) Object.defineProperty(IDBObjectStore.prototype, 'getAllRecords', descriptor)
  }

  expect(counted.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 91 + i))
  expect(ranged).toEqual(counted)
})
