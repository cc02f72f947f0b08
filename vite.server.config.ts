/**
 * The Node build: `src/server/main.ts` → `dist/server/main.js` (ESM). Dependencies stay
 * external, so `better-sqlite3` loads its native addon from node_modules at run time.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: fromRoot('.'),
  publicDir: false,
  build: {
    ssr: fromRoot('./src/server/main.ts'),
    outDir: fromRoot('./dist/server'),
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    minify: false,
    rolldownOptions: { output: { entryFileNames: 'main.js', format: 'es' } },
  },
  ssr: { target: 'node' },
})
