/**
 * A project as an external store for `useSyncExternalStore`: every subscriber holds its own
 * ref-counted handle (`client.project(id)`), so components mount and unmount independently and
 * the tab's subscription ends with the last one. One store per (client, project), so every
 * component gets the same `subscribe` function and the same view objects.
 */
import type { ChatClient, ChatProject, ProjectView } from '../client'
import { EMPTY_VIEW } from '../client/message-list'

/** @internal */
export interface ProjectStore {
  subscribe(onChange: () => void): () => void
  getSnapshot(): ProjectView
}

/** @public The view before the client exists (server render, hydration): nothing known yet. */
export const SERVER_VIEW: ProjectView = EMPTY_VIEW

/** @public The view of a project whose hook is disabled (`enabled: false`). */
export const DISABLED_VIEW: ProjectView = { ...SERVER_VIEW, status: { status: 'disconnected' } }

const stores = new WeakMap<ChatClient, Map<string, ProjectStore>>()

/** @internal The store of `projectId` on `client`. */
export function projectStore(client: ChatClient, projectId: string): ProjectStore {
  let byProject = stores.get(client)
  if (!byProject) {
    byProject = new Map()
    stores.set(client, byProject)
  }
  let store = byProject.get(projectId)
  if (!store) {
    store = createProjectStore(client, projectId)
    byProject.set(projectId, store)
  }
  return store
}

function createProjectStore(client: ChatClient, projectId: string): ProjectStore {
  let view: ProjectView = SERVER_VIEW
  let subscribers = 0
  return {
    subscribe(onChange) {
      subscribers++
      const handle: ChatProject = client.project(projectId)
      const stop = handle.subscribe((next) => {
        view = next
        onChange()
      })
      return () => {
        stop()
        void handle.close()
        // Nobody shows it: the next mount starts from "nothing known", not from a stale view.
        if (--subscribers === 0) view = SERVER_VIEW
      }
    },
    getSnapshot: () => view,
  }
}

/** @internal A store that never changes (no client yet, or disabled). */
export function constantStore(view: ProjectView): ProjectStore {
  return { subscribe: () => () => {}, getSnapshot: () => view }
}
