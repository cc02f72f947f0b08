/**
 * The backend's wire format (DESIGN.md §2): SSE event names and payloads, and the bodies of
 * the HTTP history, send and presence routes. Type-only; shared by tab, worker and server.
 */

/** @public Who wrote a message. */
export type MessageType = 'user' | 'assistant' | 'system'

/** @public Which kind of actor produced a message. */
export type ActorType = 'client' | 'assistant' | 'system'

/** @public The body of a message as the backend stores it. */
export interface MessageContent {
  text: string
  type: MessageType
  mode?: string | undefined
  actor_type: ActorType
}

/** @public Build and response metadata attached to a message. */
export interface MessageMetadata {
  build_id: string | null
  response_data: Record<string, unknown> | null
}

/** @public `MessageData`: one chat message, the same in SSE events and the HTTP API. */
export interface MessageData {
  /** Assigned by the backend, per project, contiguous from 1. */
  seq: number
  messageId: string
  client_msg_id: string | null
  projectId: string
  userId: string
  content: MessageContent
  /** ISO 8601. */
  timestamp: string
  metadata: MessageMetadata
}

/** @public Data of `connection.established`; its SSE `id` is the cursor. */
export interface ConnectionEstablishedData {
  projectId: string
  from_seq: number
  connection_id: string
  timestamp: string
}

/** @public Data of `replay.end`. */
export interface ReplayEndData {
  message: string
  /** The last seq sent in the replay (the cursor when none was sent). */
  lastReplayedSeq: number
  projectId: string
  /** How many messages had `seq > cursor` when the stream opened. */
  totalAvailable: number
}

/** @public Presence of a user in a project. */
export type PresenceStatus = 'online' | 'away' | 'offline'

/** @public Data of `presence.updated`. */
export interface PresenceUpdatedData {
  projectId: string
  userId: string
  status: PresenceStatus
}

/**
 * @public A decoded backend event, tagged by its SSE event name. Unknown names are kept as
 * `unknown` so callers can ignore them without breaking.
 */
export type BackendEvent =
  | { type: 'connection.established'; id: string | undefined; data: ConnectionEstablishedData }
  | { type: 'message.replay'; id: string | undefined; data: MessageData }
  | { type: 'message.new'; id: string | undefined; data: MessageData }
  | { type: 'replay.end'; id: string | undefined; data: ReplayEndData }
  | { type: 'presence.updated'; id: string | undefined; data: PresenceUpdatedData }
  | { type: 'unknown'; event: string; id: string | undefined; data: string }

/** @public SSE event names the backend sends. */
export type BackendEventName = Exclude<BackendEvent['type'], 'unknown'>

/** @public `GET …/chat/messages` response. */
export interface HistoryResponse {
  /** Ascending by seq. */
  messages: MessageData[]
  hasMore: boolean
  latestSeq: number
}

/** @public `POST …/chat/messages` body (backend). The proxy's body adds `projectId`. */
export interface SendMessageRequest {
  client_msg_id: string
  text: string
  mode?: string | undefined
  target?: 'ai' | 'team' | undefined
}

/** @public `POST …/chat/messages` response: 201 new, 200 duplicate. */
export interface SendMessageResponse {
  message: MessageData
  duplicate: boolean
}

/** @public `POST …/chat/presence` body (backend). */
export interface PresenceRequest {
  status: PresenceStatus
}

/** @public Every error response body, backend and proxy alike. */
export interface ErrorBody {
  error: { code: string; message: string }
}

/** @public `POST /api/persistent-chat/stream`: the auth preflight. */
export interface PreflightResponse {
  authenticated: true
  userId: string
  /** unix milliseconds */
  timestamp: number
  /** The backend's heartbeat interval (env `HEARTBEAT_MS`), for the client's stall watchdog. */
  heartbeatMs: number
}
