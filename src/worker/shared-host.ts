/**
 * The SharedWorker's host: one hub per hub config (the worker's name may be ignored, as Safari
 * does, so tabs with different configs can reach the same worker), a liveness lock held for the
 * worker's life, and for each connecting port the `HubApi` that routes the tab's calls to the hub
 * its `hello` chose. A tab is detached when the Web Lock it holds for its lifetime comes free
 * (MessagePort close events are not portable, whatwg/html#1766).
 */
import type { Hub, HubHost, Logger } from '../hub'
import { holdLock, type LocksLike, whenFree } from '../leader/platform'
import {
  configKey,
  HUB_METHODS,
  HUB_PROTOCOL_VERSION,
  type HubApi,
  type HubConfigJson,
  hubError,
  hubLockName,
  tabLockName,
} from '../protocol'

/** @public What the host is built from. */
export interface SharedHostOptions {
  createHub(config: HubConfigJson, host: HubHost): Hub
  /** `navigator.locks`, when the worker has it. */
  locks: LocksLike | undefined
  newId(): string
  log: Logger
  /** Frees what a tab's listener holds across its port (a comlink proxy) once the tab is gone. */
  release(listener: unknown): void
}

/** @public */
export interface SharedHost {
  /** The hub as one port (one tab's `SharedWorker` object) sees it. */
  forPort(): HubApi
  /** The worker's `online`/`offline` events, for every hub. */
  setOnline(online: boolean): void
}

/** @public Start the host: it takes its liveness lock at once. */
export function createSharedHost(options: SharedHostOptions): SharedHost {
  const { locks, log } = options
  const instanceId = options.newId()
  const liveness = locks ? hubLockName(instanceId) : undefined
  // Answers wait until the lock is held, so no tab can find it free while this worker lives.
  const alive: Promise<unknown> =
    locks && liveness ? holdLock(locks, liveness).catch(() => undefined) : Promise.resolve()
  const hubs = new Map<string, Hub>()

  const hubFor = (config: HubConfigJson): Hub => {
    const key = configKey(config)
    let hub = hubs.get(key)
    if (!hub) {
      hub = options.createHub(config, { id: instanceId, liveness })
      hubs.set(key, hub)
      log({ level: 'info', event: 'worker.hub_started', config: key, hubs: hubs.size })
    }
    return hub
  }

  return {
    forPort() {
      let chosen: Hub | undefined
      const hubOfPort = (): Hub => {
        if (!chosen)
          throw hubError('unknown_tab', "call hello() first: it chooses the hub for the tab's config")
        return chosen
      }
      const routed = {} as Record<keyof HubApi, unknown>
      for (const method of HUB_METHODS) {
        routed[method] = async (...args: unknown[]) =>
          Reflect.apply(hubOfPort()[method] as (...a: unknown[]) => unknown, chosen, args)
      }
      const api = routed as unknown as HubApi
      api.ping = async () => {
        await alive
        return { protocolVersion: HUB_PROTOCOL_VERSION, hubId: instanceId }
      }
      api.hello = async (hello, onBatch, onSession, onLog) => {
        await alive
        const hub = hubFor(hello.config ?? {})
        chosen = hub
        const welcome = await hub.hello(hello, onBatch, onSession, onLog)
        if (locks) {
          void whenFree(locks, tabLockName(hello.tabId)).then(() => {
            hub.detach(hello.tabId)
            for (const listener of [onBatch, onSession, onLog]) if (listener) options.release(listener)
          })
        }
        return welcome
      }
      return api
    },
    setOnline(online) {
      for (const hub of hubs.values()) hub.setOnline(online)
    },
  }
}
