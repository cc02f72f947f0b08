/**
 * What a tab's leader worker runs: it waits for its tab's start message (the worker's name may be
 * ignored, so the settings come this way), holds its lifetime lock (the tab watches it to restart
 * a worker that died), and joins the election for the tab's hub config. While it leads it runs
 * the same hub as the SharedWorker, for every tab.
 */
import type { HubDeps, Logger } from '../hub'
import { createHub } from '../hub'
import {
  announceChannelName,
  callChannelName,
  type FromLeaderWorker,
  HUB_PROTOCOL_VERSION,
  type HubConfigJson,
  leaderLockName,
  readLeaderWorkerStart,
} from '../protocol'
import { type LeaderHost, startLeaderHost } from './election'
import { fencedDeps } from './fence'
import { broadcastChannel, holdLock, type LocksLike } from './platform'

/** @public The worker's global scope, as far as this uses it. */
export interface LeaderWorkerScope {
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  postMessage(message: FromLeaderWorker): void
}

/** @public What the entry passes in. */
export interface LeaderWorkerOptions {
  /** The hub's effects for a config (`createBrowserHubDeps('leader-tab', config, log)`). */
  hubDeps(config: HubConfigJson, log: Logger): HubDeps
  locks: LocksLike
  /** The worker's own console. */
  log: Logger
  /** Extra facts the hub reports (`storagePersisted`). */
  storagePersisted?: (() => Promise<boolean | null>) | undefined
}

/** @public Serve once the tab says start; the returned promise resolves with the running host. */
export function runLeaderWorker(scope: LeaderWorkerScope, options: LeaderWorkerOptions): Promise<LeaderHost> {
  return new Promise((started) => {
    let starting = false
    scope.addEventListener('message', (event) => {
      const start = readLeaderWorkerStart(event.data)
      if (!start || starting) return
      starting = true
      if (start.protocolVersion !== HUB_PROTOCOL_VERSION) {
        scope.postMessage({
          type: 'refused',
          reason: `the leader worker speaks protocol ${HUB_PROTOCOL_VERSION}, the tab ${start.protocolVersion}`,
        })
        return
      }
      void holdLock(options.locks, start.lifetimeLock).then(() => {
        // Election entries go where the term's hub sends its own (console and tabs), else to the console.
        let host: LeaderHost | undefined
        const log: Logger = (entry) => {
          const hub = host?.hub
          if (hub) hub.log(entry)
          else options.log(entry)
        }
        const deps = options.hubDeps(start.config, options.log)
        host = startLeaderHost({
          tabId: start.tabId,
          lockName: leaderLockName(HUB_PROTOCOL_VERSION, start.config),
          announceChannel: announceChannelName(HUB_PROTOCOL_VERSION, start.config),
          callChannel: callChannelName(HUB_PROTOCOL_VERSION, start.config),
          openChannel: broadcastChannel,
          locks: options.locks,
          createHub: (fence, hubHost) =>
            createHub(fencedDeps(deps, fence), { ...hubHost, storagePersisted: options.storagePersisted }),
          clock: deps.clock,
          random: deps.random,
          newId: () => crypto.randomUUID(),
          log,
        })
        scope.postMessage({ type: 'started' })
        started(host)
      })
    })
  })
}
