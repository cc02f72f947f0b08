/**
 * The leader-tab wire: the messages tabs and the leading tab's worker exchange over
 * `BroadcastChannel` where there is no SharedWorker, and the start message a tab gives its own
 * leader worker. Pure: shapes and readers (anything malformed reads as `undefined`).
 *
 * - announce channel: `{type:'leader'}` from the leader on start and every second; `{type:'who'}`
 *   from anyone who wants to hear it at once.
 * - call channel (only the leader listens): `{type:'call'}` requests and `{type:'ack'}`s of batches.
 * - one channel per tab (`tabChannelName`): results, batches, session events and log entries for
 *   that tab, so the leader posts once per tab per batch.
 */
import type { ChannelBatch } from './events'
import type { HubApi, HubError, SessionEvent } from './hub-api'
import { HUB_METHODS } from './hub-api'
import { asHubError } from './hub-error'
import { isLogLevel, type LogEntry } from './log'
import type { HubConfigJson } from './names'

/** @public The methods a tab calls over the call channel (`hello` carries no functions on the wire). */
export type LeaderMethod = keyof HubApi

const METHODS: ReadonlySet<string> = new Set<LeaderMethod>(HUB_METHODS)

/** @public The leader announces itself; `epoch` grows with every new leader. */
export interface LeaderAnnouncement {
  type: 'leader'
  epoch: number
  /** Unique per term: a leader that stands down and leads again gets a new one. Also the hub's id. */
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
  | { type: 'log'; epoch: number; entry: LogEntry }

/**
 * @public What a tab posts to its own leader worker once it is created: the worker's name may
 * be ignored, so its settings come this way.
 */
export interface LeaderWorkerStart {
  type: 'start'
  protocolVersion: number
  tabId: string
  config: HubConfigJson
  /** The lock the worker holds for its lifetime (see `leaderWorkerLockName`). */
  lifetimeLock: string
}

/** @public What a leader worker posts back to its tab. */
export type FromLeaderWorker =
  /** Its lifetime lock is held: the tab may watch it. */
  | { type: 'started' }
  /** It cannot serve (another protocol version, bad settings). */
  | { type: 'refused'; reason: string }

/** @public Read an announce-channel message. */
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

/** @public Read a call-channel message. */
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

/** @public Read a tab-channel message. */
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
    case 'log': {
      const entry = data['entry']
      if (!isRecord(entry) || !isLogLevel(entry['level']) || typeof entry['event'] !== 'string')
        return undefined
      return { type: 'log', epoch, entry: entry as LogEntry }
    }
    default:
      return undefined
  }
}

/** @public Read what a tab posts to its leader worker. */
export function readLeaderWorkerStart(data: unknown): LeaderWorkerStart | undefined {
  if (!isRecord(data) || data['type'] !== 'start') return undefined
  const { protocolVersion, tabId, config, lifetimeLock } = data
  if (!isCount(protocolVersion) || typeof tabId !== 'string' || typeof lifetimeLock !== 'string')
    return undefined
  if (!isRecord(config)) return undefined
  return { type: 'start', protocolVersion, tabId, config: config as HubConfigJson, lifetimeLock }
}

/** @public Read what a leader worker posts to its tab. */
export function readFromLeaderWorker(data: unknown): FromLeaderWorker | undefined {
  if (!isRecord(data)) return undefined
  if (data['type'] === 'started') return { type: 'started' }
  if (data['type'] === 'refused') return { type: 'refused', reason: String(data['reason'] ?? '') }
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
