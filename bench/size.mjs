#!/usr/bin/env node
/**
 * Size: gzip bytes (level 9) of what a tab, the SharedWorker and the service worker load.
 *
 * - the demo app's entry chunk (what a tab of the app runs: UI, client, comlink, idb,
 *   workbox-window), alone and with its static imports; the lazily imported chunks (in-page
 *   hub, leader tab) are listed apart;
 * - the library's `dist/lib/client.js` with its static relative imports, unminified as the
 *   package ships it (its bare imports, e.g. comlink and idb, are the consumer's to bundle),
 *   and the same entry bundled with its dependencies and minified, as a consumer's build would
 *   ship it;
 * - the SharedWorker bundle (app) and `dist/lib/worker.js` with its static imports;
 * - the service worker (`sw.js`).
 *
 * Usage: node bench/size.mjs. Prints one JSON line.
 */

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { ensureBuilt, libDir, root, siteDir } from './support/build.mjs'
import { load1 } from './support/stats.mjs'

await ensureBuilt()
const loadStart = load1()

const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length
const STATIC_IMPORT = /\bimport\s*(?:[\w$*{}\s,]+?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g
const BARE_IMPORT = /\bimport\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^./"'][^"']*)["']/g

/** `file` and every file it imports statically (relative paths), each once. */
function withStaticImports(file, found = new Map()) {
  if (found.has(file)) return found
  const text = readFileSync(file, 'utf8')
  found.set(file, text)
  for (const [, path] of text.matchAll(STATIC_IMPORT)) withStaticImports(join(dirname(file), path), found)
  return found
}

function measure(files) {
  const texts = [...files.values()]
  return {
    files: [...files.keys()].map((file) => file.replace(root, '')),
    bytes: texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0),
    gzipBytes: texts.reduce((sum, text) => sum + gzip(Buffer.from(text)), 0),
  }
}

const one = (file) => measure(new Map([[file, readFileSync(file, 'utf8')]]))

// The app: its entry is the module script of index.html.
const html = readFileSync(`${siteDir}/index.html`, 'utf8')
const entry = join(siteDir, /<script type="module"[^>]*src="\/([^"]+)"/.exec(html)[1])
const entryText = readFileSync(entry, 'utf8')
const lazy = [...new Set([...entryText.matchAll(/["'](assets\/[^"']+\.js)["']/g)].map((m) => m[1]))]
const workerFile = join(siteDir, 'assets', /shared-worker-[\w-]+\.js/.exec(entryText)?.[0] ?? '')

// The library as a consumer bundles it: client entry plus comlink and idb, minified.
const { build } = await import('vite')
const consumerDir = `${root}.tmp/bench-size`
await build({
  configFile: false,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: consumerDir,
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    lib: { entry: `${root}src/client/index.ts`, formats: ['es'], fileName: 'client' },
  },
})
const libClient = withStaticImports(`${libDir}/client.js`)
const bareImports = [
  ...new Set([...libClient.values()].flatMap((text) => [...text.matchAll(BARE_IMPORT)].map((m) => m[1]))),
]

const sizes = {
  appEntryChunk: one(entry),
  appEntryWithStaticImports: measure(withStaticImports(entry)),
  appLazyChunks: Object.fromEntries(lazy.map((file) => [file, one(join(siteDir, file)).gzipBytes])),
  libClientWithStaticImports: { ...measure(libClient), bareImports },
  libClientBundledMinified: measure(withStaticImports(`${consumerDir}/client.js`)),
  appSharedWorker: measure(withStaticImports(workerFile)),
  libWorkerWithStaticImports: measure(withStaticImports(`${libDir}/worker.js`)),
  serviceWorker: one(`${siteDir}/sw.js`),
}
const kb = (bytes) => Math.round(bytes / 102.4) / 10
const GOAL = 8 * 1024
const row = (what, size, goal = false) => ({
  what,
  bytes: size.bytes,
  'gzip bytes': size.gzipBytes,
  'gzip KiB': kb(size.gzipBytes),
  'under 8 KiB': goal ? size.gzipBytes < GOAL : '—',
})
console.log(
  JSON.stringify({
    benchmark: 'size',
    load1: { start: loadStart, end: load1() },
    sizes,
    summary: [
      row('tab: app entry chunk (UI + client + comlink + idb + workbox-window)', sizes.appEntryChunk, true),
      row(
        'tab: lib client.js + static imports (unminified, without comlink/idb)',
        sizes.libClientWithStaticImports,
        true,
      ),
      row('tab: lib client bundled with comlink + idb, minified', sizes.libClientBundledMinified, true),
      row('worker: app SharedWorker bundle', sizes.appSharedWorker),
      row('worker: lib worker.js + static imports (unminified)', sizes.libWorkerWithStaticImports),
      row('service worker: sw.js', sizes.serviceWorker),
    ],
  }),
)
