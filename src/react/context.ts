/** The React context that carries the tab's `ChatClient` (or `null` before it exists: server render, hydration). */
import { createContext, useContext } from 'react'
import type { ChatClient } from '../client'

/** `undefined`: no provider above; `null`: a provider whose client does not exist yet. */
export const ChatClientContext = createContext<ChatClient | null | undefined>(undefined)

/**
 * @public The tab's client, or `null` while there is none: during server rendering, during
 * hydration, and until the provider has created it in the browser.
 */
export function useChatClient(): ChatClient | null {
  const client = useContext(ChatClientContext)
  if (client === undefined) {
    throw new Error(
      'persistent-chat/react: wrap the component in <PersistentChatProvider> to use the chat hooks',
    )
  }
  return client
}
