/**
 * The leader-tab entry (browsers without SharedWorker): a dedicated worker per tab that joins
 * the election and, while it leads, runs the same hub as the SharedWorker for every tab.
 */
/// <reference lib="webworker" />
import { createHub, type Hub } from '../hub'
import { HUB_PROTOCOL_VERSION } from '../protocol'
import { createBrowserHubDeps } from './browser-deps'
import { fencedDeps } from './leader-fence'
import { startLeaderHost } from './leader-host'
import { broadcastChannel } from './leader-platform'
import {
  announceChannelName,
  callChannelName,
  leaderLockName,
  tabIdFromLeaderWorkerName,
} from './leader-protocol'
import { configFromWorkerName } from './worker-name'

declare const self: DedicatedWorkerGlobalScope

const { tabId, sharedName } = tabIdFromLeaderWorkerName(self.name)
const config = configFromWorkerName(sharedName)
const deps = createBrowserHubDeps('leader-tab', config)

const host = startLeaderHost({
  tabId,
  lockName: leaderLockName(HUB_PROTOCOL_VERSION, config),
  announceChannel: announceChannelName(HUB_PROTOCOL_VERSION, config),
  callChannel: callChannelName(HUB_PROTOCOL_VERSION, config),
  openChannel: broadcastChannel,
  locks: navigator.locks,
  createHub: (fence): Hub => createHub(fencedDeps(deps, fence)),
  clock: deps.clock,
  random: Math.random,
  newId: () => crypto.randomUUID(),
  log: (entry) => {
    if (entry.level !== 'debug')
      console[entry.level === 'error' ? 'error' : entry.level]('persistent-chat', entry)
  },
})

self.addEventListener('online', () => host.hub?.setOnline(true))
self.addEventListener('offline', () => host.hub?.setOnline(false))
