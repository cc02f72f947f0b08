/**
 * The browser app build: `src/app` → `dist/app` (served by `dist/server/main.js`), with the
 * hub's SharedWorker bundled from `src/worker/shared-worker.ts` and the app-shell service
 * worker built from `src/sw/sw.ts` with its precache manifest injected (vite-plugin-pwa).
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: fromRoot('./src/app'),
  publicDir: fromRoot('./public'),
  build: {
    outDir: fromRoot('./dist/app'),
    emptyOutDir: true,
    sourcemap: true,
  },
  plugins: [
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
