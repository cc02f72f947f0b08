/**
 * The transformed message shape the UI uses (DESIGN.md §4, the seed's mapping).
 */
import type { ActorType, MessageType } from './wire'

/** @public A chat message as tabs render it. */
export interface PersistentChatMessage {
  /** `messageId`; for an optimistic message, its `client_msg_id`. */
  id: string
  /** Absent while the message is optimistic (not yet acknowledged by the backend). */
  seq?: number | undefined
  text: string
  message_type: MessageType
  user_id: string
  project_id: string
  client_msg_id: string | null
  created_at: string
  updated_at: string
  build_id: string | null
  response_data: Record<string, unknown> | null
  mode?: string | undefined
  actor_type: ActorType
}
