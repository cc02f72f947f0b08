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
 * `response_data` is shared, not copied. `mode` is `undefined` when the message has none.
 */
export function toPersistentChatMessage(data: MessageData): PersistentChatMessage {
  const { content, metadata } = data
  const message: PersistentChatMessage = {
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
    // Always present, so that every message is built in one step with one shape: adding it
    // only when set cost four times as much per message kept (on the path of every stream).
    mode: content.mode,
    actor_type: content.actor_type,
  }
  return message
}
