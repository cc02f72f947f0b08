/**
 * What the hub pushes to tabs: one `ChannelBatch` per project per processed batch of events,
 * sent to each subscribed tab in a single `postMessage`.
 */
import type { PersistentChatMessage } from './message'
import type { OutboxEntry } from './outbox'
import type { ConnectionStatus } from './status'
import type { PresenceStatus } from './wire'

/** @public The contiguous seq range a project's cache holds: complete from `lowSeq` to `highSeq`. */
export interface SeqRange {
  lowSeq: number
  highSeq: number
  /**
   * Set while the hub is catching up: the newest seq the backend is known to hold, above
   * `highSeq`. A hint for rendering (a tab need not draw every page of a long catch-up); no
   * delivery rule depends on it.
   */
  latestSeq?: number
}

/** @public A project's full state, sent when a tab subscribes and when the cache is reset. */
export interface ChannelSnapshot {
  projectId: string
  /** The newest confirmed messages the hub holds, ascending by seq. */
  messages: PersistentChatMessage[]
  /** Queued sends of this project, oldest first: rendered as optimistic messages after `messages`. */
  outbox: OutboxEntry[]
  status: ConnectionStatus
  range: SeqRange | null
  /** Whether older messages exist before the first one in `messages` (cache or history API). */
  hasOlder: boolean
}

/**
 * @public A change to one project, in the order the hub applied it.
 * - `reset`: replace everything the tab holds for the project with `snapshot`.
 * - `messages`: confirmed messages appended in seq order; each `client_msg_id` among them
 *   replaces the optimistic message with the same id (in the same render: no duplicate).
 * - `outbox`: an optimistic message was added, changed state, or was discarded.
 * - `status`: the connection status changed.
 * - `presence`: a user's presence in the project (a `presence.updated` event, or what the hub
 *   already knew when the tab subscribed). Not part of the messages: a `reset` keeps it.
 */
export type ChannelChange =
  | { type: 'reset'; snapshot: ChannelSnapshot }
  | { type: 'messages'; messages: PersistentChatMessage[]; range: SeqRange }
  | { type: 'outbox'; upsert: OutboxEntry[]; remove: string[] }
  | { type: 'status'; status: ConnectionStatus }
  | { type: 'presence'; userId: string; status: PresenceStatus }

/** @public One delivery to one tab: the changes of one project, applied in order. */
export interface ChannelBatch {
  projectId: string
  changes: ChannelChange[]
}
