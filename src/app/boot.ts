/**
 * The page's entry: the first paint (first-paint.ts: the list and the cached messages), then
 * the rest of the app (main.ts). Wiring only.
 */
import { firstPaint } from './first-paint'

// The app's chunk is fetched, parsed and run (its workers started) only once the cached rows
// are on screen, so that none of it delays their frame; a tab without a cache goes on at once.
void firstPaint()
  .painted.then(afterNextFrame)
  .then(() => import('./main'))
  .catch((error: unknown) => {
    console.error('persistent-chat: the app failed to load', error)
  })

/** Resolves in a task after the next frame is produced; at once in a hidden tab, which gets no frames. */
function afterNextFrame(): Promise<void> {
  if (document.visibilityState !== 'visible') return Promise.resolve()
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))
}
