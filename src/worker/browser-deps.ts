/**
 * The hub's effects in a browser context (SharedWorker, dedicated worker or page): same-origin
 * `fetch` with cookies, the real clock, IndexedDB.
 */
import type { HubConfig, HubDeps } from '../hub'
import { systemClock } from '../hub'
import type { HubMode } from '../protocol'
import { deleteChatStore, openChatStore } from '../store'

/** @public Build the deps of a hub running in a browser. */
export function createBrowserHubDeps(mode: HubMode, config: Partial<HubConfig> = {}): HubDeps {
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
        onWarning: (warning) => console.warn(`persistent-chat: ${warning.message}`),
      }),
    deleteStore: deleteChatStore,
    isOnline: () => navigator.onLine,
    mode,
    config,
    log: (entry) => {
      if (entry.level === 'warn' || entry.level === 'error') console[entry.level]('persistent-chat', entry)
    },
  }
}
