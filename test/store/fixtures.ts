/**
 * Store test fixtures: message, record and outbox builders, a fresh database per test (deleted
 * in teardown), and promise wrappers for raw IndexedDB connections.
 */
import 'fake-indexeddb/auto'
import { onTestFinished } from 'vitest'
import type { OutboxEntry } from '../../src/protocol'
import {
  type ChatStore,
  deleteChatStore,
  type OpenChatStoreOptions,
  openChatStore,
  type ProjectRecord,
  type StoredMessage,
} from '../../src/store'

/** A confirmed message of `projectId` with the given seq. */
export function message(
  projectId: string,
  seq: number,
  overrides: Partial<StoredMessage> = {},
): StoredMessage {
  return {
    id: `${projectId}-m${seq}`,
    seq,
    text: `message ${seq} of ${projectId}`,
    message_type: 'user',
    user_id: 'author',
    project_id: projectId,
    client_msg_id: null,
    created_at: '2024-01-01T00:00:00.000Z',
    updated_at: '2024-01-01T00:00:00.000Z',
    build_id: null,
    response_data: null,
    actor_type: 'client',
    ...overrides,
  }
}

/** Messages `from..to` of `projectId`, ascending. */
export function messages(projectId: string, from: number, to: number): StoredMessage[] {
  return Array.from({ length: to - from + 1 }, (_, i) => message(projectId, from + i))
}

/** A project record covering `lowSeq..highSeq`. */
export function record(
  projectId: string,
  lowSeq: number,
  highSeq: number,
  latestSeq = highSeq,
): ProjectRecord {
  return { projectId, lowSeq, highSeq, latestSeq, updatedAt: 1_700_000_000_000 }
}

/** A pending queued send. */
export function outboxEntry(clientMsgId: string, createdAt: number, projectId = 'project-1'): OutboxEntry {
  return {
    client_msg_id: clientMsgId,
    projectId,
    userId: 'author',
    text: `draft ${clientMsgId}`,
    createdAt,
    status: { state: 'pending', attempts: 0 },
  }
}

export const seqsOf = (list: readonly StoredMessage[]): number[] => list.map((m) => m.seq)

let users = 0

/** A user id no other test uses; its database is deleted when the test finishes. */
export function freshUserId(): string {
  users += 1
  const userId = `user-${users}-${crypto.randomUUID()}`
  onTestFinished(() => deleteChatStore(userId))
  return userId
}

/** `openChatStore`, closed when the test finishes (before its database is deleted). */
export async function openStore(
  userId: string,
  onWarning?: OpenChatStoreOptions['onWarning'],
): Promise<ChatStore> {
  const store = await openChatStore({ userId, onWarning })
  onTestFinished(() => store.close())
  return store
}

/** Resolves with a request's result, rejects with its error. */
export function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

/** Resolves when a transaction commits. */
export function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error)
    tx.onabort = () => reject(tx.error)
  })
}

/** A raw `indexedDB.open`, counting the `blocked` events it sees on the way. */
export function openRaw(
  name: string,
  version?: number,
  onUpgrade?: (db: IDBDatabase, tx: IDBTransaction) => void,
): { connection: Promise<IDBDatabase>; blockedEvents: () => number } {
  const request = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version)
  let blocked = 0
  request.onblocked = () => {
    blocked += 1
  }
  request.onupgradeneeded = () => {
    const tx = request.transaction
    if (onUpgrade && tx) onUpgrade(request.result, tx)
  }
  return { connection: requestResult(request), blockedEvents: () => blocked }
}
