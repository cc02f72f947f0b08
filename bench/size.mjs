#!/usr/bin/env node
/**
 * Size: gzip bytes (level 9) of what a tab, the SharedWorker and the service worker load.
 *
 * - a tab's first load: the module script index.html names, with its static imports, plus the
 *   render-blocking stylesheets (`<link rel="stylesheet">`): what must arrive before the first
 *   paint (goal ≤ 8,192 B); the chunks loaded after it (the app, the client, workbox-window,
 *   the in-page hub, the leader tab) are listed apart;
 * - the library's `dist/lib/client.js` with its static relative imports, unminified as the
 *   package ships it (its bare imports, e.g. comlink and idb, are the consumer's to bundle),
 *   and the same entry bundled with its dependencies and minified, as a consumer's build would
 *   ship it;
 * - the SharedWorker bundle (app) and `dist/lib/worker.js` with its static imports;
 * - the service worker (`sw.js`);
 * - how the server sends them: `startServer` over the built site, asked as a browser asks
 *   (`Accept-Encoding: br, gzip`): the encoding, the bytes on the wire and `Cache-Control` of
 *   the first load's files, `index.html` and `sw.js`.
 *
 * Usage: node bench/size.mjs. Prints one JSON line.
 */

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { ensureBuilt, libDir, nodeDir, root, siteDir } from './support/build.mjs'
import { goal } from './support/goals.mjs'
import { load1 } from './support/stats.mjs'

await ensureBuilt()
const loadStart = load1()

