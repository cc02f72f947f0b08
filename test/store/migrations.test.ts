import 'fake-indexeddb/auto'
import { expect, onTestFinished, test } from 'vitest'
import { DB_VERSION, databaseName } from '../../src/store'
import {
  freshUserId,
  message,
  openRaw,
  openStore,
  outboxEntry,
  record,
  requestResult,
  seqsOf,
  transactionDone,
} from './fixtures'

/** Writes a database the way version 1 of the app did: messages and projects only. */
async function createVersion1Database(userId: string): Promise<void> {
  const db = await openRaw(databaseName(userId), 1, (created) => {
    created.createObjectStore('messages', { keyPath: ['project_id', 'seq'] })
    created.createObjectStore('projects', { keyPath: 'projectId' })
  }).connection
  const tx = db.transaction(['messages', 'projects'], 'readwrite')
  tx.objectStore('messages').put(message('p', 1))
  tx.objectStore('messages').put(message('p', 2, { client_msg_id: 'c2' }))
  tx.objectStore('projects').put(record('p', 1, 2))
  await transactionDone(tx)
  db.close()
}

/** A raw connection at the current version, closed when the test finishes. */
async function inspect(userId: string): Promise<IDBDatabase> {
  const db = await openRaw(databaseName(userId)).connection
  onTestFinished(() => db.close())
  return db
}

test('opening a version 1 database keeps its messages and project record', async () => {
  const userId = freshUserId()
  await createVersion1Database(userId)

  const store = await openStore(userId)
  const load = await store.loadProject('p', 50)

  expect(load.record).toEqual(record('p', 1, 2))
  expect(load.messages).toEqual([message('p', 1), message('p', 2, { client_msg_id: 'c2' })])
  expect(seqsOf(await store.loadBefore('p', 2, 50))).toEqual([1])
})

test('opening a version 1 database upgrades it to DB_VERSION', async () => {
  const userId = freshUserId()
  await createVersion1Database(userId)

  const store = await openStore(userId)
  store.close()
  const db = await inspect(userId)

  expect(db.version).toBe(DB_VERSION)
  expect([...db.objectStoreNames].sort()).toEqual(['messages', 'outbox', 'projects'])
})

test('an upgraded version 1 database has a working outbox', async () => {
  const userId = freshUserId()
  await createVersion1Database(userId)
  const store = await openStore(userId)

  await store.putOutbox(outboxEntry('late', 20))
  await store.putOutbox(outboxEntry('early', 10))
  await store.deleteOutbox('late')
  await store.putOutbox(outboxEntry('next', 30))

  expect((await store.listOutbox()).map((e) => e.client_msg_id)).toEqual(['early', 'next'])
})

test('an upgraded version 1 database indexes its existing messages by client_msg_id', async () => {
  const userId = freshUserId()
  await createVersion1Database(userId)

  const store = await openStore(userId)
  store.close()
  const messages = (await inspect(userId)).transaction('messages').objectStore('messages')
  const index = messages.index('by_client_msg_id')

  expect([...messages.indexNames]).toEqual(['by_client_msg_id'])
  expect(await requestResult(index.get(['p', 'c2']))).toEqual(message('p', 2, { client_msg_id: 'c2' }))
  // The message without a client_msg_id (null is not a valid key) is left out of the index.
  expect(await requestResult(index.count())).toBe(1)
})

test('a new database is created at DB_VERSION with every store and index', async () => {
  const userId = freshUserId()

  const store = await openStore(userId)
  store.close()
  const db = await inspect(userId)
  const tx = db.transaction(['messages', 'outbox'])

  expect(db.version).toBe(DB_VERSION)
  expect([...db.objectStoreNames].sort()).toEqual(['messages', 'outbox', 'projects'])
  expect([...tx.objectStore('messages').indexNames]).toEqual(['by_client_msg_id'])
  expect([...tx.objectStore('outbox').indexNames]).toEqual(['by_project'])
})
