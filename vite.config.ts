/** The browser app build: `src/app` → `dist/app` (served by `dist/server/main.js`). */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: fromRoot('./src/app'),
  publicDir: fromRoot('./public'),
  build: {
    outDir: fromRoot('./dist/app'),
    emptyOutDir: true,
    sourcemap: true,
  },
})
