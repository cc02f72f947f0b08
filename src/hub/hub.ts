/**
 * The hub: attached tabs, the auth preflight, one `UserSession` per signed-in user, and the
 * fan-out of each project's batches (and of its log entries) to the tabs that show it.
 * Runtime-neutral: the SharedWorker, a leader tab or the page wires it to comlink, Web Locks and
 * the platform's events, and tells it who it is (`HubHost`).
 */
import type {
  BatchListener,
  ChannelChange,
  HubApi,
  HubError,
  HubStats,
  HubWelcome,
  LogEntry,
  LogLevel,
  LogListener,
  SessionEvent,
  SessionListener,
  TabStats,
} from '../protocol'
import { atLeast, CLIENT_MSG_ID_PATTERN, HUB_PROTOCOL_VERSION, hubError, isProjectId } from '../protocol'
import { DEFAULT_HUB_CONFIG, type HubConfig, type HubDeps, type Logger } from './deps'
import { errorMessage, parsePreflight, readJson, request } from './http'
import { createUserSession, type UserSession } from './user-session'

/** @public The hub, plus what its host (worker, leader tab) calls. */
export interface Hub extends HubApi {
  /** The tab is gone (its Web Lock was released, or it said bye). */
  detach(tabId: string): void
  /** The platform's `online`/`offline` events. */
  setOnline(online: boolean): void
  /** Log an entry of the host's (election, worker): it goes where the hub's own entries go, tabs included. */
  log(entry: LogEntry): void
  /** Stop everything (tests, a leader standing down). */
  close(): void
}

/** @public Who the hub is, as its host knows it. */
export interface HubHost {
  /** The instance id `ping` and `hello` answer. Default: a fresh random one. */
  id?: string | undefined
  /** The Web Lock the host holds while this hub lives (`HubWelcome.liveness`). */
  liveness?: string | undefined
  /** Whether the origin's storage is persisted (`null`: cannot say). */
  storagePersisted?: (() => Promise<boolean | null>) | undefined
}

interface Tab {
  id: string
  userId: string
  visible: boolean
  onBatch: BatchListener
  onSession: SessionListener
  onLog: LogListener | undefined
  logLevel: LogLevel
  projects: Set<string>
  unacknowledged: number
  lastLagMs: number | null
  maxLagMs: number | null
}

/** A tab that stops acknowledging batches is treated as gone. */
const MAX_UNACKNOWLEDGED_BATCHES = 1_000

