/**
 * The page's entry: the first paint (first-paint.ts: the list and the cached messages), then
 * the rest of the app (main.ts). Wiring only.
 */
import { firstPaint } from './first-paint'

// The app's chunk is parsed and its workers start only after the cache is on screen, so that
// neither delays the paint; a tab without a cache goes on at once.
void firstPaint()
  .painted.then(() => import('./main'))
  .catch((error: unknown) => {
    console.error('persistent-chat: the app failed to load', error)
  })
