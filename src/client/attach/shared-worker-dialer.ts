/**
 * SharedWorker mode: each `open()` constructs a new `SharedWorker` object (a worker that closed
 * is not restarted for the old object; a new one reaches the running worker, or starts one) and
 * talks to it over comlink. The worker's `error` event — a script that fails to load, or that a
 * bundler copied unbundled (`Failed to resolve module specifier "comlink"`) — ends the link.
 */
import { proxy, releaseProxy, wrap } from 'comlink'
import {
  HUB_METHODS,
  HUB_PROTOCOL_VERSION,
  type HubApi,
  type HubDialer,
  type HubLink,
  workerName,
} from '../../protocol'

/** @internal Dial the SharedWorker `sharedWorker` creates. */
export function createSharedWorkerDialer(sharedWorker: (name: string) => SharedWorker): HubDialer {
  return {
    mode: 'shared-worker',
    async open(): Promise<HubLink> {
      const worker = sharedWorker(workerName(HUB_PROTOCOL_VERSION))
      let onLost: (reason: string) => void = () => {}
      const lost = new Promise<string>((resolve) => {
        onLost = resolve
      })
      const onError = (event: Event) => {
        const detail = event instanceof ErrorEvent && event.message ? `: ${event.message}` : ''
        onLost(
          `the SharedWorker failed to load or start${detail} (its script missing, or bundled without its imports?)`,
        )
      }
      worker.addEventListener('error', onError)
      const remote = wrap<HubApi>(worker.port)
      const methods = {} as Record<keyof HubApi, unknown>
      for (const method of HUB_METHODS) {
        methods[method] = (...args: unknown[]) =>
          Reflect.apply(remote[method] as (...a: unknown[]) => unknown, undefined, args)
      }
      const api = methods as unknown as HubApi
      // Functions cross to the worker as comlink proxies.
      api.hello = (hello, onBatch, onSession, onLog) =>
        remote.hello(hello, proxy(onBatch), proxy(onSession), onLog && proxy(onLog))
      return {
        mode: 'shared-worker',
        api,
        lost,
        close() {
          worker.removeEventListener('error', onError)
          remote[releaseProxy]()
        },
      }
    },
    close() {},
  }
}
