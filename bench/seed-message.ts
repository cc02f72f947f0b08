/**
 * The wire `MessageData` as the bench pages read it, and the seed's `transformBackendMessage`:
 * shared by the baseline and the floor pages, written independently of `src/` so that neither
 * measures our code.
 */

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

/** The seed's mapping (also what the hub stores per message). */
export function transformBackendMessage(data: WireMessage) {
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
    build_id: data.metadata?.build_id,
    response_data: data.metadata?.response_data,
    mode: data.content.mode,
    actor_type: data.content.actor_type,
  }
}
