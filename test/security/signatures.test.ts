/**
 * HMAC signing between proxy and backend, attacked over real HTTP against the reference
 * backend: every field V2 binds (method, path, query, user, body, timestamp) tampered after
 * signing, signatures swapped, missing or from another secret, clock skew at the 300 s edge,
 * and the documented V1 weakness with `HMAC_ACCEPT_V1` on and off.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import {
  SIGNATURE_V1_HEADER,
  SIGNATURE_V2_HEADER,
  signRequest,
  TIMESTAMP_HEADER,
  USER_ID_HEADER,
} from '../../src/server/signing'
import { startTestBackend, TEST_SECRET } from '../helpers/backend-client'

let backend: RunningBackend
let strictBackend: RunningBackend

beforeAll(async () => {
  ;({ backend } = await startTestBackend())
  ;({ backend: strictBackend } = await startTestBackend({ acceptV1: false }))
})

afterAll(async () => {
  await backend.close()
  await strictBackend.close()
})

const HISTORY = '/v1/projects/p_sig/chat/messages?after_seq=0'
const SEND = '/v1/projects/p_sig/chat/messages'
const BODY = '{"client_msg_id":"c_sig","text":"signed text"}'

/** A request as sent, and the request the signature was made for (by default the same). */
interface Attempt {
  method: string
  path: string
  userId: string
  body?: string | undefined
  signedAs?: Partial<{
    method: string
    path: string
    userId: string
    body: string
    now: number
    secret: string
  }>
  /** Edits the signed headers before sending. */
  edit?: (headers: Record<string, string>) => void
}

async function attempt(
  target: RunningBackend,
  a: Attempt,
): Promise<{ status: number; code: string | undefined }> {
  const headers = signRequest({
    secret: a.signedAs?.secret ?? TEST_SECRET,
    method: a.signedAs?.method ?? a.method,
    pathWithQuery: a.signedAs?.path ?? a.path,
    userId: a.signedAs?.userId ?? a.userId,
    body: a.signedAs?.body ?? a.body,
    now: a.signedAs?.now,
  })
  headers[USER_ID_HEADER] = a.userId
  a.edit?.(headers)
  if (a.body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(target.url + a.path, { method: a.method, headers, body: a.body ?? null })
  const text = await response.text()
  let code: string | undefined
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code
  } catch {
    code = undefined
  }
  return { status: response.status, code }
}

const get = (extra: Partial<Attempt> = {}): Attempt => ({
  method: 'GET',
  path: HISTORY,
  userId: 'alice',
  ...extra,
})
const post = (extra: Partial<Attempt> = {}): Attempt => ({
  method: 'POST',
  path: SEND,
  userId: 'alice',
  body: BODY,
  ...extra,
})

/** A signature for another timestamp of the same request. */
const otherTimestamp = (a: Attempt) =>
  signRequest({
    secret: TEST_SECRET,
    method: a.method,
    pathWithQuery: a.path,
    userId: a.userId,
    body: a.body,
    now: Date.now() - 10_000,
  })

