import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createStaticFiles, type StaticFiles } from '../../src/server/static-files'

let root: string
let serve: StaticFiles

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pc-static-'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>')
  writeFileSync(join(root, 'sw.js'), 'self.addEventListener("fetch", () => {})')
  writeFileSync(join(root, 'manifest.webmanifest'), '{}')
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)')
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
