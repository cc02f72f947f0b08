/**
 * The SharedWorker entry: one hub per origin, exposed on every connecting tab's port.
 * A tab is detached when the Web Lock it holds for its lifetime is released (it closed or
 * crashed): MessagePort close events are not portable (whatwg/html#1766).
 */
/// <reference lib="webworker" />
import { expose, type Remote, releaseProxy } from 'comlink'
import { createHub } from '../hub'
import type { BatchListener, HubApi, SessionListener } from '../protocol'
import { createBrowserHubDeps } from './browser-deps'
import { tabLockName } from './tab-lock'
import { configFromWorkerName } from './worker-name'

declare const self: SharedWorkerGlobalScope

const hub = createHub(createBrowserHubDeps('shared-worker', configFromWorkerName(self.name)))
self.addEventListener('online', () => hub.setOnline(true))
self.addEventListener('offline', () => hub.setOnline(false))

/** The hub as one port sees it: hello also starts watching the tab's lock. */
const forPort: HubApi = {
  ...hub,
  async hello(hello, onBatch, onSession) {
    const welcome = await hub.hello(hello, onBatch, onSession)
    void navigator.locks.request(tabLockName(hello.tabId), () => {
      hub.detach(hello.tabId)
      for (const callback of [onBatch, onSession] as Array<Remote<BatchListener | SessionListener>>) {
        callback[releaseProxy]()
      }
    })
    return welcome
  },
}

self.addEventListener('connect', (event) => {
  for (const port of event.ports) expose(forPort, port)
})
