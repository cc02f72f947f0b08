/** A hub in this page: for browsers without SharedWorker, and for debugging (`mode: 'in-page'`). */
import { createHub, type HubConfig } from '../hub'
import type { HubApi } from '../protocol'
import { createBrowserHubDeps } from '../worker/browser-deps'

/** @internal */
export function createInPageHub(config: Partial<HubConfig>): HubApi {
  const hub = createHub(createBrowserHubDeps('in-page', config))
  addEventListener('online', () => hub.setOnline(true))
  addEventListener('offline', () => hub.setOnline(false))
  return hub
}
