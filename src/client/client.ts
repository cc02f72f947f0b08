/**
 * `createChatClient`: what an app uses in a tab. It attaches to a hub (and again whenever that
 * hub dies), paints each project from IndexedDB before the hub answers, keeps a `ProjectView`
 * per project current, and passes the hub's log entries and mode changes to the app.
 */
import { consoleLogger, type HubConfig } from '../hub'
import type {
  ChannelBatch,
  HubMode,
  HubStats,
  HubWelcome,
  LogLevel,
  LogListener,
  SessionEvent,
} from '../protocol'
import { atLeast } from '../protocol'
import type { ModeChange } from './attach/attachment'
import { connectHub, type HubConnection } from './connect'
import { forgetLastUser, readLastUser, writeLastUser } from './last-user'
import { type ChatProject, createProjectState, type ProjectState } from './project'
import { followTabSignals, holdTabLock } from './tab-signals'

/** @public Options of `createChatClient`. */
export interface ChatClientOptions {
  /**
   * `auto` (default): the SharedWorker when the browser has one; else a leader tab elected with
   * Web Locks (needs `dedicatedWorker`); else a hub in this page. A mode that fails to start (a
   * worker script that does not load, a hub that never answers) hands over to the next one,
   * and `onModeChange` says why.
   */
  mode?: 'auto' | HubMode | undefined
  /**
   * Creates the SharedWorker, e.g.
   * `(name) => new SharedWorker(new URL('persistent-chat/worker', import.meta.url), { type: 'module', name })`.
   * Called again, for a new worker, when the running one dies.
   */
  sharedWorker?: ((name: string) => SharedWorker) | undefined
  /**
   * Creates this tab's leader worker (src/worker/leader-worker.ts), for browsers without
   * SharedWorker (Chrome on Android), e.g. with Vite
   * `import LeaderWorker from '../worker/leader-worker?worker'` and `(name) => new LeaderWorker({ name })`.
   */
  dedicatedWorker?: ((name: string) => Worker) | undefined
  /** Hub tunables (grace period, `maxBackfill`, …). Tabs with different configs get different hubs. */
  config?: Partial<HubConfig> | undefined
  /** Time limit of each call to the hub (slow ones get 3 ×), and of a new hub's first answer. Default 10 s. */
  callTimeoutMs?: number | undefined
  /** Messages painted from the cache before the hub answers. Default 200. */
  cachedPaint?: number | undefined
  /** The lowest level of log entries passed on (the hub's and the tab's own). Default `warn`. */
  logLevel?: LogLevel | undefined
  /** Receives log entries from `logLevel` up. Default: this page's console. */
  onLog?: LogListener | undefined
  /** Called when a mode fails to start and the next one is tried, with why. */
  onModeChange?: ((change: ModeChange) => void) | undefined
  /**
   * Ask the browser to keep this origin's storage (`navigator.storage.persist()`), so the cache
   * and the outbox are not evicted under storage pressure. `stats().storagePersisted` tells.
   */
  persistStorage?: boolean | undefined
}

/** @public What `createChatClient` returns. */
export interface ChatClient {
  /** Resolves once the hub has authenticated the user (or, offline, accepted the last one). */
  readonly ready: Promise<HubWelcome>
  /** Where the hub this tab attaches to runs. */
  readonly mode: HubMode
  project(projectId: string): ChatProject
  stats(): Promise<HubStats>
  /** Called when the user's session ends in any tab, or the server refuses it. */
  onSession(listener: (event: SessionEvent) => void): () => void
  /** Called when a mode fails to start and the next one is tried. */
  onModeChange(listener: (change: ModeChange) => void): () => void
  /** Drop this user's channels and credentials in the hub; with `clearCache`, their IndexedDB too. */
  logout(options?: { clearCache?: boolean | undefined }): Promise<void>
  /** Detach this tab. */
  close(): Promise<void>
}

export type { ModeChange }

/**
 * @public Create the tab's client. Attaching starts at once; `ready` tells when it is done.
 * Throws where there is no browser (server rendering): the client needs `window` and
 * `document`, so create it in the browser (in `useEffect`, or with persistent-chat/react's provider).
 */
export function createChatClient(options: ChatClientOptions = {}): ChatClient {
  if (typeof window === 'undefined' || typeof document === 'undefined') {
    throw new Error(
      'persistent-chat: createChatClient() needs a browser and found no window/document (server rendering?); create the client in the browser, e.g. in useEffect or via persistent-chat/react’s provider',
    )
  }
  const tabId = crypto.randomUUID()
  const projects = new Map<string, ProjectState>()
  const sessionListeners = new Set<(event: SessionEvent) => void>()
  const modeListeners = new Set<(change: ModeChange) => void>()
  const lastUserId = readLastUser()
  const logLevel = options.logLevel ?? 'warn'
  const sink = options.onLog ?? consoleLogger(logLevel)
  const log: LogListener = (entry) => {
    if (atLeast(entry.level, logLevel)) sink(entry)
  }
  let releaseTabLock: () => void = () => {}

  const connection: HubConnection = connectHub({
    mode: options.mode ?? 'auto',
    sharedWorker: options.sharedWorker,
    dedicatedWorker: options.dedicatedWorker,
    tabId,
    config: options.config ?? {},
    callTimeoutMs: options.callTimeoutMs ?? 10_000,
    log,
    onModeChange(change) {
      options.onModeChange?.(change)
      for (const listener of modeListeners) listener(change)
    },
  })
  if (options.persistStorage) void persistStorage(log)

  const onBatch = (batch: ChannelBatch) => {
    projects.get(batch.projectId)?.apply(batch)
  }
  const onSession = (event: SessionEvent) => {
    for (const listener of sessionListeners) listener(event)
  }

  const ready = (async () => {
    releaseTabLock = await holdTabLock(tabId)
    const welcome = await connection.api.hello(
      {
        tabId,
        visible: document.visibilityState === 'visible',
        online: navigator.onLine,
        lastUserId,
        config: options.config ?? {},
        logLevel,
      },
      onBatch,
      onSession,
      log,
    )
    if (welcome.verified) writeLastUser(welcome.userId)
    followTabSignals(tabId, connection.api)
    return welcome
  })()

  const call = async <T>(use: (hub: HubConnection) => Promise<T>): Promise<T> => {
    await ready
    return use(connection)
  }

  const client: ChatClient = {
    ready,
    get mode() {
      return connection.mode
    },
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
    onModeChange(listener) {
      modeListeners.add(listener)
      return () => modeListeners.delete(listener)
    },
    async logout(logoutOptions = {}) {
      await call((hub) => hub.api.logout(tabId, { clearCache: logoutOptions.clearCache ?? false }))
      forgetLastUser()
    },
    async close() {
      await connection.api.bye(tabId).catch(() => {})
      connection.close()
      releaseTabLock()
    },
  }
  return client
}

/** Ask to keep the origin's storage; the answer shows in `stats().storagePersisted`. */
async function persistStorage(log: LogListener) {
  if (!navigator.storage?.persist) {
    log({ level: 'info', event: 'client.persist_unsupported' })
    return
  }
  try {
    const granted = await navigator.storage.persist()
    log({ level: granted ? 'info' : 'warn', event: 'client.persist', granted })
  } catch (error) {
    log({ level: 'warn', event: 'client.persist_failed', error: String(error) })
  }
}
