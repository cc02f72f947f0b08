/**
 * The hub in a browser context (SharedWorker, dedicated worker or page): its effects (same-origin
 * `fetch` with cookies, the real clock, IndexedDB), the platform's `online`/`offline` events, and
 * what the host tells the hub about the origin (storage persistence). One place for all three modes.
 */
import type { HubConfig, HubDeps, Logger } from '../hub'
import { consoleLogger, systemClock } from '../hub'
import type { HubMode } from '../protocol'
import { deleteChatStore, openChatStore } from '../store'

/** @public Build the deps of a hub running in a browser; `log` defaults to warnings and errors on this context's console. */
export function createBrowserHubDeps(
  mode: HubMode,
  config: Partial<HubConfig> = {},
  log: Logger = consoleLogger('warn'),
): HubDeps {
  return {
    fetch: (url, init) =>
      fetch(url, {
        method: init.method,
        headers: init.headers,
        body: init.body ?? null,
        signal: init.signal ?? null,
        credentials: 'same-origin',
        cache: 'no-store',
      }),
    clock: systemClock,
    random: Math.random,
    openStore: (userId) =>
      openChatStore({
        userId,
        onWarning: (warning) => log({ level: 'warn', event: 'store.warning', message: warning.message }),
      }),
    deleteStore: deleteChatStore,
    isOnline: () => navigator.onLine,
    mode,
    config,
    log,
  }
}

/** @public Something with `online`/`offline` events: a worker's global scope, or the page's. */
export interface NetworkEvents {
  addEventListener(type: 'online' | 'offline', listener: () => void): void
  removeEventListener(type: 'online' | 'offline', listener: () => void): void
}

/** @public Tell the hub(s) when the context's network comes and goes; returns a function that stops. */
export function followNetwork(target: NetworkEvents, setOnline: (online: boolean) => void): () => void {
  const online = () => setOnline(true)
  const offline = () => setOnline(false)
  target.addEventListener('online', online)
  target.addEventListener('offline', offline)
  return () => {
    target.removeEventListener('online', online)
    target.removeEventListener('offline', offline)
  }
}

/** @public `navigator.storage.persisted()` where the context has it; `null` where it cannot say. */
export async function storagePersisted(): Promise<boolean | null> {
  if (typeof navigator === 'undefined' || !navigator.storage?.persisted) return null
  return navigator.storage.persisted()
}
