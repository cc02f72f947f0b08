/**
 * The demo assistant: answers a user message starting with `/build` with an assistant reply
 * and, a moment later, a system "build completed" message, so the app and tests can show the
 * assistant and system message types without a real build service.
 */
import type { MessageData } from '../../protocol/wire'
import { createId } from './ids'
import type { NewMessage } from './store'

/** @internal Options of {@link createAssistant}. */
export interface AssistantOptions {
  /** Delay before the reply, and again before the completion message. */
  delayMs: number
  /** Stores a message and pushes it to the project's streams. */
  post(message: NewMessage): void
}

/** @internal See {@link createAssistant}. */
export interface Assistant {
  /** Called with every newly stored message. */
  onMessage(message: MessageData): void
  /** Cancels every pending reply. */
  close(): void
}

const TRIGGER = '/build'

/** @internal Creates the demo assistant. */
export function createAssistant(options: AssistantOptions): Assistant {
  const timers = new Set<NodeJS.Timeout>()
  let closed = false

  function later(run: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (!closed) run()
    }, options.delayMs)
    timers.add(timer)
  }

  return {
    onMessage(message) {
      if (closed || message.content.type !== 'user' || !message.content.text.startsWith(TRIGGER)) return
      const request = message.content.text.slice(TRIGGER.length).trim()
      const buildId = createId('build')
      const mode = message.content.mode
      later(() => {
        options.post({
          projectId: message.projectId,
          userId: 'assistant',
          clientMsgId: null,
          content: {
            text: request ? `Starting a build: ${request}` : 'Starting a build.',
            type: 'assistant',
            mode,
            actor_type: 'assistant',
          },
          metadata: { build_id: buildId, response_data: null },
        })
        later(() => {
          const text = 'Build completed.'
          options.post({
            projectId: message.projectId,
            userId: 'system',
            clientMsgId: null,
            content: { text, type: 'system', mode, actor_type: 'system' },
            metadata: {
              build_id: buildId,
              response_data: { type: 'build_completed', buildId, message: text },
            },
          })
        })
      })
    },

    close() {
      closed = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    },
  }
}
