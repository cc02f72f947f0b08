/**
 * The page's entry: the first paint (first-paint.ts: the list and the cached messages), then
 * the rest of the app (main.ts). Wiring only.
 */
import { firstPaint, startCacheRead } from './first-paint'

/**
 * The app waits at most this long for the cached paint: IndexedDB may hold the read back (an
 * upgrade or a delete waiting for another tab), and the cache still paints when it answers.
 */
const MAX_WAIT_FOR_CACHE_MS = 500

// This chunk is an async script (index.html): it runs as soon as it has loaded, maybe before
// the body is parsed, so IndexedDB reads while the page is parsed, styled and laid out.
startCacheRead()

// The app's chunk is run (its workers started) only once the cached rows are on screen, so
// that none of it delays their frame; a tab without a cache goes on at once.
void documentParsed()
  .then(() =>
    Promise.race([
      firstPaint().painted,
      new Promise((resolve) => setTimeout(resolve, MAX_WAIT_FOR_CACHE_MS)),
    ]),
  )
  .then(afterNextFrame)
  .then(() => import('./main'))
  .catch((error: unknown) => {
    console.error('persistent-chat: the app failed to load', error)
  })

/** Resolves once the whole document is parsed (the list's elements exist). */
function documentParsed(): Promise<void> {
  if (document.readyState !== 'loading') return Promise.resolve()
  return new Promise((resolve) =>
    document.addEventListener('DOMContentLoaded', () => resolve(), { once: true }),
  )
}

/** Resolves in a task after the next frame is produced; at once in a hidden tab, which gets no frames. */
function afterNextFrame(): Promise<void> {
  if (document.visibilityState !== 'visible') return Promise.resolve()
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))
}
