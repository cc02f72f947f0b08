/**
 * Compression of static files: which encoding a request accepts, which types are worth it,
 * and the compressed bytes of a file version, computed once per process and kept in memory.
 */
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'

/** @internal A content coding the server produces, best first. */
export type ContentEncoding = 'br' | 'gzip'

const ENCODINGS: readonly ContentEncoding[] = ['br', 'gzip']

/** Smaller files gain too little to pay for the encoding's header and the client's decoder. */
export const MIN_COMPRESSIBLE_BYTES = 1024

/** Brotli's best level is slow on big files; source maps (only devtools fetch them) get a fast one. */
const BEST_LEVEL_UP_TO_BYTES = 256 * 1024
/** Compressed versions kept in memory at most; the oldest go first. */
const CACHE_BYTES = 64 * 1024 * 1024

const compressBrotli = promisify(brotliCompress)
const compressGzip = promisify(gzip)

/**
 * @internal The encoding to answer `Accept-Encoding` with, or `undefined` for identity.
 * Brotli wins a tie; `q=0` refuses a coding, `*` stands for any coding not named.
 */
export function negotiateEncoding(acceptEncoding: string | null): ContentEncoding | undefined {
  if (!acceptEncoding) return undefined
  const weights = new Map<string, number>()
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const weight = q === undefined ? 1 : Number(q.slice(2))
    if (name !== '') weights.set(name, Number.isFinite(weight) ? weight : 0)
  }
  const weightOf = (encoding: ContentEncoding) => weights.get(encoding) ?? weights.get('*') ?? 0
  let best: ContentEncoding | undefined
  for (const encoding of ENCODINGS) {
    if (weightOf(encoding) > 0 && (best === undefined || weightOf(encoding) > weightOf(best))) best = encoding
  }
  return best
}

/** @internal Whether a response of `contentType` is text-like enough to compress. */
export function isCompressible(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/manifest+json' ||
    type === 'application/wasm' ||
    type === 'image/svg+xml' ||
    type === 'image/x-icon'
  )
}

/** One file version: its path and what `stat` says, so an edited file is compressed again. */
export interface FileVersion {
  path: string
  size: number
  mtimeMs: number
}

/** Finished and pending compressions; `bytes` is set once an entry has finished. */
const cache = new Map<string, { compressed: Promise<Uint8Array>; bytes: number }>()
let cachedBytes = 0

/**
 * @internal The bytes of `file` (read with `read`) in `encoding`: compressed once per file
 * version and process, shared by concurrent requests, off the event loop (zlib's thread pool).
 */
export function compressedFile(
  file: FileVersion,
  encoding: ContentEncoding,
  read: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const key = `${encoding}\0${file.path}\0${file.size}\0${file.mtimeMs}`
  const cached = cache.get(key)
  if (cached) return cached.compressed
  const entry = { compressed: read().then((bytes) => compress(bytes, encoding)), bytes: 0 }
  cache.set(key, entry)
  entry.compressed.then(
    (bytes) => {
      entry.bytes = bytes.byteLength
      cachedBytes += entry.bytes
      evictOldest()
    },
    () => cache.delete(key),
  )
  return entry.compressed
}

async function compress(bytes: Uint8Array, encoding: ContentEncoding): Promise<Uint8Array> {
  if (encoding === 'gzip') return compressGzip(bytes, { level: 9 })
  const quality = bytes.byteLength <= BEST_LEVEL_UP_TO_BYTES ? constants.BROTLI_MAX_QUALITY : 5
  return compressBrotli(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  })
}

/** Drop the oldest finished entries until the cache fits. */
function evictOldest(): void {
  for (const [key, entry] of cache) {
    if (cachedBytes <= CACHE_BYTES) return
    if (entry.bytes === 0) continue
    cache.delete(key)
    cachedBytes -= entry.bytes
  }
}
