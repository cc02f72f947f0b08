/**
 * The IndexedDB `ChatStore`: one database per user, one transaction per batch, and a fall back
 * to memory (reported as `degraded`) when the browser refuses a write for lack of quota.
 */
import { deleteDB, type IDBPDatabase, openDB, unwrap } from 'idb'
import type { OutboxEntry } from '../protocol'
import { type ChatStore, type CommitBatch, createMemoryStore } from './chat-store'
import { upgrade } from './migrations'
import { type ChatDB, DB_VERSION, databaseName, type StoredMessage } from './schema'

/** @public Options of `openChatStore`. */
export interface OpenChatStoreOptions {
  userId: string
  /** Told once when the store falls back to memory, and when another version blocks an upgrade. */
  onWarning?: ((warning: { code: 'degraded' | 'blocked'; message: string }) => void) | undefined
}

/** @public Open (creating or upgrading) the user's database. */
export async function openChatStore(options: OpenChatStoreOptions): Promise<ChatStore> {
  const name = databaseName(options.userId)
  const warn = options.onWarning ?? (() => {})
  let db: IDBPDatabase<ChatDB> | undefined
  let opening: Promise<IDBPDatabase<ChatDB>> | undefined
  let memory: ChatStore | undefined
  let closed = false

  const connect = (): Promise<IDBPDatabase<ChatDB>> => {
    if (db) return Promise.resolve(db)
    if (closed) return Promise.reject(new Error('persistent-chat: the store is closed'))
    opening ??= openDB<ChatDB>(name, DB_VERSION, {
      upgrade,
      blocked: () =>
        warn({
          code: 'blocked',
          message: `${name}: an open connection of an older version blocks the upgrade`,
        }),
      // Another context wants to upgrade or delete the database: step aside and reopen lazily,
      // otherwise its request would wait for us forever.
      blocking: () => drop(),
      terminated: () => drop(),
    }).then(
      (opened) => {
        db = opened
        opening = undefined
        return opened
      },
      (error: unknown) => {
        opening = undefined
        throw error
      },
    )
    return opening
  }
  const drop = () => {
    db?.close()
    db = undefined
  }

  /** Runs a write; on a quota failure every later call goes to memory instead. */
  const write = async (toIdb: () => Promise<void>, toMemory: (m: ChatStore) => Promise<void>) => {
    if (memory) return toMemory(memory)
    try {
      await toIdb()
    } catch (error) {
      if (!isQuotaError(error)) throw error
      memory = createMemoryStore()
      warn({ code: 'degraded', message: `${name}: IndexedDB is full; keeping messages in memory only` })
      await toMemory(memory)
    }
  }

  const loadStoredProject = async (projectId: string, limit: number) => {
    const conn = await connect()
    const tx = conn.transaction(['projects', 'messages'])
    const record = await tx.objectStore('projects').get(projectId)
    const messages: StoredMessage[] = []
    if (record && record.highSeq >= record.lowSeq) {
      const range = IDBKeyRange.bound([projectId, record.lowSeq], [projectId, record.highSeq])
      let cursor = await tx.objectStore('messages').openCursor(range, 'prev')
      while (cursor && messages.length < limit) {
        messages.push(cursor.value)
        cursor = await cursor.continue()
      }
      messages.reverse()
    }
    await tx.done
    return { record, messages }
  }

  await connect()

  const store: ChatStore = {
    get degraded() {
      return memory !== undefined
    },

    async loadProject(projectId, limit) {
      const stored = await loadStoredProject(projectId, limit)
      const fromMemory = await memory?.loadProject(projectId, limit)
      if (!fromMemory?.record) return stored
      // Degraded: the range is memory's, its older part may live only in IndexedDB.
      const { record } = fromMemory
      const bySeq = new Map(stored.messages.map((m) => [m.seq, m]))
      for (const m of fromMemory.messages) bySeq.set(m.seq, m)
      const merged = [...bySeq.values()]
        .filter((m) => m.seq >= record.lowSeq && m.seq <= record.highSeq)
        .sort((a, b) => a.seq - b.seq)
      return { record, messages: merged.slice(-limit) }
    },

    async loadBefore(projectId, beforeSeq, limit) {
      const conn = await connect()
      const tx = conn.transaction('messages')
      const range = IDBKeyRange.bound([projectId, 0], [projectId, beforeSeq], false, true)
      const found: StoredMessage[] = []
      let cursor = await tx.store.openCursor(range, 'prev')
      while (cursor && found.length < limit) {
        found.push(cursor.value)
        cursor = await cursor.continue()
      }
      await tx.done
      found.reverse()
      if (!memory) return found
      // Degraded: newer rows may live in memory only.
      const bySeq = new Map(found.map((m) => [m.seq, m]))
      for (const m of await memory.loadBefore(projectId, beforeSeq, limit)) bySeq.set(m.seq, m)
      return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-limit)
    },

    commit(projectId, batch: CommitBatch) {
      return write(
        async () => {
          const conn = await connect()
          const tx = conn.transaction(['messages', 'projects', 'outbox'], 'readwrite')
          // Requests go to the unwrapped stores, with no listener of their own: a catch-up
          // writes 10,000 messages, and idb's promise per request cost a success event, a
          // listener call and a microtask each. A failed request aborts the transaction, and
          // `tx.done` rejects with its error (a quota error surfaces there too).
          const stores = unwrap(tx)
          try {
            const messages = stores.objectStore('messages')
            if (batch.reset) messages.delete(projectRange(projectId))
            for (const message of batch.messages) messages.put(message)
            stores.objectStore('projects').put(batch.record)
            const outbox = stores.objectStore('outbox')
            for (const id of batch.settledOutbox) outbox.delete(id)
          } catch (error) {
            // `put` throws at once for a value it cannot clone or a bad key: undo what was queued.
            tx.abort()
            tx.done.catch(() => {})
            throw error
          }
          await tx.done
        },
        async (m) => {
          await m.commit(projectId, batch)
          // Deletes need no quota: settle the entries that were stored before the disk filled.
          const conn = await connect()
          await Promise.all(batch.settledOutbox.map((id) => conn.delete('outbox', id)))
        },
      )
    },

    async clearProject(projectId) {
      await memory?.clearProject(projectId)
      const conn = await connect()
      const tx = conn.transaction(['messages', 'projects'], 'readwrite')
      await Promise.all([
        tx.objectStore('messages').delete(projectRange(projectId)),
        tx.objectStore('projects').delete(projectId),
        tx.done,
      ])
    },

    async listOutbox() {
      const conn = await connect()
      const stored = await conn.getAllFromIndex('outbox', 'by_project')
      const all = new Map<string, OutboxEntry>(stored.map((e) => [e.client_msg_id, e]))
      for (const entry of (await memory?.listOutbox()) ?? []) all.set(entry.client_msg_id, entry)
      return [...all.values()].sort((a, b) => a.createdAt - b.createdAt)
    },

    putOutbox(entry) {
      return write(
        async () => {
          await (await connect()).put('outbox', entry)
        },
        (m) => m.putOutbox(entry),
      )
    },

    async deleteOutbox(clientMsgId) {
      await memory?.deleteOutbox(clientMsgId)
      await (await connect()).delete('outbox', clientMsgId)
    },

    close() {
      closed = true
      drop()
    },
  }
  return store
}

/** @public Delete a user's database (logout with `clearCache`). Waits for other connections to close. */
export function deleteChatStore(userId: string): Promise<void> {
  return deleteDB(databaseName(userId))
}

function projectRange(projectId: string): IDBKeyRange {
  return IDBKeyRange.bound([projectId, Number.NEGATIVE_INFINITY], [projectId, Number.POSITIVE_INFINITY])
}

function isQuotaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'QuotaExceededError'
}
