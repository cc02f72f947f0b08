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
    // CSS: later-styles.ts inlines its own), so no preload helper either (see below).
    modulePreload: false,
  },
  plugins: [
    withoutPreloadHelper(),
    preloadAppChunk(),
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

/**
 * The app's chunk (main.ts) runs only after the first paint (boot.ts), but its bytes are wanted
 * at once: a `<link rel="modulepreload">` fetches and compiles it meanwhile, without running it
 * and without holding back the paint (it is no render-blocking resource).
 */
function preloadAppChunk(): Plugin {
  return {
    name: 'persistent-chat:preload-app-chunk',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        const app = Object.values(context.bundle ?? {}).find(
          (output) => output.type === 'chunk' && output.facadeModuleId?.endsWith('/src/app/main.ts'),
        )
        if (!app) throw new Error('persistent-chat: no chunk for src/app/main.ts to preload')
        return [{ tag: 'link', attrs: { rel: 'modulepreload', href: `/${app.fileName}` }, injectTo: 'head' }]
      },
    },
  }
}
