import 'fake-indexeddb/auto'
import { expect, type Mock, onTestFinished, test, vi } from 'vitest'
import type { ChatStore, OpenChatStoreOptions } from '../../src/store'
import { freshUserId, message, messages, openStore, outboxEntry, record, seqsOf } from './fixtures'

type Warning = Parameters<NonNullable<OpenChatStoreOptions['onWarning']>>[0]

/**
 * Makes every IndexedDB `put` throw a DOMException with `name` until the returned function (or
 * the end of the test) restores it. Deletes keep working, as they do on a full disk.
 */
function failPutsWith(name: string): () => void {
  const original = IDBObjectStore.prototype.put
  IDBObjectStore.prototype.put = () => {
    throw new DOMException('simulated write failure', name)
  }
  const restore = () => {
    IDBObjectStore.prototype.put = original
  }
  onTestFinished(restore)
  return restore
}

/** A store of a fresh user whose warnings are recorded. */
async function openWatchedStore(): Promise<{
  store: ChatStore
  onWarning: Mock<(warning: Warning) => void>
}> {
  const onWarning = vi.fn<(warning: Warning) => void>()
  const store = await openStore(freshUserId(), onWarning)
  return { store, onWarning }
}

test('a QuotaExceededError on commit degrades the store and warns once with code "degraded"', async () => {
  const { store, onWarning } = await openWatchedStore()
  failPutsWith('QuotaExceededError')

  await store.commit('p', { messages: messages('p', 1, 2), record: record('p', 1, 2), settledOutbox: [] })
  await store.commit('p', { messages: messages('p', 3, 4), record: record('p', 1, 4), settledOutbox: [] })
  await store.putOutbox(outboxEntry('c1', 1))

  expect(store.degraded).toBe(true)
  expect(onWarning).toHaveBeenCalledExactlyOnceWith({ code: 'degraded', message: expect.any(String) })
})

test('a QuotaExceededError on putOutbox degrades the store and keeps the entry', async () => {
  const { store, onWarning } = await openWatchedStore()
  failPutsWith('QuotaExceededError')

  await store.putOutbox(outboxEntry('c1', 1))

  expect(store.degraded).toBe(true)
  expect(onWarning).toHaveBeenCalledOnce()
  expect(await store.listOutbox()).toEqual([outboxEntry('c1', 1)])
})

test('after degrading, committed messages stay readable through loadProject and loadBefore', async () => {
  const { store } = await openWatchedStore()
  failPutsWith('QuotaExceededError')

  await store.commit('p', { messages: messages('p', 1, 3), record: record('p', 1, 3), settledOutbox: [] })
  await store.commit('p', { messages: messages('p', 4, 6), record: record('p', 1, 6), settledOutbox: [] })

  expect(await store.loadProject('p', 4)).toEqual({
    record: record('p', 1, 6),
    messages: messages('p', 3, 6),
  })
  expect(seqsOf(await store.loadBefore('p', 4, 50))).toEqual([1, 2, 3])
})

test('after degrading, the store keeps working from memory once IndexedDB would accept writes again', async () => {
  const { store } = await openWatchedStore()
  const restore = failPutsWith('QuotaExceededError')
  await store.commit('p', { messages: messages('p', 1, 2), record: record('p', 1, 2), settledOutbox: [] })
  restore()

  await store.commit('p', { messages: messages('p', 3, 3), record: record('p', 1, 3), settledOutbox: [] })

  expect(store.degraded).toBe(true)
  expect(seqsOf((await store.loadProject('p', 50)).messages)).toEqual([1, 2, 3])
})

test('after degrading, the outbox keeps queueing, listing oldest first and deleting', async () => {
  const { store } = await openWatchedStore()
  failPutsWith('QuotaExceededError')
  await store.commit('p', { messages: messages('p', 1, 1), record: record('p', 1, 1), settledOutbox: [] })

  await store.putOutbox(outboxEntry('late', 20))
  await store.putOutbox(outboxEntry('early', 10))
  await store.putOutbox(outboxEntry('gone', 15))
  await store.deleteOutbox('gone')

  expect((await store.listOutbox()).map((e) => e.client_msg_id)).toEqual(['early', 'late'])
})

test('after degrading, a commit settles outbox entries queued in memory', async () => {
  const { store } = await openWatchedStore()
  failPutsWith('QuotaExceededError')
  await store.putOutbox(outboxEntry('c1', 1))
  await store.putOutbox(outboxEntry('c2', 2))

  await store.commit('p', {
    messages: [message('p', 1, { client_msg_id: 'c1' })],
    record: record('p', 1, 1),
    settledOutbox: ['c1'],
  })

  expect(await store.listOutbox()).toEqual([outboxEntry('c2', 2)])
})

test('a degraded store still lists the outbox entries IndexedDB held before the quota error', async () => {
  const { store } = await openWatchedStore()
  await store.putOutbox(outboxEntry('stored', 1))
  failPutsWith('QuotaExceededError')

  await store.putOutbox(outboxEntry('in-memory', 2))

  expect((await store.listOutbox()).map((e) => e.client_msg_id)).toEqual(['stored', 'in-memory'])
})

test('a degraded store still loads projects that were cached before the quota error', async () => {
  const { store } = await openWatchedStore()
  await store.commit('cached', {
    messages: messages('cached', 1, 3),
    record: record('cached', 1, 3),
    settledOutbox: [],
  })
  failPutsWith('QuotaExceededError')

  await store.commit('p', { messages: messages('p', 1, 1), record: record('p', 1, 1), settledOutbox: [] })

  expect(store.degraded).toBe(true)
  expect(await store.loadProject('cached', 50)).toEqual({
    record: record('cached', 1, 3),
    messages: messages('cached', 1, 3),
  })
})

test('a degraded store deletes outbox entries that IndexedDB held before the quota error', async () => {
  const { store } = await openWatchedStore()
  await store.putOutbox(outboxEntry('c1', 1))
  failPutsWith('QuotaExceededError')
  await store.putOutbox(outboxEntry('c2', 2))

  await store.deleteOutbox('c1')

  expect(await store.listOutbox()).toEqual([outboxEntry('c2', 2)])
})

test('a write error other than QuotaExceededError reaches the caller and does not degrade the store', async () => {
  const { store, onWarning } = await openWatchedStore()
  failPutsWith('UnknownError')

  const commit = store.commit('p', {
    messages: messages('p', 1, 1),
    record: record('p', 1, 1),
    settledOutbox: [],
  })

  await expect(commit).rejects.toMatchObject({ name: 'UnknownError' })
  expect(store.degraded).toBe(false)
  expect(onWarning).not.toHaveBeenCalled()
})

test('a degraded store keeps showing messages cached before the quota error', async () => {
  const { store } = await openWatchedStore()
  await store.commit('p', { messages: messages('p', 1, 3), record: record('p', 1, 3), settledOutbox: [] })
  failPutsWith('QuotaExceededError')

  await store.commit('p', { messages: messages('p', 4, 5), record: record('p', 1, 5), settledOutbox: [] })

  expect(seqsOf((await store.loadProject('p', 50)).messages)).toEqual([1, 2, 3, 4, 5])
})

test('a commit after degrading settles outbox entries stored in IndexedDB', async () => {
  const { store } = await openWatchedStore()
  await store.putOutbox(outboxEntry('c1', 1))
  failPutsWith('QuotaExceededError')

  await store.commit('p', {
    messages: [message('p', 1, { client_msg_id: 'c1' })],
    record: record('p', 1, 1),
    settledOutbox: ['c1'],
  })

  expect(await store.listOutbox()).toEqual([])
})
