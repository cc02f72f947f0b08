/**
 * The seed's mapping from the wire's `MessageData` to the `PersistentChatMessage` tabs render
 * (DESIGN.md §4). Pure.
 */
import type { PersistentChatMessage } from '../protocol/message'
import type { MessageData } from '../protocol/wire'

/**
 * @public Maps a backend message to the UI shape: `id←messageId`, `text←content.text`,
 * `message_type←content.type`, `user_id←userId`, `project_id←projectId`,
 * `created_at`/`updated_at←timestamp`, `build_id←metadata.build_id`,
 * `response_data←metadata.response_data`, `mode←content.mode`,
 * `actor_type←content.actor_type`; `seq` and `client_msg_id` as they are.
 *
 * `response_data` is shared, not copied. `mode` is left out when the message has none.
 */
export function toPersistentChatMessage(data: MessageData): PersistentChatMessage {
  const { content, metadata } = data
  const { mode } = content
  // Two literals rather than one plus `message.mode = …`: a key added after creation changes
  // the object's shape and, past the literal's in-object slots, allocates a property store,
  // on every message of every stream (bench/decoding.mjs). Each literal has one fixed shape.
  return mode === undefined
    ? {
        id: data.messageId,
        seq: data.seq,
        text: content.text,
        message_type: content.type,
        user_id: data.userId,
        project_id: data.projectId,
        client_msg_id: data.client_msg_id,
        created_at: data.timestamp,
        updated_at: data.timestamp,
        build_id: metadata.build_id,
        response_data: metadata.response_data,
        actor_type: content.actor_type,
      }
    : {
        id: data.messageId,
        seq: data.seq,
        text: content.text,
        message_type: content.type,
        user_id: data.userId,
        project_id: data.projectId,
        client_msg_id: data.client_msg_id,
        created_at: data.timestamp,
        updated_at: data.timestamp,
        build_id: metadata.build_id,
        response_data: metadata.response_data,
        mode,
        actor_type: content.actor_type,
      }
}
