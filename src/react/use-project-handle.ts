/**
 * A handle of the project held while the component is mounted (actions need one): acquired in an
 * effect, so the server render and StrictMode's extra mount hold none for long.
 */
import { type RefObject, useEffect, useRef } from 'react'
import type { ChatProject } from '../client'
import { useChatClient } from './context'

/** @internal The mounted component's handle of `projectId`, or `undefined` before mount / without a client. */
export function useProjectHandle(projectId: string): RefObject<ChatProject | undefined> {
  const client = useChatClient()
  const handle = useRef<ChatProject | undefined>(undefined)
  useEffect(() => {
    if (!client) return
    const held = client.project(projectId)
    handle.current = held
    return () => {
      if (handle.current === held) handle.current = undefined
      void held.close()
    }
  }, [client, projectId])
  return handle
}

/** @internal The handle, or a clear error for a call made before the client exists. */
export function requireHandle(handle: RefObject<ChatProject | undefined>, what: string): ChatProject {
  const current = handle.current
  if (!current) {
    throw new Error(
      `persistent-chat/react: ${what}() was called before the chat client exists (server render, or before the provider mounted)`,
    )
  }
  return current
}

/** @public A failure as the hooks report it: plain `{ code, message }` (as errors cross from the hub). */
export interface ChatError {
  code: string
  message: string
}

/** @internal Any thrown value as a {@link ChatError}. */
export function toChatError(error: unknown): ChatError {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : 'error'
    return { code, message: String(error.message) }
  }
  return { code: 'error', message: String(error) }
}
