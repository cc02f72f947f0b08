/**
 * A hub in the page: for browsers with neither SharedWorker nor a leader tab, and for debugging
 * (`mode: 'in-page'`). Its log entries reach the tab through `hello`'s `onLog`, like every mode's.
 */
import { createHub, type Hub, type HubConfig } from '../hub'
import { createBrowserHubDeps, followNetwork, storagePersisted } from './browser-deps'

/** @internal Start the page's own hub. */
export function createInPageHub(config: Partial<HubConfig>): Hub {
  const hub = createHub(
    createBrowserHubDeps('in-page', config, () => {}),
    { storagePersisted },
  )
  followNetwork(globalThis, hub.setOnline)
  return hub
}
