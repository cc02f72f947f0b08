/**
 * The library build behind the package exports: ESM entries for the tab client, the
 * React binding, the SharedWorker, the leader tab's dedicated worker, the pure SSE layer, the server
 * pieces and the reference backend → `dist/lib`. Dependencies (and the optional peers React and
 * better-sqlite3) stay external; the consumer's bundler resolves them.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  publicDir: false,
  build: {
    outDir: fromRoot('./dist/lib'),
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    target: 'es2022',
    lib: {
      entry: {
        client: fromRoot('./src/client/index.ts'),
        react: fromRoot('./src/react/index.ts'),
        worker: fromRoot('./src/worker/shared-worker.ts'),
        'leader-worker': fromRoot('./src/worker/leader-worker.ts'),
        sse: fromRoot('./src/sse/index.ts'),
        server: fromRoot('./src/server/index.ts'),
        backend: fromRoot('./src/server/backend/index.ts'),
      },
      formats: ['es'],
    },
    rolldownOptions: {
      external: [/^node:/, 'better-sqlite3', 'comlink', 'idb', 'react', /^react\//, 'workbox-window'],
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
      // The React entry's 'use client' is an entry chunk's first statement, so rolldown keeps it
      // (test/integration/package.test.ts checks the shipped file); its generic warning is noise.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE' && log.id?.endsWith('src/react/index.ts')) return
        handler(level, log)
      },
    },
  },
})
