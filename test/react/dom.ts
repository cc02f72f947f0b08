/**
 * A DOM for React tests that keeps Node's network: happy-dom's window supplies `document`,
 * `window` and the element classes, but only globals Node lacks are installed, so `fetch`,
 * `Request`, `Response` and `AbortController` stay Node's. (happy-dom's own fetch applies the
 * browser's CORS and forbidden-header rules, which would refuse the hub's loopback requests with
 * a cookie.) Import it first: react-dom decides whether it can use the DOM when it loads.
 */
// Before `window` exists: fake-indexeddb installs itself on `window` when there is one.
import 'fake-indexeddb/auto'
import { Window } from 'happy-dom'

const window = new Window({ url: 'http://localhost/' })
const globals = globalThis as Record<string, unknown>
for (const key of Object.getOwnPropertyNames(window)) {
  if (key in globalThis) continue
  const value = (window as unknown as Record<string, unknown>)[key]
  globals[key] = typeof value === 'function' && /^[a-z]/.test(key) ? value.bind(window) : value
}
globals['window'] = window
globals['document'] = window.document
globals['IS_REACT_ACT_ENVIRONMENT'] = true
