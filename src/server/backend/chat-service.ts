/**
 * The write side of the backend: stores a message and pushes it as `message.new` to the
 * project's open streams; pushes presence. Shared by the HTTP routes, the demo assistant and
 * `RunningBackend.append`, so every new message takes the same path.
 */
import type { MessageData, PresenceStatus, PresenceUpdatedData } from '../../protocol/wire'
import { formatEvent } from './sse-format'
import type { AppendResult, MessageStore, NewMessage } from './store'
import type { StreamRegistry } from './streams'

/** @internal Options of {@link createChatService}. */
export interface ChatServiceOptions {
  store: MessageStore
  streams: StreamRegistry
  /** Called after a new (not duplicate) message was stored and published. */
  onNewMessage?: ((message: MessageData) => void) | undefined
}

/** @internal See {@link createChatService}. */
export interface ChatService {
  /** Stores a message (idempotent by `client_msg_id`) and publishes it when it is new. */
  post(message: NewMessage): AppendResult
  /** Publishes `presence.updated` to the project's streams. Presence is not stored. */
  presence(projectId: string, userId: string, status: PresenceStatus): void
}

/** @internal Creates the chat service. */
export function createChatService(options: ChatServiceOptions): ChatService {
  return {
    post(message) {
      const result = options.store.append(message)
      if (!result.duplicate) {
        const stored = result.message
        // Appending and publishing happen in the same synchronous turn, so streams see
        // `message.new` in seq order and a stream opening concurrently either finds the message
        // in its replay or receives it live (streams.ts drops the overlap).
        options.streams.publish(stored.projectId, {
          seq: stored.seq,
          frame: formatEvent('message.new', stored, stored.seq),
        })
        options.onNewMessage?.(stored)
      }
      return result
    },

    presence(projectId, userId, status) {
      const data: PresenceUpdatedData = { projectId, userId, status }
      // No `id:` line: presence is not part of the message sequence and must not move the
      // client's Last-Event-ID.
      options.streams.publish(projectId, { frame: formatEvent('presence.updated', data) })
    },
  }
}
