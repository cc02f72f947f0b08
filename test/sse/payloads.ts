/**
 * The example payloads of DESIGN.md §2 and the seed plan (`/work/shared/seed`), as JSON values.
 */
import type {
  ConnectionEstablishedData,
  MessageData,
  PresenceUpdatedData,
  ReplayEndData,
} from '../../src/protocol/wire'

/** The seed's `message.new` example. */
export const seedMessageNew: MessageData = {
  seq: 123,
  messageId: 'msg_ulid_123',
  client_msg_id: 'client_ulid_456',
  projectId: 'proj_789',
  userId: 'user_abc',
  content: { text: 'Hello world', type: 'user', mode: 'build', actor_type: 'client' },
  timestamp: '2025-08-27T10:30:00.000Z',
  metadata: {
    build_id: 'build_ulid_def',
    response_data: { type: 'build_completed', buildId: 'build_ulid_def', message: '🎉 Build completed!' },
  },
}

/** The seed's `message.replay` example. */
export const seedMessageReplay: MessageData = {
  ...seedMessageNew,
  metadata: { build_id: 'build_ulid_def', response_data: null },
}

/** An assistant message with no client id, build or mode. */
export const assistantMessage: MessageData = {
  seq: 124,
  messageId: 'msg_ulid_124',
  client_msg_id: null,
  projectId: 'proj_789',
  userId: 'user_abc',
  content: { text: 'Hi! 日本 😀', type: 'assistant', actor_type: 'assistant' },
  timestamp: '2025-08-27T10:30:01.000Z',
  metadata: { build_id: null, response_data: null },
}

/** The seed's `connection.established` example. */
export const seedConnectionEstablished: ConnectionEstablishedData = {
  projectId: 'proj_789',
  from_seq: 120,
  connection_id: 'conn_abc1',
  timestamp: '2025-08-27T10:30:00.000Z',
}

/** The seed's `replay.end` example. */
export const seedReplayEnd: ReplayEndData = {
  message: 'More messages available via HTTP history API',
  lastReplayedSeq: 320,
  projectId: 'proj_789',
  totalAvailable: 250,
}

/** DESIGN.md §2's `presence.updated`. */
export const presenceUpdated: PresenceUpdatedData = {
  projectId: 'proj_789',
  userId: 'user_abc',
  status: 'away',
}

/** A deep copy of `value` with the field at dotted `path` deleted (`undefined`) or replaced. */
export function withField(value: object, path: string, replacement?: unknown): Record<string, unknown> {
  const copy = structuredClone(value) as Record<string, unknown>
  const keys = path.split('.')
  const last = keys.pop() ?? ''
  let target = copy
  for (const key of keys) target = target[key] as Record<string, unknown>
  if (replacement === undefined) delete target[last]
  else target[last] = replacement
  return copy
}
