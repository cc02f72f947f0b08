import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { getRequestListener } from '@hono/node-server'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { negotiateEncoding } from '../../src/server/compression'
import { createStaticFiles, type StaticFiles } from '../../src/server/static-files'

/** A script well above the size worth compressing. */
const BIG_SCRIPT = Array.from({ length: 400 }, (_, i) => `export const value${i} = ${i} * 2`).join('\n')

let root: string
let serve: StaticFiles

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pc-static-'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>')
  writeFileSync(join(root, 'sw.js'), 'self.addEventListener("fetch", () => {})')
  writeFileSync(join(root, 'manifest.webmanifest'), '{}')
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)')
  writeFileSync(join(root, 'assets', 'big-def456.js'), BIG_SCRIPT)
  writeFileSync(join(root, 'assets', 'photo-0a1b2c.png'), Buffer.alloc(4096, 7))
  writeFileSync(join(root, '.env'), 'SECRET=1')
  writeFileSync(join(root, '..', 'outside.txt'), 'outside')
  serve = createStaticFiles({ root })
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
  rmSync(join(root, '..', 'outside.txt'), { force: true })
})

const get = (path: string, headers: Record<string, string> = {}): Promise<Response | undefined> =>
  serve(new Request(`http://app.test${path}`, { headers }))

