/** The floor pages' IndexedDB: the hub's schema (messages keyed by [project_id, seq], project ranges). */

export interface WireMessage {
  seq: number
  messageId: string
  client_msg_id: string | null
  projectId: string
  userId: string
  content: { text: string; type: string; mode?: string; actor_type: string }
  timestamp: string
  metadata: { build_id: string | null; response_data: Record<string, unknown> | null }
}

/** The seed's mapping, as the hub stores it. */
export function toStored(data: WireMessage) {
  return {
    id: data.messageId,
    seq: data.seq,
    text: data.content.text,
    message_type: data.content.type,
    user_id: data.userId,
    project_id: data.projectId,
    client_msg_id: data.client_msg_id,
    created_at: data.timestamp,
    updated_at: data.timestamp,
    build_id: data.metadata.build_id,
    response_data: data.metadata.response_data,
    mode: data.content.mode,
    actor_type: data.content.actor_type,
  }
}

/** Open (creating) a floor database. */
export function openFloorDb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1)
    request.onupgradeneeded = () => {
      request.result.createObjectStore('messages', { keyPath: ['project_id', 'seq'] })
      request.result.createObjectStore('projects', { keyPath: 'projectId' })
    }
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}
