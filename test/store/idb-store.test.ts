import 'fake-indexeddb/auto'
import { expect, onTestFinished, test, vi } from 'vitest'
import { DB_VERSION, databaseName, deleteChatStore, openChatStore } from '../../src/store'
import {
  freshUserId,
  message,
  messages,
  openRaw,
  openStore,
  outboxEntry,
  record,
  requestResult,
  seqsOf,
} from './fixtures'

const databaseNames = async () => (await indexedDB.databases()).map((info) => info.name)

test('each user gets a database whose name includes the user id', async () => {
  const userId = freshUserId()

  await openStore(userId)

  expect(databaseName(userId)).toContain(userId)
  expect(databaseName(userId)).not.toBe(databaseName(`${userId}-other`))
  expect(await databaseNames()).toContain(databaseName(userId))
})

test('what one user commits is invisible to a store opened for another user', async () => {
  const alice = await openStore(freshUserId())
  const bob = await openStore(freshUserId())

  await alice.commit('p', { messages: messages('p', 1, 3), record: record('p', 1, 3), settledOutbox: [] })
  await alice.putOutbox(outboxEntry('c1', 1))

  expect(await bob.loadProject('p', 50)).toEqual({ record: undefined, messages: [] })
  expect(await bob.loadBefore('p', 100, 50)).toEqual([])
  expect(await bob.listOutbox()).toEqual([])
})

test("deleteChatStore removes that user's data and leaves another user's", async () => {
  const aliceId = freshUserId()
  const bobId = freshUserId()
  const alice = await openStore(aliceId)
  const bob = await openStore(bobId)
  await alice.commit('p', { messages: messages('p', 1, 3), record: record('p', 1, 3), settledOutbox: [] })
  await alice.putOutbox(outboxEntry('a1', 1))
  await bob.commit('p', { messages: messages('p', 1, 2), record: record('p', 1, 2), settledOutbox: [] })
  await bob.putOutbox(outboxEntry('b1', 1))
  alice.close()

  await deleteChatStore(aliceId)

  expect(await databaseNames()).not.toContain(databaseName(aliceId))
  const aliceAgain = await openStore(aliceId)
  expect(await aliceAgain.loadProject('p', 50)).toEqual({ record: undefined, messages: [] })
  expect(await aliceAgain.listOutbox()).toEqual([])
  expect(seqsOf((await bob.loadProject('p', 50)).messages)).toEqual([1, 2])
  expect(await bob.listOutbox()).toEqual([outboxEntry('b1', 1)])
})

test('committed messages, records and the outbox survive closing and reopening the store', async () => {
  const userId = freshUserId()
  const first = await openStore(userId)
  await first.commit('p', { messages: messages('p', 1, 3), record: record('p', 1, 3), settledOutbox: [] })
  await first.putOutbox(outboxEntry('c2', 20))
  await first.putOutbox(outboxEntry('c1', 10))
  first.close()

  const reopened = await openStore(userId)

  expect(await reopened.loadProject('p', 50)).toEqual({
    record: record('p', 1, 3),
    messages: messages('p', 1, 3),
  })
  expect((await reopened.listOutbox()).map((e) => e.client_msg_id)).toEqual(['c1', 'c2'])
})

test('a deleted outbox entry stays deleted after reopening the store', async () => {
  const userId = freshUserId()
  const first = await openStore(userId)
  await first.putOutbox(outboxEntry('c1', 1))
  await first.putOutbox(outboxEntry('c2', 2))
  await first.deleteOutbox('c1')
  first.close()

  const reopened = await openStore(userId)

  expect(await reopened.listOutbox()).toEqual([outboxEntry('c2', 2)])
})

test('a settled outbox entry stays gone after reopening the store', async () => {
  const userId = freshUserId()
  const first = await openStore(userId)
  await first.putOutbox(outboxEntry('c1', 1))
  await first.commit('p', {
    messages: [message('p', 1, { client_msg_id: 'c1' })],
    record: record('p', 1, 1),
    settledOutbox: ['c1'],
  })
  first.close()

  const reopened = await openStore(userId)

  expect(await reopened.listOutbox()).toEqual([])
  expect((await reopened.loadProject('p', 50)).messages).toEqual([message('p', 1, { client_msg_id: 'c1' })])
})

test('a closed store refuses further calls instead of reopening the database', async () => {
  const store = await openStore(freshUserId())

  store.close()

  await expect(store.loadProject('p', 50)).rejects.toThrow(/closed/)
  await expect(store.listOutbox()).rejects.toThrow(/closed/)
})

