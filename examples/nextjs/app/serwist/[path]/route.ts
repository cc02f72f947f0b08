/**
 * `/serwist/sw.js`: the service worker, bundled from app/sw.ts by Serwist at `next build` (its
 * Turbopack integration is this route handler), with the precache manifest of `.next/static`
 * plus the two pages, so the app shell opens offline.
 */
import { randomUUID } from 'node:crypto'
import { createSerwistRoute } from '@serwist/turbopack'

// A new revision per build: the pages' HTML is refreshed whenever the app is rebuilt.
const revision = randomUUID()

export const { dynamic, dynamicParams, revalidate, generateStaticParams, GET } = createSerwistRoute({
  swSrc: 'app/sw.ts',
  useNativeEsbuild: true,
  additionalPrecacheEntries: [
    { url: '/', revision },
    { url: '/login', revision },
  ],
})
