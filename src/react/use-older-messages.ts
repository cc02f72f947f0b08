/** `useOlderMessages`: scrollback, from IndexedDB first, then the history API. */
import { useCallback, useRef, useState } from 'react'
import { type ChatError, requireHandle, toChatError, useProjectHandle } from './use-project-handle'

/** @public What {@link useOlderMessages} returns. */
export interface OlderMessagesState {
  /**
   * Load up to `limit` (default 100) older messages into the project's view; resolves with how
   * many were added. A call while one is loading returns that one.
   */
  loadOlder(limit?: number): Promise<number>
  isLoadingOlder: boolean
  error: ChatError | null
}

/** @public Scrollback for `projectId`; whether there is more is `useChatProject(…).hasOlder`. */
export function useOlderMessages(projectId: string): OlderMessagesState {
  const handle = useProjectHandle(projectId)
  const [isLoadingOlder, setLoading] = useState(false)
  const [error, setError] = useState<ChatError | null>(null)
  const inFlight = useRef<Promise<number> | undefined>(undefined)

  const loadOlder = useCallback(
    (limit?: number) => {
      if (inFlight.current) return inFlight.current
      const project = requireHandle(handle, 'loadOlder')
      setLoading(true)
      const loading = project.loadOlder(limit).then(
        (added) => {
          setError(null)
          return added
        },
        (caught: unknown) => {
          setError(toChatError(caught))
          throw caught
        },
      )
      inFlight.current = loading
      void loading
        .finally(() => {
          inFlight.current = undefined
          setLoading(false)
        })
        .catch(() => {})
      return loading
    },
    [handle],
  )
  return { loadOlder, isLoadingOlder, error }
}
