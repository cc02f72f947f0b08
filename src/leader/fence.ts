/**
 * A leader's hub acts only while it leads: its requests, its store's writes and a cache deletion
 * first ask the fence, which asks the lock manager; a leader that lost its lock gets errors
 * instead of network or disk. Store reads pass straight through.
 */
import type { HubDeps } from '../hub'
import { hubError } from '../protocol'
import type { ChatStore } from '../store'

/** @public `deps` whose requests and store writes wait for `fence()` and fail when it says no. */
export function fencedDeps(deps: HubDeps, fence: () => Promise<boolean>): HubDeps {
  const guard = async () => {
    if (!(await fence())) {
      throw hubError('unavailable', 'this tab no longer leads: refused')
    }
  }
  return {
    ...deps,
    fetch: async (url, init) => {
      await guard()
      return deps.fetch(url, init)
    },
    openStore: async (userId) => fencedStore(await deps.openStore(userId), guard),
    deleteStore: async (userId) => {
      await guard()
      await deps.deleteStore(userId)
    },
  }
}

/** @public A store whose writes run only after `guard()` resolves. */
export function fencedStore(store: ChatStore, guard: () => Promise<void>): ChatStore {
  return {
    get degraded() {
      return store.degraded
    },
    loadProject: (projectId, limit) => store.loadProject(projectId, limit),
    loadBefore: (projectId, beforeSeq, limit) => store.loadBefore(projectId, beforeSeq, limit),
    listOutbox: () => store.listOutbox(),
    async commit(projectId, batch) {
      await guard()
      await store.commit(projectId, batch)
    },
    async clearProject(projectId) {
      await guard()
      await store.clearProject(projectId)
    },
    async putOutbox(entry) {
      await guard()
      await store.putOutbox(entry)
    },
    async deleteOutbox(clientMsgId) {
      await guard()
      await store.deleteOutbox(clientMsgId)
    },
    close: () => store.close(),
  }
}
