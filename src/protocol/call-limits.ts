/**
 * How long a tab waits for the hub's answer to each call, in every mode: comlink requests and
 * `BroadcastChannel` posts have no timeout of their own, and a dead hub never answers. Pure.
 */
import type { HubApi } from './hub-api'

/** Calls that wait on the network (preflight, snapshot, history) get longer. */
const SLOW_CALLS: ReadonlySet<keyof HubApi> = new Set<keyof HubApi>([
  'hello',
  'subscribe',
  'loadOlder',
  'logout',
])

/** @public The time limit of one call to the hub. */
export function callTimeLimit(method: keyof HubApi, timeoutMs: number): number {
  return SLOW_CALLS.has(method) ? timeoutMs * 3 : timeoutMs
}
