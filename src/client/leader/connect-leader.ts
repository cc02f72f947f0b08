/**
 * Leader-tab mode in a tab: start this tab's leader worker (it joins the election) and talk to
 * whichever worker leads through a `LeaderClient` over `BroadcastChannel`.
 */
import type { HubConfig } from '../../hub'
import { systemClock } from '../../hub'
import type { HubApi } from '../../protocol'
import { HUB_PROTOCOL_VERSION } from '../../protocol'
import { broadcastChannel } from '../../worker/leader-platform'
import {
  announceChannelName,
  callChannelName,
  type LeaderMethod,
  leaderWorkerName,
} from '../../worker/leader-protocol'
import { createLeaderClient } from './leader-client'

/** @public What `connectLeaderTab` needs. */
export interface LeaderTabOptions {
  tabId: string
  /** Creates this tab's leader worker (Vite: `import LeaderWorker from '…/worker/leader-worker?worker'`). */
  dedicatedWorker: (name: string) => Worker
  config: Partial<HubConfig>
  timeLimit(method: LeaderMethod): number
}

/** @public Start the tab's leader worker and follow the leader. */
export function connectLeaderTab(options: LeaderTabOptions): HubApi {
  const worker = options.dedicatedWorker(
    leaderWorkerName(HUB_PROTOCOL_VERSION, options.tabId, options.config),
  )
  worker.addEventListener('error', (event) => {
    console.error('persistent-chat: the leader worker failed', event.message)
  })
  const client = createLeaderClient({
    openChannel: broadcastChannel,
    announceChannel: announceChannelName(HUB_PROTOCOL_VERSION, options.config),
    callChannel: callChannelName(HUB_PROTOCOL_VERSION, options.config),
    timeLimit: options.timeLimit,
    clock: systemClock,
    newId: () => crypto.randomUUID(),
    log: (entry) => {
      if (entry.level === 'warn' || entry.level === 'error') console[entry.level]('persistent-chat', entry)
    },
  })
  return client.api
}
