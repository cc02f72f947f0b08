/**
 * The tab ↔ hub contract: what a tab may call on the hub (over comlink to the SharedWorker,
 * or directly when the hub runs in the page). Type-only.
 */
import type { ChannelBatch } from './events'
import type { PersistentChatMessage } from './message'
import type { OutboxEntry, SendDraft } from './outbox'
import type { ConnectionStatusName } from './status'

/**
 * @public Bumped whenever `HubApi` changes shape; part of the SharedWorker's name, so an old
 * worker still serving old tabs is never reached by a new tab.
 */
export const HUB_PROTOCOL_VERSION = 1

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
}

/** @public What the hub answers: the user the proxy authenticated, not the tab's word. */
export interface HubWelcome {
  userId: string
  heartbeatMs: number
  protocolVersion: number
  /** False when the server could not be reached and the hub trusted `lastUserId` for now. */
  verified: boolean
  mode: HubMode
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
  /** Attach a tab: runs the auth preflight (shared by tabs attaching together) and registers its listeners. */
  hello(hello: TabHello, onBatch: BatchListener, onSession: SessionListener): Promise<HubWelcome>
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
