/** `useChatSession`: who is signed in, whether the hub is attached, and session events. */
import { useEffect, useRef, useState } from 'react'
import type { SessionEvent } from '../client'
import type { HubWelcome } from '../protocol'
import { useChatClient } from './context'
import { type ChatError, toChatError } from './use-project-handle'

/** @public The tab's session as {@link useChatSession} reports it. */
export type ChatSessionState =
  /** No client yet (server render, hydration) or the hub has not answered. */
  | { state: 'connecting' }
  /** Attached: the user the proxy authenticated (`verified` false while offline on the last known user). */
  | { state: 'ready'; welcome: HubWelcome }
  /** The hub refused the tab: not signed in (`code` `unauthenticated`), or unreachable. */
  | { state: 'failed'; error: ChatError; httpStatus: number | undefined }
  /** The session ended: logout in any tab, or the server refused it later (401). */
  | { state: 'ended'; event: SessionEvent }

const CONNECTING: ChatSessionState = { state: 'connecting' }

/**
 * @public The session, and `onEvent` for each `SessionEvent` (`logged_out` in any tab, `auth_failed`),
 * e.g. to go to the login page. `onEvent` may change on every render; the latest one is called.
 */
export function useChatSession(onEvent?: (event: SessionEvent) => void): ChatSessionState {
  const client = useChatClient()
  const [session, setSession] = useState<ChatSessionState>(CONNECTING)
  const latest = useRef(onEvent)
  useEffect(() => {
    latest.current = onEvent
  })

  useEffect(() => {
    if (!client) return
    let active = true
    setSession(CONNECTING)
    client.ready.then(
      (welcome) => {
        if (active)
          setSession((current) => (current.state === 'ended' ? current : { state: 'ready', welcome }))
      },
      (error: unknown) => {
        const httpStatus =
          typeof error === 'object' &&
          error !== null &&
          'httpStatus' in error &&
          typeof error.httpStatus === 'number'
            ? error.httpStatus
            : undefined
        if (active) setSession({ state: 'failed', error: toChatError(error), httpStatus })
      },
    )
    const stop = client.onSession((event) => {
      if (active) setSession({ state: 'ended', event })
      latest.current?.(event)
    })
    return () => {
      active = false
      stop()
    }
  }, [client])
  return session
}
