/** `useChatProject`: a project's messages, outbox, status and presence, kept current. */
import { useMemo, useSyncExternalStore } from 'react'
import type { ProjectView } from '../client'
import { useChatClient } from './context'
import { constantStore, DISABLED_VIEW, projectStore, SERVER_VIEW } from './project-store'

/** @public Options of {@link useChatProject}. */
export interface UseChatProjectOptions {
  /** `false`: do not follow the project (the view says `disconnected`). Default `true`. */
  enabled?: boolean | undefined
}

const serverStore = constantStore(SERVER_VIEW)
const disabledStore = constantStore(DISABLED_VIEW)
const serverSnapshot = () => SERVER_VIEW

/**
 * @public The project as this tab sees it: `{ messages, outbox, status, hasOlder, live, range,
 * presence }`. Confirmed messages in seq order, then optimistic ones. Painted from IndexedDB
 * before the hub answers (`live` false until then). During server rendering and hydration it is
 * the empty view with status `connecting`.
 */
export function useChatProject(projectId: string, options: UseChatProjectOptions = {}): ProjectView {
  const client = useChatClient()
  const enabled = options.enabled ?? true
  const store = useMemo(() => {
    if (!enabled) return disabledStore
    return client ? projectStore(client, projectId) : serverStore
  }, [client, projectId, enabled])
  return useSyncExternalStore(store.subscribe, store.getSnapshot, serverSnapshot)
}