const TAMPERED: Array<[string, Attempt, string]> = [
  ['method: signed for POST, sent as GET', get({ signedAs: { method: 'POST' } }), 'invalid_signature'],
  [
    'method: signed for GET, sent as POST',
    post({ signedAs: { method: 'GET', body: '' } }),
    'invalid_signature',
  ],
  [
    'path: signed for another project',
    get({ signedAs: { path: '/v1/projects/p_other/chat/messages?after_seq=0' } }),
    'invalid_signature',
  ],
  [
    'path: signed for the stream route, sent to history',
    get({ signedAs: { path: '/v1/projects/p_sig/chat/stream' } }),
    'invalid_signature',
  ],
  [
    'query: after_seq changed after signing',
    get({ path: '/v1/projects/p_sig/chat/messages?after_seq=5', signedAs: { path: HISTORY } }),
    'invalid_signature',
  ],
  [
    'query: a parameter added after signing',
    get({ path: `${HISTORY}&limit=1`, signedAs: { path: HISTORY } }),
    'invalid_signature',
  ],
  [
    'query: removed after signing',
    get({ path: '/v1/projects/p_sig/chat/messages', signedAs: { path: HISTORY } }),
    'invalid_signature',
  ],
  [
    'user: signed for alice, sent as mallory (GET)',
    get({ userId: 'mallory', signedAs: { userId: 'alice' } }),
    'invalid_signature',
  ],
  [
    'user: signed for alice, sent as mallory (POST)',
    post({ userId: 'mallory', signedAs: { userId: 'alice' } }),
    'invalid_signature',
  ],
  [
    'user: the same user in another case',
    get({ userId: 'Alice', signedAs: { userId: 'alice' } }),
    'invalid_signature',
  ],
  [
    'body: another body of the same length',
    post({ signedAs: { body: BODY.replace('signed', 'forged') } }),
    'invalid_signature',
  ],
  ['body: signed empty, sent with a body', post({ signedAs: { body: '' } }), 'invalid_signature'],
  ['body: one extra space', post({ body: `${BODY} `, signedAs: { body: BODY } }), 'invalid_signature'],
  [
    'timestamp: moved one second after signing',
    get({ edit: (h) => (h[TIMESTAMP_HEADER] = String(Number(h[TIMESTAMP_HEADER]) + 1)) }),
    'invalid_signature',
  ],
  [
    'V1 from another timestamp next to a valid V2',
    get({ edit: (h) => (h[SIGNATURE_V1_HEADER] = otherTimestamp(get())[SIGNATURE_V1_HEADER] ?? '') }),
    'invalid_signature',
  ],
  [
    'V2 of another request (the stream route) next to a valid V1',
    get({
      edit: (h) =>
        (h[SIGNATURE_V2_HEADER] =
          signRequest({
            secret: TEST_SECRET,
            method: 'GET',
            pathWithQuery: '/v1/projects/p_sig/chat/stream',
            userId: 'alice',
          })[SIGNATURE_V2_HEADER] ?? ''),
    }),
    'invalid_signature',
  ],
  [
    'both signatures made with another secret',
    get({ signedAs: { secret: 'not-the-secret' } }),
    'invalid_signature',
  ],
  [
    'V2 truncated by one hex digit',
    get({ edit: (h) => (h[SIGNATURE_V2_HEADER] = (h[SIGNATURE_V2_HEADER] ?? '').slice(0, -1)) }),
    'invalid_signature',
  ],
  [
    'V2 with one hex digit flipped',
    get({ edit: (h) => (h[SIGNATURE_V2_HEADER] = flipLastHexDigit(h[SIGNATURE_V2_HEADER] ?? '')) }),
    'invalid_signature',
  ],
  [
    'a repeated x-user-id (alice, mallory)',
    get({ edit: (h) => (h[USER_ID_HEADER] = 'alice, mallory') }),
    'invalid_signature',
  ],
  ['no x-user-id', get({ edit: (h) => delete h[USER_ID_HEADER] }), 'missing_user'],
  ['an empty x-user-id', get({ edit: (h) => (h[USER_ID_HEADER] = '') }), 'missing_user'],
  ['no timestamp', get({ edit: (h) => delete h[TIMESTAMP_HEADER] }), 'missing_timestamp'],
  ...['1e9', '-5', '12.5', 'now', '0x64'].map((value): [string, Attempt, string] => [
    `a timestamp of ${value}`,
    get({ edit: (h) => (h[TIMESTAMP_HEADER] = value) }),
    'invalid_timestamp',
  ]),
  [
    'no signatures at all',
    get({
      edit: (h) => {
        delete h[SIGNATURE_V1_HEADER]
        delete h[SIGNATURE_V2_HEADER]
      },
    }),
    'missing_signature',
  ],
  [
    'no signatures on a POST with a body',
    post({
      edit: (h) => {
        delete h[SIGNATURE_V1_HEADER]
        delete h[SIGNATURE_V2_HEADER]
      },
    }),
    'missing_signature',
  ],
]

function flipLastHexDigit(hex: string): string {
  const last = hex.at(-1) === '0' ? '1' : '0'
  return hex.slice(0, -1) + last
}