test('index.html and sw.js are revalidated on every load', async () => {
  for (const path of ['/', '/index.html', '/sw.js']) {
    const response = await get(path)
    expect(response?.status).toBe(200)
    expect(response?.headers.get('cache-control')).toBe('no-cache')
  }
  expect((await get('/'))?.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect((await get('/sw.js'))?.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
  expect((await get('/manifest.webmanifest'))?.headers.get('content-type')).toMatch(
    /^application\/manifest\+json/,
  )
})

test('hashed assets are cached for a year as immutable', async () => {
  const response = await get('/assets/index-abc123.js')

  expect(response?.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
  expect(await response?.text()).toBe('console.log(1)')
})

test('a matching ETag is a 304', async () => {
  const etag = (await get('/sw.js'))?.headers.get('etag') ?? ''

  const response = await get('/sw.js', { 'if-none-match': etag })

  expect(response?.status).toBe(304)
})

test('navigations to unknown paths fall back to index.html, but not under /api or for assets', async () => {
  expect(await (await get('/project/42', { accept: 'text/html' }))?.text()).toContain('<title>app</title>')
  expect(await get('/project/42', { 'sec-fetch-mode': 'navigate' })).toBeDefined()
  expect(await get('/api/anything', { accept: 'text/html' })).toBeUndefined()
  expect(await get('/assets/missing.js')).toBeUndefined()
})

test('hidden files and paths outside the root are never served', async () => {
  expect(await get('/.env')).toBeUndefined()
  expect(await get('/%2e%2e/outside.txt')).toBeUndefined()
  expect(await get('/..%2Foutside.txt')).toBeUndefined()
  expect(await get('/assets/..%2F..%2Foutside.txt')).toBeUndefined()
  expect(await get('/%00')).toBeUndefined()
})

test('only GET and HEAD are served; HEAD has no body', async () => {
  expect(await serve(new Request('http://app.test/', { method: 'POST', body: 'x' }))).toBeUndefined()
  const head = await serve(new Request('http://app.test/', { method: 'HEAD' }))
  expect(head?.status).toBe(200)
  expect(head?.body).toBeNull()
})

test('a text file is sent as brotli or gzip, whichever the browser accepts, and decodes to the file', async () => {
  const brotli = await get('/assets/big-def456.js', { 'accept-encoding': 'gzip, deflate, br' })
  const gzipped = await get('/assets/big-def456.js', { 'accept-encoding': 'gzip, deflate' })
  const plain = await get('/assets/big-def456.js')

  expect(brotli?.headers.get('content-encoding')).toBe('br')
  expect(gzipped?.headers.get('content-encoding')).toBe('gzip')
  expect(plain?.headers.get('content-encoding')).toBeNull()
  const brotliBytes = Buffer.from(await (brotli as Response).arrayBuffer())
  const gzipBytes = Buffer.from(await (gzipped as Response).arrayBuffer())
  expect(brotliDecompressSync(brotliBytes).toString()).toBe(BIG_SCRIPT)
  expect(gunzipSync(gzipBytes).toString()).toBe(BIG_SCRIPT)
  expect(brotliBytes.length).toBeLessThan(BIG_SCRIPT.length / 3)
  expect(brotli?.headers.get('content-length')).toBe(String(brotliBytes.length))
  expect(await plain?.text()).toBe(BIG_SCRIPT)
  for (const response of [brotli, gzipped, plain]) {
    expect(response?.headers.get('vary')).toBe('accept-encoding')
    expect(response?.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
  }
})

test('each encoding has its own ETag, and a repeat of either is a 304', async () => {
  const brotli = await get('/assets/big-def456.js', { 'accept-encoding': 'br' })
  const plain = await get('/assets/big-def456.js')
  const brotliTag = brotli?.headers.get('etag') ?? ''
  const plainTag = plain?.headers.get('etag') ?? ''

  expect(brotliTag).not.toBe(plainTag)
  expect(
    (await get('/assets/big-def456.js', { 'accept-encoding': 'br', 'if-none-match': brotliTag }))?.status,
  ).toBe(304)
  expect((await get('/assets/big-def456.js', { 'if-none-match': plainTag }))?.status).toBe(304)
  expect((await get('/assets/big-def456.js', { 'if-none-match': brotliTag }))?.status).toBe(200)
})

test('images and files too small to gain are sent as they are', async () => {
  const image = await get('/assets/photo-0a1b2c.png', { 'accept-encoding': 'br, gzip' })
  const tiny = await get('/assets/index-abc123.js', { 'accept-encoding': 'br, gzip' })

  expect(image?.headers.get('content-encoding')).toBeNull()
  expect(image?.headers.get('vary')).toBeNull()
  expect((await (image as Response).arrayBuffer()).byteLength).toBe(4096)
  expect(tiny?.headers.get('content-encoding')).toBeNull()
  expect(await tiny?.text()).toBe('console.log(1)')
})

test('HEAD of a compressed file tells its encoded length without a body', async () => {
  const head = await serve(
    new Request('http://app.test/assets/big-def456.js', {
      method: 'HEAD',
      headers: { 'accept-encoding': 'gzip' },
    }),
  )
  const full = await get('/assets/big-def456.js', { 'accept-encoding': 'gzip' })

  expect(head?.body).toBeNull()
  expect(head?.headers.get('content-encoding')).toBe('gzip')
  expect(head?.headers.get('content-length')).toBe(full?.headers.get('content-length'))
})

test.each([
  ['gzip, deflate, br, zstd', 'br'],
  ['gzip', 'gzip'],
  ['br;q=0.5, gzip;q=0.8', 'gzip'],
  ['br;q=0, gzip', 'gzip'],
  ['*', 'br'],
  ['*;q=0.1, br;q=0', 'gzip'],
  ['identity', undefined],
  ['gzip;q=0, br;q=0', undefined],
  ['', undefined],
] as const)('Accept-Encoding %j is answered with %s', (header, expected) => {
  expect(negotiateEncoding(header)).toBe(expected)
})

test('an edited file is compressed again, not served from the old compression', async () => {
  const path = join(root, 'edited.css')
  writeFileSync(path, `.a { color: red }\n`.repeat(200))
  const before = await (await get('/edited.css', { 'accept-encoding': 'br' }))?.arrayBuffer()
  writeFileSync(path, `.b { color: blue }\n`.repeat(300))
  utimesSync(path, new Date(), new Date(Date.now() + 5000))

  const after = await (await get('/edited.css', { 'accept-encoding': 'br' }))?.arrayBuffer()

  expect(brotliDecompressSync(Buffer.from(before ?? new ArrayBuffer(0))).toString()).toContain('.a {')
  expect(brotliDecompressSync(Buffer.from(after ?? new ArrayBuffer(0))).toString()).toBe(
    `.b { color: blue }\n`.repeat(300),
  )
})

test('over real HTTP the compressed bytes arrive intact and fetch decodes them', async () => {
  const server = createServer(
    getRequestListener(async (request) => (await serve(request)) ?? new Response(null, { status: 404 })),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = server.address() as AddressInfo
    const response = await fetch(`http://127.0.0.1:${port}/assets/big-def456.js`, {
      headers: { 'accept-encoding': 'br' },
    })

    expect(response.headers.get('content-encoding')).toBe('br')
    expect(await response.text()).toBe(BIG_SCRIPT)
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})
