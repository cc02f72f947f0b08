/**
 * Registers the app-shell service worker with workbox-window and tells the app when a new
 * version is waiting, so it can offer "a new version is available — reload".
 */
import { Workbox } from 'workbox-window'

/** @public Options of `registerServiceWorker`. */
export interface RegisterOptions {
  /** URL of the built service worker; default `/sw.js`. */
  url?: string | undefined
  /**
   * A new version is installed and waiting. Call `reload()` to activate it and reload the page
   * (every tab of the app reloads once the new worker controls them).
   */
  onUpdateReady?: ((reload: () => void) => void) | undefined
}

/** @public Register the service worker; resolves with the Workbox instance, or `undefined` where unsupported. */
export async function registerServiceWorker(options: RegisterOptions = {}): Promise<Workbox | undefined> {
  if (!('serviceWorker' in navigator)) return undefined
  const workbox = new Workbox(options.url ?? '/sw.js')
  workbox.addEventListener('waiting', () => {
    options.onUpdateReady?.(() => {
      workbox.addEventListener('controlling', () => location.reload())
      workbox.messageSkipWaiting()
    })
  })
  await workbox.register()
  return workbox
}
