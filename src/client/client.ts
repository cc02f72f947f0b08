/**
 * `createChatClient`: what an app uses in a tab. It attaches to the hub, paints each project
 * from IndexedDB before the hub answers, and keeps a `ProjectView` per project current.
 */
import type { HubConfig } from '../hub'
import type { ChannelBatch, HubStats, HubWelcome, SessionEvent } from '../protocol'
import { tabLockName } from '../worker/tab-lock'
import { connectHub, type HubConnection } from './connect'
import { forgetLastUser, readLastUser, writeLastUser } from './last-user'
import { type ChatProject, createProjectState, type ProjectState } from './project'

/** @public Options of `createChatClient`. */
export interface ChatClientOptions {
  /**
   * `auto` (default): the SharedWorker when the browser has one; else a leader tab elected with
   * Web Locks (needs `dedicatedWorker`); else a hub in this page.
   */
  mode?: 'auto' | 'shared-worker' | 'leader-tab' | 'in-page' | undefined
  /**
   * Creates the SharedWorker, e.g.
   * `(name) => new SharedWorker(new URL('persistent-chat/worker', import.meta.url), { type: 'module', name })`.
   */
  sharedWorker?: ((name: string) => SharedWorker) | undefined
  /**
   * Creates this tab's leader worker (src/worker/leader-worker.ts), for browsers without
   * SharedWorker (Chrome on Android), e.g. with Vite
   * `import LeaderWorker from '../worker/leader-worker?worker'` and `(name) => new LeaderWorker({ name })`.
   */
  dedicatedWorker?: ((name: string) => Worker) | undefined
  /** Hub tunables (grace period, `maxBackfill`, …). Tabs with different configs get different workers. */
  config?: Partial<HubConfig> | undefined
  /** Time limit of each call to the hub. Default 10 s. */
  callTimeoutMs?: number | undefined
  /** Messages painted from the cache before the hub answers. Default 200. */
  cachedPaint?: number | undefined
}

/** @public What `createChatClient` returns. */
export interface ChatClient {
  /** Resolves once the hub has authenticated the user (or, offline, accepted the last one). */
  readonly ready: Promise<HubWelcome>
  project(projectId: string): ChatProject
  stats(): Promise<HubStats>
  /** Called when the user's session ends in any tab, or the server refuses it. */
  onSession(listener: (event: SessionEvent) => void): () => void
  /** Drop this user's channels and credentials in the hub; with `clearCache`, their IndexedDB too. */
  logout(options?: { clearCache?: boolean | undefined }): Promise<void>
  /** Detach this tab. */
  close(): Promise<void>
}

/** @public Create the tab's client. Attaching starts at once; `ready` tells when it is done. */
export function createChatClient(options: ChatClientOptions = {}): ChatClient {
  const tabId = crypto.randomUUID()
  const projects = new Map<string, ProjectState>()
  const sessionListeners = new Set<(event: SessionEvent) => void>()
  const lastUserId = readLastUser()
  let releaseTabLock: () => void = () => {}

  const connection: Promise<HubConnection> = connectHub({
    mode: options.mode ?? 'auto',
    sharedWorker: options.sharedWorker,
    dedicatedWorker: options.dedicatedWorker,
    tabId,
    config: options.config ?? {},
    callTimeoutMs: options.callTimeoutMs ?? 10_000,
  })

  const onBatch = (batch: ChannelBatch) => {
    projects.get(batch.projectId)?.apply(batch)
  }
  const onSession = (event: SessionEvent) => {
    for (const listener of sessionListeners) listener(event)
  }

  const ready = (async () => {
    const hub = await connection
    releaseTabLock = await holdTabLock(tabId)
    const welcome = await hub.api.hello(
      { tabId, visible: document.visibilityState === 'visible', online: navigator.onLine, lastUserId },
      hub.callback(onBatch),
      hub.callback(onSession),
    )
    if (welcome.verified) writeLastUser(welcome.userId)
    addEventListener('pagehide', () => void hub.api.bye(tabId).catch(() => {}))
    addEventListener('pageshow', (event) => {
      // Back from the bfcache: the hub forgot this tab on pagehide.
      if (event.persisted) location.reload()
    })
    document.addEventListener('visibilitychange', () => {
      void hub.api.setVisibility(tabId, document.visibilityState === 'visible').catch(() => {})
    })
    for (const online of [true, false]) {
      addEventListener(
        online ? 'online' : 'offline',
        () => void hub.api.setNetwork(tabId, online).catch(() => {}),
      )
    }
    return welcome
  })()

  const call = async <T>(use: (hub: HubConnection) => Promise<T>): Promise<T> => {
    await ready
    return use(await connection)
  }

  const client: ChatClient = {
    ready,
    project(projectId) {
      let state = projects.get(projectId)
      if (!state) {
        state = createProjectState(tabId, projectId, call, () => projects.delete(projectId))
        projects.set(projectId, state)
        void state.start(lastUserId, options.cachedPaint ?? 200)
      }
      return state.acquire()
    },
    stats: () => call((hub) => hub.api.stats()),
    onSession(listener) {
      sessionListeners.add(listener)
      return () => sessionListeners.delete(listener)
    },
    async logout(logoutOptions = {}) {
      await call((hub) => hub.api.logout(tabId, { clearCache: logoutOptions.clearCache ?? false }))
      forgetLastUser()
    },
    async close() {
      await call((hub) => hub.api.bye(tabId)).catch(() => {})
      releaseTabLock()
    },
  }
  return client
}

/** Hold a Web Lock for the tab's lifetime; the hub waits on it to learn the tab is gone. */
function holdTabLock(tabId: string): Promise<() => void> {
  if (!('locks' in navigator)) return Promise.resolve(() => {})
  return new Promise((granted) => {
    void navigator.locks.request(tabLockName(tabId), () => new Promise<void>((release) => granted(release)))
  })
}
