import { expect, expectTypeOf, test } from 'vitest'
import type { PersistentChatMessage } from '../../src/protocol/message'
import { toPersistentChatMessage } from '../../src/sse/index'
import { assistantMessage, seedMessageNew } from './payloads'

test('the seed message.new example maps field by field to the UI shape', () => {
  const message = toPersistentChatMessage(seedMessageNew)

  expect(message).toStrictEqual({
    id: 'msg_ulid_123',
    seq: 123,
    text: 'Hello world',
    message_type: 'user',
    user_id: 'user_abc',
    project_id: 'proj_789',
    client_msg_id: 'client_ulid_456',
    created_at: '2025-08-27T10:30:00.000Z',
    updated_at: '2025-08-27T10:30:00.000Z',
    build_id: 'build_ulid_def',
    response_data: { type: 'build_completed', buildId: 'build_ulid_def', message: '🎉 Build completed!' },
    mode: 'build',
    actor_type: 'client',
  })
  expectTypeOf(message).toEqualTypeOf<PersistentChatMessage>()
})

test("a message without mode, client id or build maps to nulls and an undefined mode, as the seed's mapping does", () => {
  const message = toPersistentChatMessage(assistantMessage)

  expect(message).toStrictEqual({
    id: 'msg_ulid_124',
    seq: 124,
    text: 'Hi! 日本 😀',
    message_type: 'assistant',
    user_id: 'user_abc',
    project_id: 'proj_789',
    client_msg_id: null,
    created_at: '2025-08-27T10:30:01.000Z',
    updated_at: '2025-08-27T10:30:01.000Z',
    build_id: null,
    response_data: null,
    mode: undefined,
    actor_type: 'assistant',
  })
})

test('the transform does not modify its input', () => {
  const input = structuredClone(seedMessageNew)

  toPersistentChatMessage(input)

  expect(input).toStrictEqual(seedMessageNew)
})
