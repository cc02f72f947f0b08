/**
 * The names tabs and hubs meet by: the SharedWorker's name, the Web Locks that tell who is
 * alive, and the leader-tab channels. Pure strings, built the same way on every side.
 *
 * The SharedWorker's name carries only the protocol version: Safari ignores `options.name`, so
 * the hub config travels in `hello` and the worker keeps a hub per `configKey`. Channel and
 * lock names are honoured everywhere, so leader-tab mode separates configs by name.
 */

/** @public The hub config as it crosses the wire: a `Partial<HubConfig>` of JSON values. */
export type HubConfigJson = { readonly [key: string]: string | number | boolean | null | undefined }

/** @public The same string for the same settings, whatever their order. */
export function configKey(config: HubConfigJson): string {
  const entries = Object.entries(config)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return JSON.stringify(Object.fromEntries(entries))
}

/** @public The SharedWorker's name: tabs of another protocol version never share its worker (where honoured). */
export function workerName(version: number): string {
  return `persistent-chat@${version}`
}

/** @public The Web Lock a tab holds for its lifetime, so a hub learns when the tab is gone. */
export function tabLockName(tabId: string): string {
  return `persistent-chat:tab:${tabId}`
}

/**
 * @public The Web Lock a hub's host holds while the hub lives (`HubWelcome.liveness`): a tab
 * queued on it is granted it when the hub dies (closed, crashed, or a leader standing down).
 */
export function hubLockName(hubId: string): string {
  return `persistent-chat:hub:${hubId}`
}

/** @public The lock a tab's leader worker holds for its lifetime (one name per start, so a restart is not mistaken for a death). */
export function leaderWorkerLockName(tabId: string, start: number): string {
  return `persistent-chat:leader-worker:${tabId}:${start}`
}

/** @public The leader lock: one holder per origin, protocol version and hub config. */
export function leaderLockName(version: number, config: HubConfigJson): string {
  return `persistent-chat:leader ${workerName(version)} ${configKey(config)}`
}

/** @public Where the leader announces itself. */
export function announceChannelName(version: number, config: HubConfigJson): string {
  return `persistent-chat:announce ${workerName(version)} ${configKey(config)}`
}

/** @public Where tabs call the leader. */
export function callChannelName(version: number, config: HubConfigJson): string {
  return `persistent-chat:calls ${workerName(version)} ${configKey(config)}`
}

/** @public Where the leader answers one tab. */
export function tabChannelName(tabId: string): string {
  return `persistent-chat:tab:${tabId}`
}

/** @public The name of a tab's leader worker (for devtools; its settings arrive in a start message). */
export function leaderWorkerName(version: number, tabId: string): string {
  return `${workerName(version)} leader ${tabId}`
}
