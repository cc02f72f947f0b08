/**
 * Serves the built app (`dist/app`) as a Web-standard handler: correct content types,
 * `no-cache` for `index.html`, `sw.js` and other unhashed files, a year of `immutable` cache
 * for Vite's hashed `/assets/*`, ETags, brotli or gzip for text files (compression.ts), and
 * the SPA fallback to `index.html` for navigations.
 */
import { readFile, stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import { compressedFile, isCompressible, MIN_COMPRESSIBLE_BYTES, negotiateEncoding } from './compression'

/** @public Options of {@link createStaticFiles}. */
export interface StaticFilesOptions {
  /** Directory of the built app. */
  root: string
  /** Path prefixes that never fall back to `index.html`; default `['/api/']`. */
  noFallback?: readonly string[] | undefined
}

/** @public Answers a GET/HEAD from the built app, or `undefined` when it has nothing to serve. */
export type StaticFiles = (request: Request) => Promise<Response | undefined>

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}

/** Vite puts content-hashed files here; their URL changes whenever their bytes do. */
const HASHED_PREFIX = '/assets/'
const IMMUTABLE = 'public, max-age=31536000, immutable'

/** @public Creates the static file handler. */
export function createStaticFiles(options: StaticFilesOptions): StaticFiles {
  const root = resolve(options.root)
  const noFallback = options.noFallback ?? ['/api/']

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined
    const { pathname } = new URL(request.url)

    const direct = await findFile(root, pathname === '/' ? '/index.html' : pathname)
    if (direct !== undefined) return fileResponse(request, direct, pathname)

    const isNavigation =
      request.headers.get('sec-fetch-mode') === 'navigate' ||
      (request.headers.get('accept') ?? '').includes('text/html')
    if (!isNavigation || noFallback.some((prefix) => pathname.startsWith(prefix))) return undefined
    const index = await findFile(root, '/index.html')
    return index === undefined ? undefined : fileResponse(request, index, '/index.html')
  }
}

interface FoundFile {
  path: string
  size: number
  mtimeMs: number
}

/** Resolves a URL path inside `root`; anything escaping it, hidden or not a file is not found. */
async function findFile(root: string, pathname: string): Promise<FoundFile | undefined> {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || decoded.split('/').some((segment) => segment.startsWith('.')))
    return undefined
  const path = join(root, decoded)
  if (!path.startsWith(root + sep)) return undefined
  try {
    const info = await stat(path)
    return info.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : undefined
  } catch {
    return undefined
  }
}

async function fileResponse(request: Request, file: FoundFile, pathname: string): Promise<Response> {
  const contentType = CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream'
  const compressible = isCompressible(contentType) && file.size >= MIN_COMPRESSIBLE_BYTES
  const encoding = compressible ? negotiateEncoding(request.headers.get('accept-encoding')) : undefined
  // Each encoding is its own representation, so it has its own ETag.
  const version = `${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}`
  const etag = `W/"${encoding === undefined ? version : `${version}-${encoding}`}"`
  const headers = new Headers({
    'content-type': contentType,
    'cache-control': pathname.startsWith(HASHED_PREFIX) ? IMMUTABLE : 'no-cache',
    etag,
  })
  if (compressible) headers.set('vary', 'accept-encoding')
  if (matchesEtag(request.headers.get('if-none-match'), etag))
    return new Response(null, { status: 304, headers })
  if (encoding === undefined && request.method === 'HEAD') {
    headers.set('content-length', String(file.size))
    return new Response(null, { status: 200, headers })
  }
  const body =
    encoding === undefined
      ? await readFile(file.path)
      : await compressedFile(file, encoding, () => readFile(file.path))
  if (encoding !== undefined) headers.set('content-encoding', encoding)
  headers.set('content-length', String(body.byteLength))
  return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers })
}

/** `If-None-Match` holds `etag` (it may list several, or be `*`). */
function matchesEtag(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim()
    return trimmed === '*' || trimmed === etag
  })
}
