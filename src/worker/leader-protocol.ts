/**
 * The leader-tab wire: lock and channel names, and the messages tabs and the leader's worker
 * exchange over `BroadcastChannel` where there is no SharedWorker. Pure: names and shapes.
 *
 * - announce channel: `{type:'leader'}` from the leader on start and every second; `{type:'who'}`
 *   from anyone who wants to hear it at once.
 * - call channel (only the leader listens): `{type:'call'}` requests and `{type:'ack'}`s of batches.
 * - one channel per tab (`persistent-chat:tab:<tabId>`): results, batches and session events for
 *   that tab, so the leader posts once per tab per batch.
 */
import type { HubConfig } from '../hub'
import type { ChannelBatch, HubApi, HubError, SessionEvent } from '../protocol'
import { HUB_METHODS } from '../protocol'
import { workerName } from './worker-name'

/** @public The methods a tab calls over the call channel (`hello` carries no functions on the wire). */
export type LeaderMethod = keyof HubApi

const METHODS: ReadonlySet<string> = new Set<LeaderMethod>(HUB_METHODS)

/** @public The leader announces itself; `epoch` grows with every new leader. */
export interface LeaderAnnouncement {
  type: 'leader'
  epoch: number
  /** Unique per term: a leader that stands down and leads again gets a new one. */
  leaderId: string
  /** The tab whose worker leads (for the hub panel and tests). */
  tabId: string
}

/** @public On the announce channel. */
export type AnnounceMessage = LeaderAnnouncement | { type: 'who' }

/** @public On the call channel, to the leader. */
export type ToLeader =
  | { type: 'call'; id: string; tabId: string; epoch: number; method: LeaderMethod; args: unknown[] }
  | { type: 'ack'; tabId: string; epoch: number; batchId: number }

/** @public On a tab's own channel, from the leader. */
export type ToTab =
  | { type: 'result'; id: string; epoch: number; ok: true; value: unknown }
  | { type: 'result'; id: string; epoch: number; ok: false; error: HubError }
  | { type: 'batch'; epoch: number; batchId: number; batch: ChannelBatch }
  | { type: 'session'; epoch: number; event: SessionEvent }

/** @public The leader lock (one holder per origin, protocol version and hub config). */
export function leaderLockName(version: number, config: Partial<HubConfig>): string {
  return `persistent-chat:leader ${workerName(version, config)}`
}

/** @public Where the leader announces itself. */
export function announceChannelName(version: number, config: Partial<HubConfig>): string {
  return `persistent-chat:announce ${workerName(version, config)}`
}

/** @public Where tabs call the leader. */
export function callChannelName(version: number, config: Partial<HubConfig>): string {
  return `persistent-chat:calls ${workerName(version, config)}`
}

/** @public Where the leader answers one tab. */
export function tabChannelName(tabId: string): string {
  return `persistent-chat:tab:${tabId}`
}

/**
 * @public The name of a tab's leader worker: the SharedWorker name plus the tab's id, so the
 * worker knows the config it serves and which tab it lives in.
 */
export function leaderWorkerName(version: number, tabId: string, config: Partial<HubConfig>): string {
  return `${tabId} ${workerName(version, config)}`
}

/** @public Read a leader worker's name back; the config part is read with `configFromWorkerName`. */
export function tabIdFromLeaderWorkerName(name: string): { tabId: string; sharedName: string } {
  const space = name.indexOf(' ')
  return space < 0
    ? { tabId: name, sharedName: '' }
    : { tabId: name.slice(0, space), sharedName: name.slice(space + 1) }
}

/** @public Read an announce-channel message; anything else is `undefined`. */
export function readAnnounce(data: unknown): AnnounceMessage | undefined {
  if (!isRecord(data)) return undefined
  if (data['type'] === 'who') return { type: 'who' }
  if (
    data['type'] === 'leader' &&
    isCount(data['epoch']) &&
    typeof data['leaderId'] === 'string' &&
    typeof data['tabId'] === 'string'
  ) {
    return { type: 'leader', epoch: data['epoch'], leaderId: data['leaderId'], tabId: data['tabId'] }
  }
  return undefined
}

/** @public Read a call-channel message; anything else is `undefined`. */
export function readToLeader(data: unknown): ToLeader | undefined {
  if (!isRecord(data) || typeof data['tabId'] !== 'string' || !isCount(data['epoch'])) return undefined
  const { tabId, epoch } = data
  if (data['type'] === 'ack' && isCount(data['batchId'])) {
    return { type: 'ack', tabId, epoch, batchId: data['batchId'] }
  }
  const method = data['method']
  if (
    data['type'] === 'call' &&
    typeof data['id'] === 'string' &&
    typeof method === 'string' &&
    METHODS.has(method) &&
    Array.isArray(data['args'])
  ) {
    return { type: 'call', id: data['id'], tabId, epoch, method: method as LeaderMethod, args: data['args'] }
  }
  return undefined
}

/** @public Read a tab-channel message; anything else is `undefined`. */
export function readToTab(data: unknown): ToTab | undefined {
  if (!isRecord(data) || !isCount(data['epoch'])) return undefined
  const { epoch } = data
  switch (data['type']) {
    case 'result': {
      if (typeof data['id'] !== 'string') return undefined
      if (data['ok'] === true)
        return { type: 'result', id: data['id'], epoch, ok: true, value: data['value'] }
      if (data['ok'] === false)
        return { type: 'result', id: data['id'], epoch, ok: false, error: asHubError(data['error']) }
      return undefined
    }
    case 'batch': {
      const batch = data['batch']
      if (!isCount(data['batchId']) || !isRecord(batch) || typeof batch['projectId'] !== 'string')
        return undefined
      if (!Array.isArray(batch['changes'])) return undefined
      return { type: 'batch', epoch, batchId: data['batchId'], batch: batch as unknown as ChannelBatch }
    }
    case 'session': {
      const event = data['event']
      if (!isRecord(event) || (event['type'] !== 'logged_out' && event['type'] !== 'auth_failed'))
        return undefined
      return { type: 'session', epoch, event: event as unknown as SessionEvent }
    }
    default:
      return undefined
  }
}

const HUB_ERROR_CODES: ReadonlySet<string> = new Set<HubError['code']>([
  'unauthenticated',
  'timeout',
  'unknown_tab',
  'invalid_argument',
  'not_found',
  'unavailable',
])

/** @public Anything thrown, as the plain `HubError` that crosses a channel. */
export function asHubError(error: unknown): HubError {
  if (isRecord(error) && typeof error['code'] === 'string' && HUB_ERROR_CODES.has(error['code'])) {
    return { code: error['code'] as HubError['code'], message: String(error['message'] ?? '') }
  }
  const message = isRecord(error) && typeof error['message'] === 'string' ? error['message'] : String(error)
  return { code: 'unavailable', message }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
