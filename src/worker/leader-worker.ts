/**
 * The leader-tab entry (browsers without SharedWorker): a dedicated worker per tab that joins the
 * election once its tab says start, and while it leads runs the same hub as the SharedWorker for
 * every tab. Wiring only.
 */
/// <reference lib="webworker" />
import { consoleLogger } from '../hub'
import { runLeaderWorker } from '../leader/worker-main'
import { createBrowserHubDeps, followNetwork, storagePersisted } from './browser-deps'

declare const self: DedicatedWorkerGlobalScope

const log = consoleLogger('info')
void runLeaderWorker(self, {
  hubDeps: (config, hubLog) => createBrowserHubDeps('leader-tab', config, hubLog),
  locks: navigator.locks,
  log,
  storagePersisted,
}).then((host) => followNetwork(self, (online) => host.hub?.setOnline(online)))