const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length
// `import … from`, a bare `import "…"` and a re-export `export … from` (the library's entries
// re-export their chunk) all load the file they name.
const STATIC_IMPORT = /\b(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g
const BARE_IMPORT = /\b(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^./"'][^"']*)["']/g

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

// The app: its entry is the module script of index.html, its render-blocking CSS the stylesheets.
const html = readFileSync(`${siteDir}/index.html`, 'utf8')
const entryPath = /<script\b[^>]*\btype="module"[^>]*\bsrc="\/([^"]+)"/.exec(html)[1]
const entry = join(siteDir, entryPath)
const stylesheetPaths = [...html.matchAll(/<link rel="stylesheet"[^>]*href="\/([^"]+)"/g)].map((m) => m[1])
const entryText = readFileSync(entry, 'utf8')
/** Every chunk the app loads after its first paint: dynamic imports, followed from the entry. */
function lazyChunks(file, found = new Set()) {
  for (const [, path] of readFileSync(file, 'utf8').matchAll(/import\(\s*[`"'](\.\/[\w.-]+\.js)[`"']/g)) {
    const chunk = join(dirname(file), path)
    if (found.has(chunk)) continue
    found.add(chunk)
    lazyChunks(chunk, found)
  }
  return found
}
const lazy = [...lazyChunks(entry)].map((file) => file.replace(`${siteDir}/`, ''))
const workerFile = join(
  siteDir,
  'assets',
  /shared-worker-[\w-]+\.js/.exec(
    lazy.map((file) => readFileSync(join(siteDir, file), 'utf8')).join('\n') + entryText,
  )?.[0] ?? '',
)

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

const entryWithImports = measure(withStaticImports(entry))
const stylesheets = measure(
  new Map(stylesheetPaths.map((path) => [join(siteDir, path), readFileSync(join(siteDir, path), 'utf8')])),
)
const sizes = {
  firstLoad: {
    files: [...entryWithImports.files, ...stylesheets.files],
    bytes: entryWithImports.bytes + stylesheets.bytes,
    gzipBytes: entryWithImports.gzipBytes + stylesheets.gzipBytes,
  },
  appEntryChunk: one(entry),
  appEntryWithStaticImports: entryWithImports,
  renderBlockingCss: stylesheets,
  appLazyChunks: Object.fromEntries(lazy.map((file) => [file, one(join(siteDir, file)).gzipBytes])),
  libClientWithStaticImports: { ...measure(libClient), bareImports },
  libClientBundledMinified: measure(withStaticImports(`${consumerDir}/client.js`)),
  appSharedWorker: measure(withStaticImports(workerFile)),
  libWorkerWithStaticImports: measure(withStaticImports(`${libDir}/worker.js`)),
  serviceWorker: one(`${siteDir}/sw.js`),
}
const served = await servedAs([entryPath, ...stylesheetPaths, 'index.html', 'sw.js'])

const kb = (bytes) => Math.round(bytes / 102.4) / 10
const GOAL = 8 * 1024
const row = (what, size, goal = false) => ({
  what,
  bytes: size.bytes,
  'gzip bytes': size.gzipBytes,
  'gzip KiB': kb(size.gzipBytes),
  'under 8 KiB': goal ? size.gzipBytes <= GOAL : '—',
})
const firstLoadServed = served.filter((s) => s.path === entryPath || stylesheetPaths.includes(s.path))
const compressedAndCached =
  firstLoadServed.every((s) => s.encoding === 'br' || s.encoding === 'gzip') &&
  firstLoadServed.every((s) => s.cacheControl === 'public, max-age=31536000, immutable') &&
  served.filter((s) => !s.path.startsWith('assets/')).every((s) => s.cacheControl === 'no-cache')
console.log(
  JSON.stringify({
    benchmark: 'size',
    load1: { start: loadStart, end: load1() },
    sizes,
    served,
    goals: [
      goal("a tab's first load (entry JS + render-blocking CSS), gzip", {
        value: sizes.firstLoad.gzipBytes,
        limit: GOAL,
        unit: 'B',
        detail: `${sizes.firstLoad.files.join(' + ')}; on the wire from startServer: ${firstLoadServed
          .map((s) => `${s.wireBytes} B ${s.encoding ?? 'identity'}`)
          .join(' + ')}`,
      }),
      goal('static files served compressed, hashed ones immutable, index.html and sw.js no-cache', {
        value: compressedAndCached ? 1 : 0,
        limit: 1,
        atMost: false,
        unit: '(1 = yes)',
        detail: served.map((s) => `${s.path}: ${s.encoding ?? 'identity'}, ${s.cacheControl}`).join('; '),
      }),
    ],
    summary: [
      row('tab: first load (entry chunk + static imports + render-blocking CSS)', sizes.firstLoad, true),
      row('tab: entry chunk (the first paint: list, rows, cached paint)', sizes.appEntryChunk),
      row('tab: render-blocking CSS', sizes.renderBlockingCss),
      ...Object.entries(sizes.appLazyChunks).map(([file, gzipBytes]) => ({
        what: `tab, after the first paint: ${file}`,
        bytes: null,
        'gzip bytes': gzipBytes,
        'gzip KiB': kb(gzipBytes),
        'under 8 KiB': '—',
      })),
      row(
        'tab: lib client.js + static imports (unminified, without comlink/idb)',
        sizes.libClientWithStaticImports,
      ),
      row('tab: lib client bundled with comlink + idb, minified', sizes.libClientBundledMinified),
      row('worker: app SharedWorker bundle', sizes.appSharedWorker),
      row('worker: lib worker.js + static imports (unminified)', sizes.libWorkerWithStaticImports),
      row('service worker: sw.js', sizes.serviceWorker),
    ],
  }),
)

/** GET each path from `startServer` serving the built site, as a browser would ask. */
async function servedAs(paths) {
  const { startServer } = await import(`${nodeDir}/start-server.mjs`)
  const server = await startServer({
    port: 0,
    secret: 'bench-size-secret',
    sessionSecret: 'bench-size-session-secret-0123',
    appDir: siteDir,
    backend: { dbPath: ':memory:' },
  })
  try {
    const results = []
    for (const path of paths) {
      const response = await fetch(`${server.url}/${path}`, { headers: { 'accept-encoding': 'br, gzip' } })
      const body = new Uint8Array(await response.arrayBuffer())
      results.push({
        path,
        status: response.status,
        encoding: response.headers.get('content-encoding'),
        // fetch decodes the body: the wire size is the header's.
        wireBytes: Number(response.headers.get('content-length') ?? body.byteLength),
        decodedBytes: body.byteLength,
        cacheControl: response.headers.get('cache-control'),
      })
    }
    return results
  } finally {
    await server.close()
  }
}
