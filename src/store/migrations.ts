/**
 * Schema upgrades: one step per version, applied in order, so a database of any older version
 * reaches `DB_VERSION` in one `upgrade` callback.
 */
import type { IDBPDatabase, IDBPTransaction, StoreNames } from 'idb'
import type { ChatDB } from './schema'

/** @internal The `upgrade` callback passed to `openDB`. */
export function upgrade(
  db: IDBPDatabase<ChatDB>,
  oldVersion: number,
  _newVersion: number | null,
  tx: IDBPTransaction<ChatDB, StoreNames<ChatDB>[], 'versionchange'>,
): void {
  if (oldVersion < 1) {
    // Version 1: messages by [project_id, seq] and per-project ranges.
    db.createObjectStore('messages', { keyPath: ['project_id', 'seq'] })
    db.createObjectStore('projects', { keyPath: 'projectId' })
  }
  if (oldVersion < 2) {
    // Version 2: find a project's echo of an optimistic send; the persistent outbox.
    // Rows whose client_msg_id is null are not indexed (null is not a valid key), which keeps it small.
    tx.objectStore('messages').createIndex('by_client_msg_id', ['project_id', 'client_msg_id'])
    const outbox = db.createObjectStore('outbox', { keyPath: 'client_msg_id' })
    outbox.createIndex('by_project', ['projectId', 'createdAt'])
  }
}