/** @public Create a hub. */
export function createHub(deps: HubDeps, host: HubHost = {}): Hub {
  const config: HubConfig = { ...DEFAULT_HUB_CONFIG, ...deps.config }
  const hubId = host.id ?? crypto.randomUUID()
  const tabs = new Map<string, Tab>()
  /** The host's log, and every tab that asked for entries of this level. */
  const log: Logger = (entry) => {
    deps.log?.(entry)
    for (const tab of tabs.values()) {
      const listener = tab.onLog
      if (listener && atLeast(entry.level, tab.logLevel)) safely(() => listener(entry))
    }
  }
  const sessions = new Map<string, Promise<UserSession>>()
  let heartbeatMs = config.heartbeatMs
  /** A tab (or the worker's own event) said the browser is offline. */
  let offlineReported = false
  const sessionDeps: HubDeps = { ...deps, isOnline: () => !offlineReported && deps.isOnline() }
  let preflightInFlight: Promise<{ userId: string; verified: boolean } | HubError> | undefined

  /** One preflight for every tab that attaches while it runs. */
  const preflight = (lastUserId: string | undefined) => {
    preflightInFlight ??= (async () => {
      const result = await request(deps.fetch, deps.clock, `${config.apiBase}/stream`, {
        method: 'POST',
        body: {},
        timeoutMs: config.requestTimeoutMs,
      })
      if (result.ok) {
        const json = await readJson(result.response)
        const answer = json.ok ? parsePreflight(json.json) : undefined
        if (!answer) return hubError('unavailable', 'the auth preflight answered something unexpected')
        if (answer.heartbeatMs > 0) heartbeatMs = answer.heartbeatMs
        return { userId: answer.userId, verified: true }
      }
      const { failure } = result
      if (failure.kind === 'auth')
        return { ...hubError('unauthenticated', failure.reason || 'not signed in'), httpStatus: failure.code }
      if (lastUserId !== undefined && failure.kind === 'retry') {
        // The server is out of reach: trust the tab's last user for the cache and outbox only.
        return { userId: lastUserId, verified: false }
      }
      return hubError('unavailable', failure.kind === 'retry' ? failure.reason : failure.kind)
    })().finally(() => {
      preflightInFlight = undefined
    })
    return preflightInFlight
  }

  const sessionFor = (userId: string): Promise<UserSession> => {
    let session = sessions.get(userId)
    if (!session) {
      session = (async () => {
        const store = await deps.openStore(userId)
        const created = createUserSession({
          userId,
          deps: sessionDeps,
          config,
          store,
          log,
          heartbeatMs: () => heartbeatMs,
          deliver,
          isVisible: (tabId) => tabs.get(tabId)?.visible ?? false,
          onUnauthenticated: (code, reason) => notifyUser(userId, { type: 'auth_failed', code, reason }),
        })
        await created.start()
        return created
      })()
      sessions.set(userId, session)
      session.catch(() => sessions.delete(userId))
    }
    return session
  }

  const notifyUser = (userId: string, event: SessionEvent) => {
    for (const tab of tabs.values()) if (tab.userId === userId) safely(() => tab.onSession(event))
  }

  /** One `postMessage` per tab per batch; the tab's acknowledgement measures delivery lag. */
  const deliver = (tabIds: ReadonlySet<string>, projectId: string, changes: ChannelChange[]) => {
    if (changes.length === 0) return
    const batch = { projectId, changes }
    for (const tabId of tabIds) {
      const tab = tabs.get(tabId)
      if (!tab) continue
      if (tab.unacknowledged >= MAX_UNACKNOWLEDGED_BATCHES) {
        log({ level: 'warn', event: 'hub.tab_unresponsive', tabId })
        hub.detach(tabId)
        continue
      }
      const sentAt = deps.clock.now()
      tab.unacknowledged++
      Promise.resolve()
        .then(() => tab.onBatch(batch))
        .then(
          () => {
            tab.unacknowledged--
            const lag = deps.clock.now() - sentAt
            tab.lastLagMs = lag
            tab.maxLagMs = Math.max(tab.maxLagMs ?? 0, lag)
          },
          (error: unknown) => {
            log({ level: 'warn', event: 'hub.delivery_failed', tabId, error: errorMessage(error) })
            hub.detach(tabId)
          },
        )
    }
  }

  const tabOf = (tabId: string): Tab => {
    const tab = tabs.get(tabId)
    if (!tab)
      throw hubError('unknown_tab', `tab ${tabId} has not said hello (or was detached); call hello() first`)
    return tab
  }

  const sessionOfTab = async (tabId: string) => {
    const tab = tabOf(tabId)
    const session = await sessionFor(tab.userId)
    return { tab, session }
  }

  const checkProject = (projectId: string) => {
    if (!isProjectId(projectId)) {
      throw hubError(
        'invalid_argument',
        `invalid project id ${JSON.stringify(projectId)}: use 1–64 of A–Z a–z 0–9 _ -`,
      )
    }
  }

  const hub: Hub = {
    async ping() {
      return { protocolVersion: HUB_PROTOCOL_VERSION, hubId }
    },

    async hello(hello, onBatch, onSession, onLog): Promise<HubWelcome> {
      if (hello.online === false) offlineReported = true
      const who = await preflight(hello.lastUserId)
      if ('code' in who) throw who
      const previous = tabs.get(hello.tabId)
      if (previous) hub.detach(hello.tabId)
      tabs.set(hello.tabId, {
        id: hello.tabId,
        userId: who.userId,
        visible: hello.visible,
        onBatch,
        onSession,
        onLog,
        logLevel: hello.logLevel ?? 'warn',
        projects: new Set(),
        unacknowledged: 0,
        lastLagMs: null,
        maxLagMs: null,
      })
      await sessionFor(who.userId)
      return {
        userId: who.userId,
        heartbeatMs,
        protocolVersion: HUB_PROTOCOL_VERSION,
        verified: who.verified,
        mode: deps.mode,
        hubId,
        ...(host.liveness === undefined ? {} : { liveness: host.liveness }),
      }
    },

    async subscribe(tabId, projectId) {
      checkProject(projectId)
      const { tab, session } = await sessionOfTab(tabId)
      tab.projects.add(projectId)
      await session.subscribe(tabId, projectId)
    },

    async unsubscribe(tabId, projectId) {
      const { tab, session } = await sessionOfTab(tabId)
      tab.projects.delete(projectId)
      session.unsubscribe(tabId, projectId)
    },

    async send(tabId, projectId, draft) {
      checkProject(projectId)
      if (typeof draft?.text !== 'string' || draft.text.trim() === '') {
        throw hubError('invalid_argument', 'send() needs a non-empty text')
      }
      if (draft.client_msg_id !== undefined && !CLIENT_MSG_ID_PATTERN.test(draft.client_msg_id)) {
        throw hubError('invalid_argument', 'client_msg_id must be 1–128 of A–Z a–z 0–9 _ . : -')
      }
      const { session } = await sessionOfTab(tabId)
      return session.send(projectId, draft)
    },

    async retrySend(tabId, clientMsgId) {
      const { session } = await sessionOfTab(tabId)
      await session.retrySend(clientMsgId)
    },

    async discardSend(tabId, clientMsgId) {
      const { session } = await sessionOfTab(tabId)
      await session.discardSend(clientMsgId)
    },

    async loadOlder(tabId, projectId, beforeSeq, limit) {
      checkProject(projectId)
      if (!Number.isSafeInteger(beforeSeq) || beforeSeq < 1 || !Number.isInteger(limit)) {
        throw hubError(
          'invalid_argument',
          `loadOlder() needs a seq ≥ 1 and an integer limit, got ${typeof beforeSeq} ${String(beforeSeq)} and ${typeof limit} ${String(limit)}`,
        )
      }
      const { session } = await sessionOfTab(tabId)
      return session.loadOlder(projectId, beforeSeq, Math.max(1, Math.min(limit, config.pageSize)))
    },

    async reconnect(tabId, projectId) {
      const { session } = await sessionOfTab(tabId)
      session.reconnect(projectId)
    },

    async setVisibility(tabId, visible) {
      const tab = tabOf(tabId)
      tab.visible = visible
      ;(await sessionFor(tab.userId)).visibilityChanged()
    },

    async setNetwork(tabId, online) {
      tabOf(tabId)
      hub.setOnline(online)
    },

    async stats(): Promise<HubStats> {
      const all = await Promise.all([...sessions.values()].map((s) => s.catch(() => undefined)))
      const live = all.filter((s): s is UserSession => s !== undefined)
      const tabList: TabStats[] = [...tabs.values()].map((tab) => ({
        tabId: tab.id,
        userId: tab.userId,
        visible: tab.visible,
        projects: [...tab.projects],
        lastDeliveryLagMs: tab.lastLagMs,
        maxDeliveryLagMs: tab.maxLagMs,
      }))
      return {
        connections: live.reduce((sum, s) => sum + s.streams(), 0),
        tabs: tabs.size,
        visibleTabs: tabList.filter((t) => t.visible).length,
        hiddenTabs: tabList.filter((t) => !t.visible).length,
        degraded: live.some((s) => s.store.degraded),
        mode: deps.mode,
        projects: live.flatMap((s) => s.stats()),
        tabList,
        storagePersisted: (await host.storagePersisted?.().catch(() => null)) ?? null,
      }
    },

    async logout(tabId, options) {
      const { userId } = tabOf(tabId)
      const session = await sessions.get(userId)?.catch(() => undefined)
      sessions.delete(userId)
      await session?.logout()
      notifyUser(userId, { type: 'logged_out' })
      for (const tab of [...tabs.values()]) if (tab.userId === userId) tabs.delete(tab.id)
      if (options.clearCache) await deps.deleteStore(userId)
    },

    async bye(tabId) {
      hub.detach(tabId)
    },

    detach(tabId) {
      const tab = tabs.get(tabId)
      if (!tab) return
      tabs.delete(tabId)
      void sessions
        .get(tab.userId)
        ?.then((session) => {
          for (const projectId of tab.projects) session.unsubscribe(tabId, projectId)
        })
        .catch(() => {})
    },

    setOnline(online) {
      offlineReported = !online
      for (const session of sessions.values()) {
        void session.then((s) => (online ? s.online() : s.offline())).catch(() => {})
      }
    },

    log,

    close() {
      for (const session of sessions.values()) void session.then((s) => s.close()).catch(() => {})
      sessions.clear()
      tabs.clear()
    },
  }
  return hub
}

function safely(call: () => unknown) {
  try {
    void Promise.resolve(call()).catch(() => {})
  } catch {
    // a tab that cannot be told is detached by its lock or its acknowledgements
  }
}