test.each(TAMPERED)('%s → 401 %s, nothing stored', async (_what, a, code) => {
  const before = backend.latestSeq('p_sig')

  const result = await attempt(backend, a)

  expect(result).toEqual({ status: 401, code })
  expect(backend.latestSeq('p_sig')).toBe(before)
})

test.each([
  ['GET', get()],
  ['POST', post({ body: '{"client_msg_id":"c_untampered","text":"signed text"}' })],
])('an untampered signed %s is accepted (the control for the tampering rows)', async (_method, a) => {
  const result = await attempt(backend, a)

  expect(result.status).toBeLessThan(300)
})

/**
 * A clock `offset` seconds off the backend's, in whole seconds as the timestamp header has them:
 * the backend's second is this one or the next by the time it checks, so a positive offset
 * starts one second later to stay at least `offset` ahead.
 */
function skewedNow(offset: number): number {
  const second = Math.floor(Date.now() / 1000)
  return (offset > 0 ? second + offset + 1 : second + offset) * 1000
}

test.each([301, -301])('a timestamp %i s off → 401 stale_timestamp on GET and POST', async (offset) => {
  const results = [
    await attempt(backend, get({ signedAs: { now: skewedNow(offset) } })),
    await attempt(backend, post({ signedAs: { now: skewedNow(offset) } })),
  ]

  expect(results).toEqual([
    { status: 401, code: 'stale_timestamp' },
    { status: 401, code: 'stale_timestamp' },
  ])
})

test.each([299, -299])('a timestamp %i s off → still accepted on GET and POST', async (offset) => {
  const results = [
    await attempt(backend, get({ signedAs: { now: skewedNow(offset) } })),
    await attempt(
      backend,
      post({
        body: `{"client_msg_id":"c_skew_${offset}","text":"hi"}`,
        signedAs: { now: skewedNow(offset) },
      }),
    ),
  ]

  expect(results.map((r) => r.status)).toEqual([200, 201])
})

const v1Only = (a: Attempt): Attempt => ({
  ...a,
  edit: (h) => {
    a.edit?.(h)
    delete h[SIGNATURE_V2_HEADER]
  },
})

test('V1 alone binds only the time: with HMAC_ACCEPT_V1 on, a V1 signature made for alice acts as mallory (the documented weakness)', async () => {
  const result = await attempt(backend, v1Only(get({ userId: 'mallory', signedAs: { userId: 'alice' } })))

  expect(result.status).toBe(200)
})

test.each([
  ['GET', v1Only(get())],
  ['POST', v1Only(post())],
  ['GET for another user', v1Only(get({ userId: 'mallory', signedAs: { userId: 'alice' } }))],
])('with HMAC_ACCEPT_V1=false a V1-only %s → 401 v1_not_accepted', async (_what, a) => {
  const result = await attempt(strictBackend, a)

  expect(result).toEqual({ status: 401, code: 'v1_not_accepted' })
})

test('with HMAC_ACCEPT_V1=false a V2-signed request is still accepted', async () => {
  const result = await attempt(strictBackend, get())

  expect(result.status).toBe(200)
})

test('a tampered V1 is refused even when V1 alone would be accepted', async () => {
  const result = await attempt(
    backend,
    v1Only(get({ edit: (h) => (h[SIGNATURE_V1_HEADER] = flipLastHexDigit(h[SIGNATURE_V1_HEADER] ?? '')) })),
  )

  expect(result).toEqual({ status: 401, code: 'invalid_signature' })
})

test('an unsigned 1 MB POST is refused with 401 before its body is read', async () => {
  const huge = JSON.stringify({ client_msg_id: 'c_huge', text: 'x'.repeat(1024 * 1024) })

  const result = await attempt(
    backend,
    post({
      body: huge,
      edit: (h) => {
        delete h[SIGNATURE_V1_HEADER]
        delete h[SIGNATURE_V2_HEADER]
      },
    }),
  )

  expect(result).toEqual({ status: 401, code: 'missing_signature' })
})
