/**
 * `startServer` with a certificate: HTTP/2 over TLS (one connection carries every request and
 * stream) with HTTP/1.1 for clients without it, the same routes and a clean shutdown with a
 * stream open. The certificate is made for the test with openssl.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { type ClientHttp2Session, connect, constants } from 'node:http2'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { selfSignedCertificate } from '../../scripts/certificate.mjs'
import { type RunningServer, startServer } from '../../src/server/start-server'
import { TEST_SECRET, TEST_SESSION_SECRET, waitFor } from '../helpers/servers'

let dir: string
let cert: string
let server: RunningServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pc-tls-'))
  selfSignedCertificate(dir)
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
  server = await startTlsServer()
})

/** `startServer` with the test's certificate, on a free port, with an in-memory backend. */
function startTlsServer(): Promise<RunningServer> {
  return startServer({
    port: 0,
    secret: TEST_SECRET,
    sessionSecret: TEST_SESSION_SECRET,
    appDir: 'test/helpers/no-app',
    backend: { port: 0, dbPath: ':memory:' },
    tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert },
  })
}

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** `name=value` of the session cookie an HTTP/2 response sets. */
function sessionCookie(headers: Record<string, unknown>): string {
  const setCookie = headers['set-cookie']
  return String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0] ?? ''
}

/** One HTTP/2 request on `session`: status, headers and the body read so far when `until` holds. */
function h2Request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  body?: string,
  until: (text: string) => boolean = () => false,
): Promise<{
  status: number
  headers: Record<string, unknown>
  text: string
  stream: ReturnType<ClientHttp2Session['request']>
}> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers)
    let status = 0
    let responseHeaders: Record<string, unknown> = {}
    let text = ''
    stream.setEncoding('utf8')
    stream.on('response', (received) => {
      status = Number(received[constants.HTTP2_HEADER_STATUS])
      responseHeaders = received
    })
    stream.on('data', (chunk: string) => {
      text += chunk
      if (until(text)) resolve({ status, headers: responseHeaders, text, stream })
    })
    stream.on('end', () => resolve({ status, headers: responseHeaders, text, stream }))
    stream.on('error', reject)
    if (body !== undefined) stream.end(body)
    else stream.end()
  })
}

test('the server speaks HTTP/2 over TLS: sign in and stream on one connection', async () => {
  expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
  const session = connect(server.url, { ca: cert })
  try {
    const login = await h2Request(
      session,
      {
        ':method': 'POST',
        ':path': '/api/dev/login',
        'content-type': 'application/json',
        origin: server.url,
      },
      JSON.stringify({ userId: 'tls-user' }),
    )
    expect(login.status).toBe(200)
    const cookie = sessionCookie(login.headers)
    expect(String(login.headers['set-cookie'])).toContain('Secure')

    const stream = await h2Request(
      session,
      { ':method': 'GET', ':path': '/api/persistent-chat/stream?projectId=tls', cookie },
      undefined,
      (text) => text.includes('connection.established'),
    )

    expect(stream.status).toBe(200)
    expect(String(stream.headers['content-type'])).toMatch(/^text\/event-stream/)
    expect(stream.text).toContain('event: connection.established')
    stream.stream.close()
  } finally {
    session.close()
  }
})

test('a client without HTTP/2 is served over HTTP/1.1 on the same port', async () => {
  const response = await new Promise<{ status: number; version: string; body: string }>((resolve, reject) => {
    const request = httpsRequest(`${server.url}/login`, { ca: cert }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.httpVersion, body }))
    })
    request.on('error', reject)
    request.end()
  })

  expect(response).toMatchObject({ status: 200, version: '1.1' })
  expect(response.body).toMatch(/<input[^>]*name="userId"/)
})

test('close() ends an open HTTP/2 stream and the server stops', async () => {
  const own = await startTlsServer()
  const session = connect(own.url, { ca: cert })
  session.on('error', () => {})
  const login = await h2Request(
    session,
    { ':method': 'POST', ':path': '/api/dev/login', 'content-type': 'application/json', origin: own.url },
    JSON.stringify({ userId: 'tls-close' }),
  )
  const cookie = sessionCookie(login.headers)
  const open = await h2Request(
    session,
    { ':method': 'GET', ':path': '/api/persistent-chat/stream?projectId=tls-close', cookie },
    undefined,
    (text) => text.includes('connection.established'),
  )
  let ended = false
  open.stream.on('close', () => {
    ended = true
  })

  const started = Date.now()
  await own.close()

  expect(Date.now() - started).toBeLessThan(5000)
  await waitFor(() => ended, 2000, 'the open stream to end')
  session.destroy()
})
