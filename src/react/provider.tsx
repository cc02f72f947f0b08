/**
 * `<PersistentChatProvider>`: creates the tab's `ChatClient` in the browser only, after the first
 * commit, so the server render and hydration both see no client (the hooks' empty snapshots) and
 * match. Closes the client it created on unmount.
 */
import { type ReactNode, useEffect, useRef, useState } from 'react'
import { type ChatClient, type ChatClientOptions, createChatClient } from '../client'
import { ChatClientContext } from './context'

/** @public Props of {@link PersistentChatProvider}. */
export interface PersistentChatProviderProps {
  /**
   * Options of `createChatClient`, read once when the provider mounts in the browser (later
   * changes are ignored: one tab, one client). Pass the worker factories here.
   */
  options?: ChatClientOptions | undefined
  /** A client created elsewhere (shared with non-React code, or a test's). Not closed on unmount. */
  client?: ChatClient | undefined
  children?: ReactNode
}

/** @public Provides the tab's chat client to the hooks below it. */
export function PersistentChatProvider({ options, client, children }: PersistentChatProviderProps) {
  const [created, setCreated] = useState<ChatClient | null>(null)
  const optionsRef = useRef(options)

  useEffect(() => {
    if (client) return
    let active = true
    let made: ChatClient | undefined
    // After this commit's effects: StrictMode's mount → unmount → mount runs them back to back,
    // so only the second mount creates a client (never two SharedWorker attachments).
    queueMicrotask(() => {
      if (!active) return
      made = createChatClient(optionsRef.current)
      // Reported through the hooks (useChatSession, the project's status), not as unhandled.
      made.ready.catch(() => {})
      setCreated(made)
    })
    return () => {
      active = false
      if (made) {
        void made.close()
        setCreated(null)
      }
    }
  }, [client])

  // `.Provider`, not `<Context>`: React 18 renders a bare context as its consumer.
  return <ChatClientContext.Provider value={client ?? created}>{children}</ChatClientContext.Provider>
}
