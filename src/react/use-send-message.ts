/** `useSendMessage`: send through the persistent outbox, retry or discard a failed send. */
import { useCallback, useState } from 'react'
import type { OutboxEntry } from '../client'
import type { SendDraft } from '../protocol'
import { type ChatError, requireHandle, toChatError, useProjectHandle } from './use-project-handle'

/** @public What {@link useSendMessage} returns. */
export interface SendMessageState {
  /**
   * Queue `text`: it shows at once as an optimistic message in every tab and is sent until the
   * backend acknowledges it. Resolves with the outbox entry; rejects (and sets `error`) when the
   * hub could not queue it — sending the same text again then reuses its `client_msg_id`.
   */
  send(text: string, options?: Omit<SendDraft, 'text'>): Promise<OutboxEntry>
  /** Send a failed entry again now (same `client_msg_id`). */
  retry(clientMsgId: string): Promise<void>
  /** Drop a queued or failed entry. */
  discard(clientMsgId: string): Promise<void>
  /** A `send` call is in flight (until the hub has queued it, not until delivery). */
  isPending: boolean
  /** Why the last call failed; cleared by the next successful one. */
  error: ChatError | null
}

/** @public Send messages to `projectId`. Delivery state is in `useChatProject(…).outbox`. */
export function useSendMessage(projectId: string): SendMessageState {
  const handle = useProjectHandle(projectId)
  const [pending, setPending] = useState(0)
  const [error, setError] = useState<ChatError | null>(null)

  const track = useCallback(async <T>(run: () => Promise<T>, counts: boolean): Promise<T> => {
    if (counts) setPending((n) => n + 1)
    try {
      const result = await run()
      setError(null)
      return result
    } catch (caught) {
      setError(toChatError(caught))
      throw caught
    } finally {
      if (counts) setPending((n) => n - 1)
    }
  }, [])

  const send = useCallback(
    (text: string, options?: Omit<SendDraft, 'text'>) =>
      track(() => requireHandle(handle, 'send').send(text, options), true),
    [handle, track],
  )
  const retry = useCallback(
    (clientMsgId: string) => track(() => requireHandle(handle, 'retry').retry(clientMsgId), false),
    [handle, track],
  )
  const discard = useCallback(
    (clientMsgId: string) => track(() => requireHandle(handle, 'discard').discard(clientMsgId), false),
    [handle, track],
  )
  return { send, retry, discard, isPending: pending > 0, error }
}