test('an open store steps aside when another connection upgrades the database', async () => {
  const userId = freshUserId()
  const store = await openStore(userId)
  await store.commit('p', { messages: messages('p', 1, 3), record: record('p', 1, 3), settledOutbox: [] })

  const upgrade = openRaw(databaseName(userId), DB_VERSION + 1)
  const newer = await upgrade.connection
  onTestFinished(() => newer.close())

  expect(upgrade.blockedEvents()).toBe(0)
  expect(newer.version).toBe(DB_VERSION + 1)
  expect(await requestResult(newer.transaction('messages').objectStore('messages').count())).toBe(3)
})

test('after a newer version took over, the old store reports a VersionError instead of hanging', async () => {
  const userId = freshUserId()
  const store = await openStore(userId)
  const newer = await openRaw(databaseName(userId), DB_VERSION + 1).connection
  newer.close()

  const load = store.loadProject('p', 50)

  await expect(load).rejects.toMatchObject({ name: 'VersionError' })
})

test('deleteChatStore resolves while a store of that user is open, and the store then starts empty', async () => {
  const userId = freshUserId()
  const store = await openStore(userId)
  await store.commit('p', { messages: messages('p', 1, 3), record: record('p', 1, 3), settledOutbox: [] })
  await store.putOutbox(outboxEntry('c1', 1))

  await deleteChatStore(userId)

  expect(await store.loadProject('p', 50)).toEqual({ record: undefined, messages: [] })
  expect(await store.listOutbox()).toEqual([])
  await store.commit('p', { messages: messages('p', 7, 7), record: record('p', 7, 7), settledOutbox: [] })
  expect(seqsOf((await store.loadProject('p', 50)).messages)).toEqual([7])
})

test('openChatStore warns "blocked" while an older connection holds the database, then opens once it closes', async () => {
  const userId = freshUserId()
  const old = await openRaw(databaseName(userId), 1, (db) => {
    db.createObjectStore('messages', { keyPath: ['project_id', 'seq'] })
    db.createObjectStore('projects', { keyPath: 'projectId' })
  }).connection
  // The old connection ignores versionchange, like a tab running an old build.
  const onWarning = vi.fn(() => old.close())

  const store = await openChatStore({ userId, onWarning })
  onTestFinished(() => store.close())

  expect(onWarning).toHaveBeenCalledExactlyOnceWith({ code: 'blocked', message: expect.any(String) })
  expect(store.degraded).toBe(false)
  await store.putOutbox(outboxEntry('c1', 1))
  expect(await store.listOutbox()).toEqual([outboxEntry('c1', 1)])
})

test('a commit whose messages the database rejects writes nothing', async () => {
  const store = await openStore(freshUserId())
  await store.putOutbox(outboxEntry('c1', 1))
  await store.commit('p', { messages: messages('p', 1, 2), record: record('p', 1, 2), settledOutbox: [] })
  const unstorable = message('p', 4, { response_data: { callback: () => {} } })

  await expect(
    store.commit('p', {
      messages: [message('p', 3), unstorable],
      record: record('p', 1, 4),
      settledOutbox: ['c1'],
    }),
  ).rejects.toThrow()

  expect(await store.loadBefore('p', 100, 50)).toEqual(messages('p', 1, 2))
  expect((await store.loadProject('p', 50)).record).toEqual(record('p', 1, 2))
  expect(await store.listOutbox()).toEqual([outboxEntry('c1', 1)])
})

test('a commit whose transaction fails after its writes were queued rejects and writes nothing', async () => {
  const store = await openStore(freshUserId())
  await store.commit('p', { messages: messages('p', 1, 2), record: record('p', 1, 2), settledOutbox: [] })
  // As a disk error does: the requests were accepted, then the transaction aborts.
  const original = IDBObjectStore.prototype.put
  const failing = new WeakSet<IDBTransaction>()
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    const request = original.apply(this, args)
    const { transaction } = this
    if (!failing.has(transaction)) {
      failing.add(transaction)
      queueMicrotask(() => transaction.abort())
    }
    return request
  }
  onTestFinished(() => {
    IDBObjectStore.prototype.put = original
  })

  await expect(
    store.commit('p', { messages: messages('p', 3, 4), record: record('p', 1, 4), settledOutbox: [] }),
  ).rejects.toThrow()

  IDBObjectStore.prototype.put = original
  expect(await store.loadBefore('p', 100, 50)).toEqual(messages('p', 1, 2))
  expect((await store.loadProject('p', 50)).record).toEqual(record('p', 1, 2))
})
