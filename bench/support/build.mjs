#!/usr/bin/env node
/**
 * Builds everything the browser benchmarks serve and run, into `.tmp/` (never `dist/`, which
 * other tools rebuild while they run):
 *
 * - `.tmp/bench-site/`           the demo app, built with vite.config.ts exactly as
 *                                `node scripts/build.mjs` builds `dist/app` (only the output
 *                                folder differs), plus the per-tab `EventSource` baseline
 *                                (bench/baseline) under `/baseline/` and the floor pages
 *                                (bench/floor) under `/floor/`;
 * - `.tmp/bench-node/`           start-server, the SSE layer and the seed's message mapping
 *                                (bench/seed-message.ts) bundled for Node 20;
 * - `.tmp/bench-lib/`            the library as vite.lib.config.ts builds `dist/lib`.
 *
 * Usage: `node bench/support/build.mjs`, or `ensureBuilt()` from a benchmark, which builds
 * unless `BENCH_PREBUILT=1` says scripts/bench.mjs has just done it.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../..', import.meta.url))
export const siteDir = `${root}.tmp/bench-site`
export const nodeDir = `${root}.tmp/bench-node`
export const libDir = `${root}.tmp/bench-lib`

/** Build the site, the Node bundles and the library. */
export async function buildAll() {
  const { build } = await import('vite')
  const logLevel = 'warn'
  await build({
    configFile: `${root}vite.config.ts`,
    logLevel,
    build: { outDir: siteDir, emptyOutDir: true },
  })
  for (const name of ['baseline', 'floor']) {
    await build({
      configFile: false,
      root: `${root}bench/${name}`,
      base: `/${name}/`,
      publicDir: false,
      logLevel,
      build: {
        outDir: `${siteDir}/${name}`,
        emptyOutDir: true,
        target: 'es2022',
        modulePreload: { polyfill: false },
        rollupOptions: {
          input:
            name === 'baseline'
              ? { index: `${root}bench/baseline/index.html` }
              : {
                  'catch-up': `${root}bench/floor/catch-up.html`,
                  paint: `${root}bench/floor/paint.html`,
                },
        },
      },
    })
  }
  await build({
    root,
    configFile: false,
    publicDir: false,
    logLevel,
    build: {
      ssr: true,
      outDir: nodeDir,
      emptyOutDir: true,
      target: 'node20',
      rollupOptions: {
        input: {
          'start-server': 'src/server/start-server.ts',
          sse: 'src/sse/index.ts',
          'seed-message': 'bench/seed-message.ts',
        },
        output: { format: 'esm', entryFileNames: '[name].mjs' },
      },
    },
  })
  await build({
    configFile: `${root}vite.lib.config.ts`,
    logLevel,
    build: { outDir: libDir, emptyOutDir: true, sourcemap: false },
  })
}

/** Build unless the bench runner has just built (`BENCH_PREBUILT=1`) and the output exists. */
export async function ensureBuilt() {
  const built = existsSync(`${siteDir}/index.html`) && existsSync(`${nodeDir}/start-server.mjs`)
  if (process.env.BENCH_PREBUILT === '1' && built) return
  await buildAll()
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now()
  await buildAll()
  console.error(
    `[bench] built the site, Node bundles and library in ${Math.round(performance.now() - started)} ms`,
  )
}
