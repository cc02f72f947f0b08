import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import type { MessageData } from '../../../src/protocol/wire'
import { createAssistant } from '../../../src/server/backend/assistant'
import type { NewMessage } from '../../../src/server/backend/store'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function userMessage(text: string): MessageData {
  return {
    seq: 1,
    messageId: 'msg_1',
    client_msg_id: 'c1',
    projectId: 'p1',
    userId: 'user_a',
    content: { text, type: 'user', mode: 'build', actor_type: 'client' },
    timestamp: new Date(0).toISOString(),
    metadata: { build_id: null, response_data: null },
  }
}

test('/build gets a reply after the delay and a completion one delay later', () => {
  const posted: NewMessage[] = []
  const assistant = createAssistant({ delayMs: 100, post: (message) => posted.push(message) })

  assistant.onMessage(userMessage('/build it'))
  vi.advanceTimersByTime(99)
  const beforeDelay = posted.length
  vi.advanceTimersByTime(1)
  const afterReply = posted.length
  vi.advanceTimersByTime(100)

  expect([beforeDelay, afterReply, posted.length]).toEqual([0, 1, 2])
  expect(posted.map((message) => [message.userId, message.content.type, message.content.actor_type])).toEqual(
    [
      ['assistant', 'assistant', 'assistant'],
      ['system', 'system', 'system'],
    ],
  )
})

test('other messages, and its own, get no reply', () => {
  const post = vi.fn()
  const assistant = createAssistant({ delayMs: 10, post })

  assistant.onMessage(userMessage('hello /build'))
  assistant.onMessage({
    ...userMessage('/build'),
    content: { text: '/build', type: 'assistant', actor_type: 'assistant' },
  })
  vi.runAllTimers()

  expect(post).not.toHaveBeenCalled()
})

test('close() cancels pending replies', () => {
  const post = vi.fn()
  const assistant = createAssistant({ delayMs: 10, post })
  assistant.onMessage(userMessage('/build'))

  assistant.close()
  vi.runAllTimers()
  assistant.onMessage(userMessage('/build'))
  vi.runAllTimers()

  expect(post).not.toHaveBeenCalled()
})
