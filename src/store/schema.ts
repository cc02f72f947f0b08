/**
 * The IndexedDB schema: one database per user, as a type (idb's `DBSchema`).
 */
import type { DBSchema } from 'idb'
import type { OutboxEntry, PersistentChatMessage, SeqRange } from '../protocol'

/** @public Bumped with every schema change; `migrations.ts` upgrades from each older version. */
export const DB_VERSION = 2

/** @public The database of one user. Logging out deletes it. */
export function databaseName(userId: string): string {
  return `persistent-chat:${userId}`
}

/** @public A confirmed message as stored: `seq` is always present. */
export type StoredMessage = PersistentChatMessage & { seq: number }

/** @public What the cache knows about one project. */
export interface ProjectRecord extends SeqRange {
  projectId: string
  /** The newest seq the backend reported (may exceed `highSeq` while a gap is being filled). */
  latestSeq: number
  updatedAt: number
}

/** @public Schema of version `DB_VERSION`. */
export interface ChatDB extends DBSchema {
  /** Keyed by `[project_id, seq]`, so a project's messages are one ordered key range. */
  messages: {
    key: [string, number]
    value: StoredMessage
    indexes: { by_client_msg_id: [string, string] }
  }
  projects: { key: string; value: ProjectRecord }
  /** Keyed by `client_msg_id`. */
  outbox: { key: string; value: OutboxEntry; indexes: { by_project: [string, number] } }
}
