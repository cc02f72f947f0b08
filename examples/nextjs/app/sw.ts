/// <reference lib="webworker" />
/**
 * The service worker: precache the shell (every build file and the pages), answer every
 * navigation with the shell (the page reads `?project=` itself), never touch `/api`.
 */
import { type PrecacheEntry, Serwist } from 'serwist'

declare const self: ServiceWorkerGlobalScope & { __SW_MANIFEST: Array<PrecacheEntry | string> | undefined }

const serwist = new Serwist({
  precacheEntries: self.__SW_MANIFEST,
  precacheOptions: {
    cleanupOutdatedCaches: true,
    navigateFallback: '/',
    navigateFallbackDenylist: [/^\/api\//, /^\/login/, /^\/serwist\//],
  },
  skipWaiting: true,
  clientsClaim: true,
})

// Worker scripts (the chat hub's SharedWorker and leader worker): Turbopack's worker bootstrap reads
// which chunks to load from its own URL's fragment (`#params=…`), and a cached response would give
// the worker the response's URL, which has no fragment, so it fails ("Missing worker bootstrap
// config"). A new Response has no URL: the worker keeps the one it was created with. Registered
// before Serwist's listener, which then does not see these requests.
self.addEventListener('fetch', (event) => {
  const { request } = event
  if (request.destination !== 'worker' && request.destination !== 'sharedworker') return
  event.stopImmediatePropagation()
  event.respondWith(
    (async () => {
      const response =
        (await serwist.matchPrecache(request.url.split('#')[0] ?? request.url)) ?? (await fetch(request))
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      })
    })(),
  )
})

serwist.addEventListeners()
