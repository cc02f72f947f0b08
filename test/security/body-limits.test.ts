/**
 * Oversized bodies over real HTTP: the proxy and the backend each answer 413 in the error
 * shape whether the size is declared or streamed without a length, read no further than their
 * cap, and the proxy makes no upstream request.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import { signRequest } from '../../src/server/signing'
import { startStack, TEST_SECRET, type TestStack } from '../helpers/servers'

let stack: TestStack
let backend: RunningBackend
let cookie: string

beforeAll(async () => {
  stack = await startStack()
  backend = stack.server.backend as RunningBackend
  cookie = await stack.login('limits_user')
})

afterAll(() => stack.close())

interface Sent {
  status: number
  code: string | undefined
  /** Bytes of the body written before the answer came. */
  written: number
}

/**
 * POSTs `size` bytes of a JSON object to `url`, declared with a Content-Length or streamed in
 * 64 KiB chunks without one (stopping as soon as the answer arrives).
 */
function postHuge(
  url: string,
  headers: Record<string, string>,
  size: number,
  declared: boolean,
): Promise<Sent> {
  const chunk = Buffer.alloc(64 * 1024, 'x')
  const head = Buffer.from('{"projectId":"p1","client_msg_id":"c1","status":"online","userId":"u","text":"')
  return new Promise((resolve, reject) => {
    let written = 0
    let answered = false
    const outgoing = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...headers,
          ...(declared ? { 'content-length': String(size) } : { 'transfer-encoding': 'chunked' }),
        },
      },
      (response) => {
        answered = true
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (part: string) => {
          text += part
        })
        response.on('end', () => {
          let code: string | undefined
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code
          } catch {
            code = undefined
          }
          resolve({ status: response.statusCode ?? 0, code, written })
          outgoing.destroy()
        })
      },
    )
    // The server may close the socket while we are still writing: that is the point.
    outgoing.on('error', (error) => {
      if (!answered) reject(error)
    })
    const pump = (): void => {
      while (!answered && written < size) {
        const piece = written === 0 ? head : chunk.subarray(0, Math.min(chunk.length, size - written))
        written += piece.length
        if (!outgoing.write(piece)) {
          outgoing.once('drain', pump)
          return
        }
      }
      if (!answered) outgoing.end()
    }
    pump()
  })
}

const MB = 1024 * 1024
/** Far more than the client and kernel buffers hold: a server that kept reading would take it all. */
const SIZE = 32 * MB

const PROXY_ROUTES = ['/api/persistent-chat/messages', '/api/persistent-chat/presence', '/api/dev/login']

test.each(PROXY_ROUTES.flatMap((route) => [true, false].map((declared) => ({ route, declared }))))(
  'proxy POST $route with 32 MB (declared: $declared) → 413 payload_too_large, read only up to the cap, no upstream request',
  async ({ route, declared }) => {
    const before = backend.requestCount()

    const sent = await postHuge(stack.url + route, { cookie, origin: stack.url }, SIZE, declared)

    expect({ status: sent.status, code: sent.code }).toEqual({ status: 413, code: 'payload_too_large' })
    expect(sent.written).toBeLessThan(SIZE / 2)
    expect(backend.requestCount()).toBe(before)
  },
)

const BACKEND_PATHS = ['/v1/projects/p1/chat/messages', '/v1/projects/p1/chat/presence']

test.each(BACKEND_PATHS.flatMap((path) => [true, false].map((declared) => ({ path, declared }))))(
  'backend POST $path with 32 MB (declared: $declared), correctly signed headers → 413 body_too_large, read only up to the cap',
  async ({ path, declared }) => {
    // The signature cannot cover a body the sender will not finish: the size check comes first.
    const headers = signRequest({
      secret: TEST_SECRET,
      method: 'POST',
      pathWithQuery: path,
      userId: 'u',
      body: '',
    })
    const before = backend.latestSeq('p1')

    const sent = await postHuge(backend.url + path, headers, SIZE, declared)

    expect({ status: sent.status, code: sent.code }).toEqual({ status: 413, code: 'body_too_large' })
    expect(sent.written).toBeLessThan(SIZE / 2)
    expect(backend.latestSeq('p1')).toBe(before)
  },
)

test.each([true, false])(
  'backend POST with 32 MB (declared: %s) and no signature → 401 before the body is read',
  async (declared) => {
    const sent = await postHuge(
      `${backend.url}/v1/projects/p1/chat/messages`,
      {
        'x-user-id': 'u',
        'x-sheen-timestamp': String(Math.floor(Date.now() / 1000)),
      },
      SIZE,
      declared,
    )

    expect({ status: sent.status, code: sent.code }).toEqual({ status: 401, code: 'missing_signature' })
    expect(sent.written).toBeLessThan(SIZE / 2)
  },
)
