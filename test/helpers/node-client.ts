/**
 * A `ChatClient` for Node tests: the client's own project state (`createProjectState`: handles,
 * ref counts, views) on the real hub core, which talks to the real proxy + reference backend over
 * loopback. Only the page wiring of `createChatClient` (SharedWorker, Web Locks, DOM events) is
 * left out, so hooks and handles are tested against real batches.
 */
import type { ChatClient } from '../../src/client'
import type { HubConnection } from '../../src/client/connect'
import { createProjectState, type ProjectState } from '../../src/client/project'
import type { HubConfig } from '../../src/hub'
import type { SessionEvent } from '../../src/protocol'
import { createTestHub, type TestHub } from './hub-harness'

/** @internal A Node client and the hub behind it. */
export interface NodeChatClient extends ChatClient {
  testHub: TestHub
  tabId: string
  /** The hub's calls this client made, as `method projectId` (subscribe/unsubscribe only). */
  subscriptions: string[]
}

let tabs = 0

/** @internal Attach one tab to a hub of its own (or to `testHub`, to model several tabs of one user). */
export function createNodeChatClient(options: {
  baseUrl: string
  cookie: string
  testHub?: TestHub | undefined
  config?: Partial<HubConfig> | undefined
}): NodeChatClient {
  const testHub = options.testHub ?? createTestHub({ ...options, config: options.config ?? {} })
  const tabId = `node_tab_${process.pid}_${++tabs}`
  const projects = new Map<string, ProjectState>()
  const sessionListeners = new Set<(event: SessionEvent) => void>()
  const subscriptions: string[] = []
  const { hub } = testHub
  const api: HubConnection['api'] = {
    ...hub,
    subscribe: (tab, projectId) => {
      subscriptions.push(`subscribe ${projectId}`)
      return hub.subscribe(tab, projectId)
    },
    unsubscribe: (tab, projectId) => {
      subscriptions.push(`unsubscribe ${projectId}`)
      return hub.unsubscribe(tab, projectId)
    },
  }
  const connection: HubConnection = { api, mode: 'in-page', close: () => {} }
  const ready = hub.hello(
    { tabId, visible: true },
    (batch) => projects.get(batch.projectId)?.apply(batch),
    (event) => {
      for (const listener of sessionListeners) listener(event)
    },
  )
  const call = async <T>(use: (hub: HubConnection) => Promise<T>): Promise<T> => {
    await ready
    return use(connection)
  }
  return {
    testHub,
    tabId,
    subscriptions,
    ready,
    project(projectId) {
      let state = projects.get(projectId)
      if (!state) {
        state = createProjectState(tabId, projectId, call, () => projects.delete(projectId))
        projects.set(projectId, state)
        void state.start(undefined, 0)
      }
      return state.acquire()
    },
    mode: 'in-page',
    onModeChange: () => () => {},
    stats: () => call((c) => c.api.stats()),
    onSession(listener) {
      sessionListeners.add(listener)
      return () => sessionListeners.delete(listener)
    },
    logout: (logoutOptions = {}) =>
      call((c) => c.api.logout(tabId, { clearCache: logoutOptions.clearCache ?? false })),
    close: () => call((c) => c.api.bye(tabId)),
  }
}
