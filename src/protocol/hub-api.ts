/**
 * The tab ↔ hub contract: what a tab may call on the hub (over comlink to the SharedWorker,
 * or directly when the hub runs in the page). Type-only.
 */
import type { ChannelBatch } from './events'
import type { LogLevel, LogListener } from './log'
import type { PersistentChatMessage } from './message'
import type { HubConfigJson } from './names'
import type { OutboxEntry, SendDraft } from './outbox'
import type { ConnectionStatusName } from './status'

/**
 * @public Bumped whenever `HubApi` changes shape. Part of the SharedWorker's name (so an old
 * worker still serving old tabs is not reached by a new tab where names are honoured) and of
 * `ping`'s answer (so a tab notices where they are not).
 */
export const HUB_PROTOCOL_VERSION = 2

/** @public What a tab tells the hub when it attaches. */
export interface TabHello {
  tabId: string
  visible: boolean
  /** `navigator.onLine` in the tab. */
  online?: boolean | undefined
  /**
   * The user this tab last saw. Used only while the preflight cannot reach the server
   * (offline), so a reopened tab can paint its cache and queue sends; any stream or send then
   * checks the real user.
   */
  lastUserId?: string | undefined
  /**
   * The hub config the tab was created with (a `Partial<HubConfig>`). A SharedWorker keeps one
   * hub per config, chosen here: its name may be ignored (Safari), so the config cannot travel
   * only there.
   */
  config?: HubConfigJson | undefined
  /** The lowest level of the hub's log entries the tab wants (`hello`'s `onLog`). Default `warn`. */
  logLevel?: LogLevel | undefined
}

/** @public What `ping` answers: at once, without the network. */
export interface HubPing {
  protocolVersion: number
  /** The hub host's instance: a different id means another hub than before (restarted, replaced). */
  hubId: string
}

/** @public What the hub answers: the user the proxy authenticated, not the tab's word. */
export interface HubWelcome {
  userId: string
  heartbeatMs: number
  protocolVersion: number
  /** False when the server could not be reached and the hub trusted `lastUserId` for now. */
  verified: boolean
  mode: HubMode
  /** This hub's instance (as `ping` says). */
  hubId: string
  /**
   * A Web Lock the hub's host holds while this hub lives; a tab queues for it and is granted it
   * when the hub is gone. Absent where the hub cannot die without the tab (in-page) or Web
   * Locks are missing.
   */
  liveness?: string | undefined
}

/** @public Where the hub runs. */
export type HubMode = 'shared-worker' | 'leader-tab' | 'in-page'

/** @public Errors cross comlink as plain data. */
export interface HubError {
  code: 'unauthenticated' | 'timeout' | 'unknown_tab' | 'invalid_argument' | 'not_found' | 'unavailable'
  message: string
  /** The HTTP status behind `unauthenticated` (401, or 403 when the proxy refused the request). */
  httpStatus?: number | undefined
}

/** @public Per-project figures in `HubStats`. */
export interface ProjectStats {
  projectId: string
  userId: string
  status: ConnectionStatusName
  /** Whether an upstream stream is open or being opened. */
  streaming: boolean
  lowSeq: number | null
  highSeq: number | null
  subscribers: number
  reconnects: number
  replayed: number
  gapFills: number
  outboxDepth: number
}

/** @public Per-tab figures in `HubStats`. */
export interface TabStats {
  tabId: string
  userId: string
  visible: boolean
  projects: string[]
  /** Milliseconds from the hub having a batch ready to the tab acknowledging it (last, max). */
  lastDeliveryLagMs: number | null
  maxDeliveryLagMs: number | null
}

/** @public The hub's figures, for the status panel and tests. */
export interface HubStats {
  /** Upstream streams held (open or connecting). */
  connections: number
  tabs: number
  visibleTabs: number
  hiddenTabs: number
  /** IndexedDB writes failed (e.g. quota) and the hub works from memory. */
  degraded: boolean
  mode: HubMode
  projects: ProjectStats[]
  tabList: TabStats[]
  /**
   * Whether the browser promised to keep this origin's storage (`navigator.storage.persisted()`,
   * asked for with `createChatClient({ persistStorage: true })`); `null` where it cannot say.
   */
  storagePersisted: boolean | null
}

/** @public Called by the hub with each batch for the tab; resolves when the tab has applied it. */
export type BatchListener = (batch: ChannelBatch) => void | Promise<void>

/** @public What happened to the tab's user session. */
export type SessionEvent = { type: 'logged_out' } | { type: 'auth_failed'; code: number; reason: string }

/** @public Called when the user's session ends (logout in any tab) or the server refuses it (401). */
export type SessionListener = (event: SessionEvent) => void

/**
 * @public The hub as tabs see it. Every method may reject with a `HubError`.
 */
export interface HubApi {
  /** Answers at once without the network: the hub runs, speaks this protocol version, and is this instance. */
  ping(): Promise<HubPing>
  /**
   * Attach a tab: runs the auth preflight (shared by tabs attaching together) and registers its
   * listeners. `onLog` receives the hub's log entries from `hello.logLevel` up.
   */
  hello(
    hello: TabHello,
    onBatch: BatchListener,
    onSession: SessionListener,
    onLog?: LogListener | undefined,
  ): Promise<HubWelcome>
  /** Subscribe the tab to a project: a `reset` batch with the snapshot arrives first, then every change. */
  subscribe(tabId: string, projectId: string): Promise<void>
  unsubscribe(tabId: string, projectId: string): Promise<void>
  /** Queue a message: it is in the outbox (and shown optimistically in every tab) when this resolves. */
  send(tabId: string, projectId: string, draft: SendDraft): Promise<OutboxEntry>
  retrySend(tabId: string, clientMsgId: string): Promise<void>
  discardSend(tabId: string, clientMsgId: string): Promise<void>
  /** Messages before `beforeSeq`, ascending, from the cache or else the history API. */
  loadOlder(
    tabId: string,
    projectId: string,
    beforeSeq: number,
    limit: number,
  ): Promise<{ messages: PersistentChatMessage[]; hasOlder: boolean }>
  /** Retry now: clears `auth_failed` and skips any backoff wait. */
  reconnect(tabId: string, projectId?: string): Promise<void>
  setVisibility(tabId: string, visible: boolean): Promise<void>
  /**
   * The tab saw the browser go offline or come back (its `offline`/`online` events; a worker
   * does not always get them). Online: retry every waiting connection and send now.
   */
  setNetwork(tabId: string, online: boolean): Promise<void>
  stats(): Promise<HubStats>
  /** Drop this user's channels, credentials and, with `clearCache`, the IndexedDB database. */
  logout(tabId: string, options: { clearCache: boolean }): Promise<void>
  /** The tab is going away (pagehide). The worker also notices a dead tab through its Web Lock. */
  bye(tabId: string): Promise<void>
}

/** Every `HubApi` method once; a `Record` so a method added to the interface must be added here. */
const METHOD_SET: Record<keyof HubApi, true> = {
  ping: true,
  hello: true,
  subscribe: true,
  unsubscribe: true,
  send: true,
  retrySend: true,
  discardSend: true,
  loadOlder: true,
  reconnect: true,
  setVisibility: true,
  setNetwork: true,
  stats: true,
  logout: true,
  bye: true,
}

/** @public The names of the `HubApi` methods (for wrappers and RPC dispatchers). */
export const HUB_METHODS = Object.keys(METHOD_SET) as Array<keyof HubApi>
