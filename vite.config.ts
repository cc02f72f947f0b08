/**
 * The browser app build: `src/app` → `dist/app` (served by `dist/server/main.js`), with the
 * hub's SharedWorker bundled from `src/worker/shared-worker.ts` and the app-shell service
 * worker built from `src/sw/sw.ts` with its precache manifest injected (vite-plugin-pwa).
 */
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: fromRoot('./src/app'),
  publicDir: fromRoot('./public'),
  build: {
    outDir: fromRoot('./dist/app'),
    emptyOutDir: true,
    sourcemap: true,
    // A tab's entry chunk is what blocks its first paint (bench/size.mjs): no modulepreload
    // polyfill and no preloads (the app's lazy chunks import only small shared chunks and no
    // CSS: later-styles.ts inlines its own), so no preload helper either (see below). Nor is the
    // app's chunk (main.ts) modulepreloaded: Chromium compiles a preloaded module on the main
    // thread while the cached rows are read and painted: a cold paint online was 1.45–1.72 × its
    // floor with the preload and 1.19–1.42 × without (bench/cold-open.mjs, 5 runs of each,
    // alternated, 10 rounds a run; a `prefetch` link did no better than the preload). The chunk
    // is fetched when boot.ts imports it after that paint, from the service worker's cache.
    modulePreload: false,
  },
  plugins: [
    withoutPreloadHelper(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: fromRoot('./src/sw'),
      filename: 'sw.ts',
      // The app registers it itself (src/app/register-sw.ts) and ships its own manifest.
      injectRegister: false,
      manifest: false,
      injectManifest: {
        globPatterns: ['**/*.{html,js,css,svg,png,webmanifest}'],
        // Source maps are for developers, not for the offline shell.
        globIgnores: ['**/*.map'],
      },
    }),
  ],
})

/**
 * Vite wraps every dynamic `import()` of the app in its preload helper (a kilobyte in the entry
 * chunk) even when, as here, there is nothing to preload: with `modulePreload: false` the only
 * dependencies left are stylesheets, and the only one a lazy chunk has is the page's own
 * (inherited from the entry chunk it imports), applied before any script runs. This plugin
 * replaces the helper with a call of the import itself, and fails the import loudly should a
 * lazy chunk ever need a stylesheet the page lacks (it would otherwise lose its styles).
 */
function withoutPreloadHelper(): Plugin {
  const helper = '\0vite/preload-helper.js'
  return {
    name: 'persistent-chat:without-preload-helper',
    apply: 'build',
    enforce: 'post',
    transform(_code, id) {
      if (id !== helper) return undefined
      return {
        code: `const applied = (dep) => document.querySelector(\`link[rel="stylesheet"][href$="\${dep}"]\`) !== null
export const __vitePreload = (load, deps) =>
  (deps ?? []).every(applied)
    ? load()
    : Promise.reject(new Error(\`persistent-chat: a lazy chunk needs \${deps}, which the page lacks; see vite.config.ts\`))
`,
        map: null,
      }
    },
  }
}
