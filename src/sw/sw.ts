/**
 * The service-worker entry: precache the app shell (HTML, JS including the SharedWorker
 * script, CSS, icons) and answer navigations with it, so the app opens with the network down.
 * API and stream responses are never cached: no route here matches them.
 */
/// <reference lib="webworker" />
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<string | { url: string; revision: string | null }>
}

cleanupOutdatedCaches()
precacheAndRoute(self.__WB_MANIFEST)
// `/api/*` and the server-rendered `/login` must reach the server, never the cached shell.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//, /^\/login/] }),
)

// workbox-window's messageSkipWaiting(): the user chose "reload" on the update banner.
self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting()
})
