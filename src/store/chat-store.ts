/**
 * The store interface the hub writes through, and its in-memory implementation (used when
 * IndexedDB is missing or full, and as the hub's fallback after a quota error).
 */
import type { OutboxEntry } from '../protocol'
import type { ProjectRecord, StoredMessage } from './schema'

/** @public One atomic write: a batch of messages, the new range, and outbox entries they settle. */
export interface CommitBatch {
  /** Delete every cached message of the project first (a new window or a backend data reset). */
  reset?: boolean | undefined
  messages: StoredMessage[]
  record: ProjectRecord
  /** `client_msg_id`s whose outbox entries the batch's messages acknowledge. */
  settledOutbox: string[]
}

/** @public What the cache holds for a project. */
export interface ProjectLoad {
  record: ProjectRecord | undefined
  /** The newest `limit` messages up to `record.highSeq`, ascending. */
  messages: StoredMessage[]
}

/** @public Persistence for one user's messages, ranges and outbox. */
export interface ChatStore {
  /** True once a write has failed (e.g. QuotaExceededError) and the store works from memory. */
  readonly degraded: boolean
  loadProject(projectId: string, limit: number): Promise<ProjectLoad>
  /** Up to `limit` messages with `seq < beforeSeq`, ascending. */
  loadBefore(projectId: string, beforeSeq: number, limit: number): Promise<StoredMessage[]>
  commit(projectId: string, batch: CommitBatch): Promise<void>
  /** Drop a project's messages and range. */
  clearProject(projectId: string): Promise<void>
  /** Every queued send, oldest first. */
  listOutbox(): Promise<OutboxEntry[]>
  putOutbox(entry: OutboxEntry): Promise<void>
  deleteOutbox(clientMsgId: string): Promise<void>
  close(): void
}

/** @public A `ChatStore` that keeps everything in memory. */
export function createMemoryStore(): ChatStore {
  const records = new Map<string, ProjectRecord>()
  const messages = new Map<string, Map<number, StoredMessage>>()
  const outbox = new Map<string, OutboxEntry>()

  const sortedOf = (projectId: string): StoredMessage[] =>
    [...(messages.get(projectId)?.values() ?? [])].sort((a, b) => a.seq - b.seq)

  return {
    degraded: false,
    async loadProject(projectId, limit) {
      const record = records.get(projectId)
      const upTo = sortedOf(projectId).filter(
        (m) => record !== undefined && m.seq >= record.lowSeq && m.seq <= record.highSeq,
      )
      return { record, messages: upTo.slice(-limit) }
    },
    async loadBefore(projectId, beforeSeq, limit) {
      return sortedOf(projectId)
        .filter((m) => m.seq < beforeSeq)
        .slice(-limit)
    },
    async commit(projectId, batch) {
      let bucket = messages.get(projectId)
      if (bucket === undefined || batch.reset) {
        bucket = new Map()
        messages.set(projectId, bucket)
      }
      for (const message of batch.messages) bucket.set(message.seq, message)
      records.set(projectId, batch.record)
      for (const id of batch.settledOutbox) outbox.delete(id)
    },
    async clearProject(projectId) {
      messages.delete(projectId)
      records.delete(projectId)
    },
    async listOutbox() {
      return [...outbox.values()].sort((a, b) => a.createdAt - b.createdAt)
    },
    async putOutbox(entry) {
      outbox.set(entry.client_msg_id, entry)
    },
    async deleteOutbox(clientMsgId) {
      outbox.delete(clientMsgId)
    },
    close() {},
  }
}
