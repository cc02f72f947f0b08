/**
 * The effects the hub needs, passed in so the same core runs in a SharedWorker, a leader tab,
 * the page, or a Node test with a fake clock.
 */
import type { HubMode } from '../protocol'
import type { ChatStore } from '../store'

/** @public The subset of `fetch` the hub uses. */
export type FetchLike = (
  url: string,
  init: {
    method: 'GET' | 'POST'
    headers: Record<string, string>
    body?: string | undefined
    signal?: AbortSignal | undefined
  },
) => Promise<Response>

/** @public Time, injectable for tests. */
export interface Clock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** @public The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** @public Structured log line; never contains message text or credentials. */
export type Logger = (
  entry: { level: 'debug' | 'info' | 'warn' | 'error'; event: string } & Record<string, unknown>,
) => void

/** @public Tunables, all with defaults (`DEFAULT_HUB_CONFIG`). */
export interface HubConfig {
  /** Base path of the proxy routes. */
  apiBase: string
  /** Keep a project's stream this long after its last subscriber leaves (a reload keeps it). */
  closeGraceMs: number
  /** Close a project's stream when every subscribed tab has been hidden this long; `null`: never. */
  closeWhenAllHiddenMs: number | null
  /** A gap larger than this starts a new window at the latest page instead of paging it all. */
  maxBackfill: number
  /** History page size (≤ 200). */
  pageSize: number
  /** Messages a snapshot carries, and that each channel keeps in memory. */
  windowSize: number
  /**
   * A catch-up that would grow the tabs' lists by more than this pages into the store without
   * telling the tabs, who then get a new window of the newest `windowSize` (older ones are a
   * scroll away, from the store).
   */
  maxTabBackfill: number
  /**
   * Paging a catch-up, ask for the next history page while one is in flight (two requests at a
   * time instead of one); its answer is used only where it is exactly the page due next.
   */
  prefetchHistory: boolean
  /** A connection must stay up this long before the backoff attempt count resets. */
  minUptimeMs: number
  /** Fallback when the preflight does not say. */
  heartbeatMs: number
  /** Time limit of each request other than the stream itself. */
  requestTimeoutMs: number
  /**
   * `multiplexed`: every project of the user in one stream (`/mux`, docs/mux-stream.md), so the
   * hub holds one long-lived request however many projects; `per-project`: one `/stream` each.
   * A proxy without `/mux` makes `multiplexed` fall back to `per-project` by itself.
   */
  streams: 'multiplexed' | 'per-project'
}

/** @public */
export const DEFAULT_HUB_CONFIG: HubConfig = {
  apiBase: '/api/persistent-chat',
  closeGraceMs: 5_000,
  closeWhenAllHiddenMs: null,
  maxBackfill: 10_000,
  pageSize: 200,
  windowSize: 500,
  maxTabBackfill: 5_000,
  prefetchHistory: true,
  minUptimeMs: 5_000,
  heartbeatMs: 20_000,
  requestTimeoutMs: 15_000,
  streams: 'multiplexed',
}

/** @public Everything a hub is built from. */
export interface HubDeps {
  fetch: FetchLike
  clock: Clock
  random: () => number
  openStore(userId: string): Promise<ChatStore>
  deleteStore(userId: string): Promise<void>
  isOnline(): boolean
  mode: HubMode
  config?: Partial<HubConfig> | undefined
  log?: Logger | undefined
}

/** @internal What every part of one user's session works with: that user's effects and store. */
export interface SessionIo {
  userId: string
  fetch: FetchLike
  clock: Clock
  random: () => number
  store: ChatStore
  config: HubConfig
  log: Logger
  isOnline(): boolean
}
