/**
 * The cached paint: a tab reads a project's newest messages straight from IndexedDB, so it shows
 * them before the hub answers (online or offline).
 */

import { openChatStore } from '../store'
import type { ProjectView } from './message-list'

/** @internal Paint up to `limit` cached messages of the project, if there are any. */
export async function paintFromCache(
  userId: string,
  projectId: string,
  limit: number,
  paint: (messages: ProjectView['messages']) => void,
) {
  try {
    const store = await openChatStore({ userId })
    try {
      const { messages } = await store.loadProject(projectId, limit)
      if (messages.length > 0) paint(messages)
    } finally {
      store.close()
    }
  } catch {
    // No IndexedDB (private mode) or a blocked upgrade: the hub's snapshot paints instead.
  }
}
