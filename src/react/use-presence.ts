/** `usePresence`: who is on a project, `{ [userId]: 'online' | 'away' | 'offline' }`. */
import { useMemo, useSyncExternalStore } from 'react'
import type { PresenceMap } from '../client/message-list'
import { useChatClient } from './context'
import { constantStore, projectStore, SERVER_VIEW } from './project-store'

const noClientStore = constantStore(SERVER_VIEW)
const serverPresence = () => SERVER_VIEW.presence

/**
 * @public Every user seen on the project with their last status, the tab's own user included.
 * Re-renders only when the map changes (the map keeps its identity otherwise). Empty during server
 * rendering and hydration. Follows the project like {@link useChatProject} (one subscription for both).
 */
export function usePresence(projectId: string): PresenceMap {
  const client = useChatClient()
  const store = useMemo(() => (client ? projectStore(client, projectId) : noClientStore), [client, projectId])
  return useSyncExternalStore(store.subscribe, () => store.getSnapshot().presence, serverPresence)
}
