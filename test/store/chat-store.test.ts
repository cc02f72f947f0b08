import { expect, test } from 'vitest'
import { type ChatStore, createMemoryStore } from '../../src/store'
import { freshUserId, message, messages, openStore, outboxEntry, record, seqsOf } from './fixtures'

/** Both `ChatStore` implementations must behave the same for the hub. */
const implementations: { name: string; create: () => Promise<ChatStore> }[] = [
  { name: 'memory', create: async () => createMemoryStore() },
  { name: 'IndexedDB', create: () => openStore(freshUserId()) },
]

test.for(implementations)(
  '$name: commit makes messages readable through loadProject in seq order',
  async ({ create }) => {
    const store = await create()

    await store.commit('p', {
      messages: [message('p', 3), message('p', 1), message('p', 2)],
      record: record('p', 1, 3),
      settledOutbox: [],
    })
    const load = await store.loadProject('p', 50)

    expect(seqsOf(load.messages)).toEqual([1, 2, 3])
    expect(load.messages[0]).toEqual(message('p', 1))
    expect(load.record).toEqual(record('p', 1, 3))
  },
)

test.for(implementations)(
  '$name: commit removes the outbox entries named in settledOutbox',
  async ({ create }) => {
    const store = await create()
    await store.putOutbox(outboxEntry('c1', 1))
    await store.putOutbox(outboxEntry('c2', 2))

    await store.commit('p', {
      messages: [message('p', 1, { client_msg_id: 'c1' })],
      record: record('p', 1, 1),
      settledOutbox: ['c1'],
    })

    expect(await store.listOutbox()).toEqual([outboxEntry('c2', 2)])
  },
)

test.for(implementations)(
  '$name: a later commit replaces the record and appends messages',
  async ({ create }) => {
    const store = await create()
    await store.commit('p', { messages: messages('p', 1, 2), record: record('p', 1, 2), settledOutbox: [] })

    await store.commit('p', {
      messages: messages('p', 3, 4),
      record: record('p', 1, 4, 9),
      settledOutbox: [],
    })
    const load = await store.loadProject('p', 50)

    expect(seqsOf(load.messages)).toEqual([1, 2, 3, 4])
    expect(load.record).toEqual(record('p', 1, 4, 9))
  },
)

test.for(implementations)(
  "$name: commit with reset drops the project's older messages but not another project's",
  async ({ create }) => {
    const store = await create()
    await store.commit('p', { messages: messages('p', 1, 5), record: record('p', 1, 5), settledOutbox: [] })
    await store.commit('q', { messages: messages('q', 1, 3), record: record('q', 1, 3), settledOutbox: [] })

    await store.commit('p', {
      reset: true,
      messages: messages('p', 100, 101),
      record: record('p', 100, 101),
      settledOutbox: [],
    })

    expect(seqsOf((await store.loadProject('p', 50)).messages)).toEqual([100, 101])
    expect(await store.loadBefore('p', 100, 50)).toEqual([])
    expect(seqsOf((await store.loadProject('q', 50)).messages)).toEqual([1, 2, 3])
  },
)

test.for(implementations)(
  '$name: loadProject returns the newest limit messages up to highSeq, ascending',
  async ({ create }) => {
    const store = await create()
    await store.commit('p', {
      messages: messages('p', 1, 10),
      record: record('p', 1, 8, 10),
      settledOutbox: [],
    })

    const load = await store.loadProject('p', 3)

    expect(seqsOf(load.messages)).toEqual([6, 7, 8])
  },
)

test.for(implementations)(
  '$name: loadProject of a project never committed has no record and no messages',
  async ({ create }) => {
    const store = await create()
    await store.commit('p', { messages: messages('p', 1, 2), record: record('p', 1, 2), settledOutbox: [] })

    const load = await store.loadProject('other', 50)

    expect(load).toEqual({ record: undefined, messages: [] })
  },
)

test.for(implementations)(
  '$name: loadBefore returns up to limit messages below a seq, ascending',
  async ({ create }) => {
    const store = await create()
    await store.commit('p', { messages: messages('p', 1, 10), record: record('p', 1, 10), settledOutbox: [] })
    await store.commit('q', { messages: messages('q', 1, 10), record: record('q', 1, 10), settledOutbox: [] })

    const page = await store.loadBefore('p', 6, 3)
    const rest = await store.loadBefore('p', 3, 50)

    expect(seqsOf(page)).toEqual([3, 4, 5])
    expect(page.every((m) => m.project_id === 'p')).toBe(true)
    expect(seqsOf(rest)).toEqual([1, 2])
  },
)

test.for(implementations)(
  "$name: clearProject drops one project's messages and record",
  async ({ create }) => {
    const store = await create()
    await store.commit('p', { messages: messages('p', 1, 3), record: record('p', 1, 3), settledOutbox: [] })
    await store.commit('q', { messages: messages('q', 1, 3), record: record('q', 1, 3), settledOutbox: [] })

    await store.clearProject('p')

    expect(await store.loadProject('p', 50)).toEqual({ record: undefined, messages: [] })
    expect(await store.loadBefore('p', 100, 50)).toEqual([])
    expect(seqsOf((await store.loadProject('q', 50)).messages)).toEqual([1, 2, 3])
  },
)

test.for(implementations)(
  '$name: listOutbox returns queued sends of every project, oldest first',
  async ({ create }) => {
    const store = await create()
    await store.putOutbox(outboxEntry('late', 300, 'a'))
    await store.putOutbox(outboxEntry('early', 100, 'b'))
    await store.putOutbox(outboxEntry('middle', 200, 'a'))

    const listed = await store.listOutbox()

    expect(listed.map((e) => e.client_msg_id)).toEqual(['early', 'middle', 'late'])
  },
)

test.for(implementations)(
  '$name: putOutbox with a known client_msg_id replaces that entry',
  async ({ create }) => {
    const store = await create()
    await store.putOutbox(outboxEntry('c1', 1))
    const failed = {
      ...outboxEntry('c1', 1),
      status: { state: 'failed', attempts: 3, code: 422, reason: 'too long' } as const,
    }

    await store.putOutbox(failed)

    expect(await store.listOutbox()).toEqual([failed])
  },
)

test.for(implementations)('$name: deleteOutbox removes only the named send', async ({ create }) => {
  const store = await create()
  await store.putOutbox(outboxEntry('c1', 1))
  await store.putOutbox(outboxEntry('c2', 2))

  await store.deleteOutbox('c1')
  await store.deleteOutbox('never-queued')

  expect(await store.listOutbox()).toEqual([outboxEntry('c2', 2)])
})

test.for(implementations)('$name: a healthy store is not degraded', async ({ create }) => {
  const store = await create()

  await store.commit('p', { messages: messages('p', 1, 1), record: record('p', 1, 1), settledOutbox: [] })

  expect(store.degraded).toBe(false)
})
