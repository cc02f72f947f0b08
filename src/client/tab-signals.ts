/**
 * What the page tells the hub about this tab: that it lives (a Web Lock held for the tab's
 * lifetime; MessagePort close events are not portable, whatwg/html#1766), that it leaves
 * (`pagehide`), whether it is visible, and whether the browser is online.
 */
import { type HubApi, tabLockName } from '../protocol'

/** @internal Hold the tab's lifetime lock; resolves once held, with the function that releases it. */
export function holdTabLock(tabId: string): Promise<() => void> {
  if (!('locks' in navigator)) return Promise.resolve(() => {})
  return new Promise((granted) => {
    void navigator.locks.request(tabLockName(tabId), () => new Promise<void>((release) => granted(release)))
  })
}

/** @internal Forward the page's lifecycle, visibility and network events to the hub. */
export function followTabSignals(tabId: string, api: HubApi): void {
  const quietly = (call: Promise<void>) => void call.catch(() => {})
  addEventListener('pagehide', () => quietly(api.bye(tabId)))
  addEventListener('pageshow', (event) => {
    // Back from the bfcache: the hub forgot this tab on pagehide.
    if (event.persisted) location.reload()
  })
  document.addEventListener('visibilitychange', () => {
    quietly(api.setVisibility(tabId, document.visibilityState === 'visible'))
  })
  addEventListener('online', () => quietly(api.setNetwork(tabId, true)))
  addEventListener('offline', () => quietly(api.setNetwork(tabId, false)))
}
