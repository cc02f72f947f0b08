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

/** One rule of the Service Worker Static Routing API (`InstallEvent.addRoutes`, Chromium 123+). */
interface RouterRule {
  condition: { urlPattern: unknown }
  source: 'cache' | 'network' | 'fetch-event'
}

// The hashed assets never change under a URL: the browser answers them from the precache itself,
// without waking this worker or running its router for each one. That takes a thread hop and a
// script run off the way of every tab's first paint (its entry chunk and stylesheet), online and
// offline. A request the caches miss goes to the network, as workbox's precache route would.
// Browsers without the API get the precache route above.
self.addEventListener('install', (event) => {
  const install = event as ExtendableEvent & { addRoutes?: (rules: RouterRule[]) => Promise<void> }
  const Pattern = (globalThis as { URLPattern?: new (init: { pathname: string }) => unknown }).URLPattern
  if (typeof install.addRoutes !== 'function' || Pattern === undefined) return
  const assets = `${new URL('assets/', self.registration.scope).pathname}*`
  install.waitUntil(
    install
      .addRoutes([
        {
          condition: { urlPattern: new Pattern({ pathname: assets }) },
          source: 'cache',
        },
      ])
      .catch((error: unknown) => console.warn('persistent-chat sw: no static routes', error)),
  )
})

// workbox-window's messageSkipWaiting(): the user chose "reload" on the update banner.
self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting()
})
