/**
 * `createChatClient`: what an app uses in a tab. It attaches to the hub, paints each project
 * from IndexedDB before the hub answers, and keeps a `ProjectView` per project current.
 */
import type { HubConfig } from '../hub'
import {
  type ChannelBatch,
  type HubError,
  type HubStats,
  type HubWelcome,
  newClientMsgId,
  type OutboxEntry,
  type SendDraft,
  type SessionEvent,
} from '../protocol'
import { openChatStore } from '../store'
import { tabLockName } from '../worker/tab-lock'
import { connectHub, type HubConnection } from './connect'
import { applyChanges, EMPTY_VIEW, type ProjectView, prependOlder } from './message-list'

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

/** @public A project as one tab sees it. */
export interface ChatProject {
  readonly id: string
  /** The current view; `subscribe` tells of every change. */
  readonly view: ProjectView
  subscribe(listener: (view: ProjectView) => void): () => void
  /**
   * Queue a message; it shows at once as optimistic in every tab and is sent until acknowledged.
   * When the call fails (a hub too busy to answer may still have queued it), sending the same
   * text again reuses its `client_msg_id`, so it lands once.
   */
  send(text: string, options?: Omit<SendDraft, 'text'>): Promise<OutboxEntry>
  retry(clientMsgId: string): Promise<void>
  discard(clientMsgId: string): Promise<void>
  /** Load up to `limit` older messages into the view; resolves with how many were added. */
  loadOlder(limit?: number): Promise<number>
  /** Retry now, also after `auth_failed`. */
  reconnect(): Promise<void>
  /** Stop following the project in this tab. */
  close(): Promise<void>
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

const LAST_USER_KEY = 'persistent-chat:last-user'

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
      return state.handle
    },
    stats: () => call((hub) => hub.api.stats()),
    onSession(listener) {
      sessionListeners.add(listener)
      return () => sessionListeners.delete(listener)
    },
    async logout(logoutOptions = {}) {
      await call((hub) => hub.api.logout(tabId, { clearCache: logoutOptions.clearCache ?? false }))
      localStorage.removeItem(LAST_USER_KEY)
    },
    async close() {
      await call((hub) => hub.api.bye(tabId)).catch(() => {})
      releaseTabLock()
    },
  }
  return client
}

interface ProjectState {
  handle: ChatProject
  start(lastUserId: string | undefined, cachedPaint: number): Promise<void>
  apply(batch: ChannelBatch): void
}

function createProjectState(
  tabId: string,
  projectId: string,
  call: <T>(use: (hub: HubConnection) => Promise<T>) => Promise<T>,
  forget: () => void,
): ProjectState {
  let view: ProjectView = EMPTY_VIEW
  const listeners = new Set<(view: ProjectView) => void>()

  const publish = (next: ProjectView) => {
    view = next
    for (const listener of listeners) listener(view)
  }

  /** The last send whose call failed: the hub may have queued it anyway. */
  let unconfirmed: { text: string; clientMsgId: string } | undefined

  const handle: ChatProject = {
    id: projectId,
    get view() {
      return view
    },
    subscribe(listener) {
      listeners.add(listener)
      listener(view)
      return () => listeners.delete(listener)
    },
    async send(text, draft = {}) {
      // The id is chosen here, so repeating the call (a timeout, a new leader) cannot queue it
      // twice; a send that failed unconfirmed (the hub may still queue it) keeps its id for the
      // next send of the same text.
      const clientMsgId =
        draft.client_msg_id ?? (unconfirmed?.text === text ? unconfirmed.clientMsgId : newClientMsgId())
      try {
        const entry = await call((hub) =>
          hub.api.send(tabId, projectId, { ...draft, text, client_msg_id: clientMsgId }),
        )
        if (unconfirmed?.clientMsgId === clientMsgId) unconfirmed = undefined
        return entry
      } catch (error) {
        unconfirmed = { text, clientMsgId }
        throw error
      }
    },
    retry: (id) => call((hub) => hub.api.retrySend(tabId, id)),
    discard: (id) => call((hub) => hub.api.discardSend(tabId, id)),
    async loadOlder(limit = 100) {
      const first = view.messages.find((m) => m.seq !== undefined)?.seq
      if (first === undefined || !view.hasOlder) return 0
      const older = await call((hub) => hub.api.loadOlder(tabId, projectId, first, limit))
      publish(prependOlder(view, older.messages, older.hasOlder))
      return older.messages.length
    },
    reconnect: () => call((hub) => hub.api.reconnect(tabId, projectId)),
    async close() {
      forget()
      listeners.clear()
      await call((hub) => hub.api.unsubscribe(tabId, projectId)).catch(() => {})
    },
  }

  return {
    handle,
    async start(lastUserId, cachedPaint) {
      // Paint from the cache first: no network, no hub round trip.
      if (lastUserId !== undefined)
        void paintFromCache(lastUserId, projectId, cachedPaint, (messages) => {
          if (!view.live) publish({ ...view, messages, hasOlder: (messages[0]?.seq ?? 1) > 1 })
        })
      try {
        await call((hub) => hub.api.subscribe(tabId, projectId))
      } catch (error) {
        // Not signed in (or the hub is unreachable): say so in the view instead of failing silently.
        const { code, message } = asHubError(error)
        publish({
          ...view,
          status:
            code === 'unauthenticated'
              ? { status: 'auth_failed', code: 401, reason: message }
              : { status: 'disconnected' },
        })
      }
    },
    apply(batch) {
      publish(applyChanges(view, batch.changes))
    },
  }
}

function asHubError(error: unknown): HubError {
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error) {
    return { code: error.code as HubError['code'], message: String(error.message) }
  }
  return { code: 'unavailable', message: String(error) }
}

async function paintFromCache(
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

/** Hold a Web Lock for the tab's lifetime; the hub waits on it to learn the tab is gone. */
function holdTabLock(tabId: string): Promise<() => void> {
  if (!('locks' in navigator)) return Promise.resolve(() => {})
  return new Promise((granted) => {
    void navigator.locks.request(tabLockName(tabId), () => new Promise<void>((release) => granted(release)))
  })
}

function readLastUser(): string | undefined {
  try {
    return localStorage.getItem(LAST_USER_KEY) ?? undefined
  } catch {
    return undefined
  }
}

function writeLastUser(userId: string) {
  try {
    localStorage.setItem(LAST_USER_KEY, userId)
  } catch {
    // storage disabled: offline reopen then needs the server
  }
}
