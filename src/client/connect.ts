/**
 * Reach a hub: the SharedWorker when the browser has one; else the hub of the leader tab elected
 * with Web Locks, over `BroadcastChannel`; else a hub in this page. Either way the tab gets a
 * `HubApi` whose every call settles within a time limit.
 */
import { proxy, wrap } from 'comlink'
import type { HubConfig } from '../hub'
import type { HubApi, HubError, HubMode } from '../protocol'
import { HUB_METHODS, HUB_PROTOCOL_VERSION } from '../protocol'
import { canElectLeader } from '../worker/leader-platform'
import { workerName } from '../worker/worker-name'

/** @public How a tab reaches the hub. */
export interface HubConnection {
  api: HubApi
  mode: HubMode
  /** Prepare a callback for the hub (a comlink proxy across threads, the function itself in-page). */
  callback<T extends (...args: never[]) => unknown>(fn: T): T
}

/** @public Options of `connectHub`. */
export interface ConnectOptions {
  /**
   * `auto`: the SharedWorker when available; else a leader tab (Web Locks, `BroadcastChannel` and
   * a `dedicatedWorker` factory needed); else in the page, one hub per tab.
   */
  mode: 'auto' | 'shared-worker' | 'leader-tab' | 'in-page'
  /**
   * Creates the SharedWorker. Bundlers only see a worker written as
   * `new SharedWorker(new URL('persistent-chat/worker', import.meta.url), { type: 'module', name })`,
   * so the app passes that expression in.
   */
  sharedWorker?: ((name: string) => SharedWorker) | undefined
  /**
   * Creates this tab's leader worker (src/worker/leader-worker.ts) for browsers without
   * SharedWorker (Vite: `import LeaderWorker from '../worker/leader-worker?worker'`, then
   * `(name) => new LeaderWorker({ name })`).
   */
  dedicatedWorker?: ((name: string) => Worker) | undefined
  /** The tab's id (names its leader worker in leader-tab mode). */
  tabId?: string | undefined
  config: Partial<HubConfig>
  callTimeoutMs: number
}

/** @public Connect to (or start) the hub. */
export async function connectHub(options: ConnectOptions): Promise<HubConnection> {
  const canShare = 'SharedWorker' in globalThis && options.sharedWorker !== undefined
  if (options.mode === 'shared-worker' && !canShare) {
    throw new Error(
      'persistent-chat: mode "shared-worker" needs SharedWorker support and a `sharedWorker` option; use mode "auto" to fall back to an in-page hub',
    )
  }
  const canLead = canElectLeader() && 'Worker' in globalThis && options.dedicatedWorker !== undefined
  if (options.mode === 'leader-tab' && !canLead) {
    throw new Error(
      'persistent-chat: mode "leader-tab" needs Web Locks, BroadcastChannel, Worker and a `dedicatedWorker` option; use mode "auto" to fall back to an in-page hub',
    )
  }
  if ((options.mode === 'auto' || options.mode === 'shared-worker') && canShare && options.sharedWorker) {
    const worker = options.sharedWorker(workerName(HUB_PROTOCOL_VERSION, options.config))
    const remote = wrap<HubApi>(worker.port)
    return {
      api: withTimeouts(remote as unknown as HubApi, options.callTimeoutMs),
      mode: 'shared-worker',
      callback: proxy,
    }
  }
  if ((options.mode === 'auto' || options.mode === 'leader-tab') && canLead && options.dedicatedWorker) {
    const { connectLeaderTab } = await import('./leader/connect-leader')
    const api = connectLeaderTab({
      tabId: options.tabId ?? crypto.randomUUID(),
      dedicatedWorker: options.dedicatedWorker,
      config: options.config,
      timeLimit: (method) => callTimeLimit(method, options.callTimeoutMs),
    })
    // The leader client times each call itself, waiting for a leader included.
    return { api, mode: 'leader-tab', callback: (fn) => fn }
  }
  // Loaded only when needed: the hub core stays out of the tab bundle of SharedWorker browsers.
  const { createInPageHub } = await import('./in-page-hub')
  return { api: createInPageHub(options.config), mode: 'in-page', callback: (fn) => fn }
}

/** Calls that wait on the network get longer; none may hang forever (a dead worker never answers). */
const SLOW_CALLS = new Set<keyof HubApi>(['hello', 'subscribe', 'loadOlder', 'logout'])

/** @public The time limit of one call: longer for those that wait on the network. */
export function callTimeLimit(method: keyof HubApi, timeoutMs: number): number {
  return SLOW_CALLS.has(method) ? timeoutMs * 3 : timeoutMs
}

function withTimeouts(api: HubApi, timeoutMs: number): HubApi {
  const limited = {} as Record<keyof HubApi, unknown>
  for (const name of HUB_METHODS) {
    const limit = callTimeLimit(name, timeoutMs)
    limited[name] = (...args: unknown[]) =>
      settleWithin(
        (api[name] as (...a: unknown[]) => Promise<unknown>)(...args),
        limit,
        `${String(name)}() got no answer from the hub within ${limit} ms`,
      )
  }
  return limited as unknown as HubApi
}

function settleWithin<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject({ code: 'timeout', message } satisfies HubError), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
