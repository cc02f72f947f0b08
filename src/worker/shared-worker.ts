/**
 * The SharedWorker entry: the host (a hub per config, liveness, tab locks) exposed on every
 * connecting tab's port, and the worker's network events. Wiring only.
 */
/// <reference lib="webworker" />
import { expose, type Remote, releaseProxy } from 'comlink'
import { consoleLogger, createHub } from '../hub'
import { createBrowserHubDeps, followNetwork, storagePersisted } from './browser-deps'
import { createSharedHost } from './shared-host'

declare const self: SharedWorkerGlobalScope

const log = consoleLogger('warn')
const host = createSharedHost({
  createHub: (config, hubHost) =>
    createHub(createBrowserHubDeps('shared-worker', config, log), { ...hubHost, storagePersisted }),
  locks: 'locks' in navigator ? navigator.locks : undefined,
  newId: () => crypto.randomUUID(),
  log,
  release: (listener) => (listener as Remote<unknown>)[releaseProxy](),
})
followNetwork(self, host.setOnline)

self.addEventListener('connect', (event) => {
  for (const port of event.ports) expose(host.forPort(), port)
})
