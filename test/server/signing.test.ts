import { createHash, createHmac } from 'node:crypto'
import { expect, test } from 'vitest'
import { precheckRequest, signRequest, verifyRequest } from '../../src/server/signing'

const secret = 'test-secret'
const now = Date.UTC(2025, 7, 27, 10, 30, 0)
const base = { secret, method: 'POST', pathWithQuery: '/v1/projects/p1/chat/messages', userId: 'user_a' }
const body = '{"client_msg_id":"c1","text":"hi"}'

test('signRequest produces the four headers with the documented formulas', () => {
  const headers = signRequest({ ...base, body, now })

  const timestamp = String(now / 1000)
  const bodyHash = createHash('sha256').update(body).digest('hex')
  const canonical = `v2\n${timestamp}\nPOST\n/v1/projects/p1/chat/messages\nuser_a\n${bodyHash}`
  expect(headers).toEqual({
    'x-user-id': 'user_a',
    'x-sheen-timestamp': timestamp,
    'x-sheen-hmac-signature': createHmac('sha256', secret).update(timestamp).digest('hex'),
    'x-sheen-hmac-signature-v2': createHmac('sha256', secret).update(canonical).digest('hex'),
  })
})

test('an absent body signs like an empty one, and the method is upper-cased', () => {
  const a = signRequest({ ...base, method: 'get', now })
  const b = signRequest({ ...base, method: 'GET', body: '', now })

  expect(a).toEqual(b)
})

test('a correctly signed request verifies as v2 and yields the user', () => {
  const headers = signRequest({ ...base, body, now })

  const result = verifyRequest({ ...base, headers, body: Buffer.from(body), now, acceptV1: false })

  expect(result).toEqual({ ok: true, userId: 'user_a', version: 'v2' })
})

test('a Fetch-style Headers object is read too', () => {
  const headers = new Headers(signRequest({ ...base, body, now }))

  expect(verifyRequest({ ...base, headers, body, now, acceptV1: false }).ok).toBe(true)
})

test.each([
  ['path', { pathWithQuery: '/v1/projects/p2/chat/messages' }],
  ['query', { pathWithQuery: '/v1/projects/p1/chat/messages?x=1' }],
  ['method', { method: 'PUT' }],
  ['body', { body: '{"client_msg_id":"c1","text":"HI"}' }],
])('v2 rejects a tampered %s', (_name, change) => {
  const headers = signRequest({ ...base, body, now })

  const result = verifyRequest({ ...base, body, ...change, headers, now, acceptV1: true })

  expect(result).toMatchObject({ ok: false, code: 'invalid_signature' })
})

test('v2 rejects a swapped user id', () => {
  const headers = { ...signRequest({ ...base, body, now }), 'x-user-id': 'user_b' }

  expect(verifyRequest({ ...base, headers, body, now, acceptV1: true })).toMatchObject({
    ok: false,
    code: 'invalid_signature',
  })
})

test('a wrong secret fails', () => {
  const headers = signRequest({ ...base, secret: 'other', body, now })

  expect(verifyRequest({ ...base, headers, body, now, acceptV1: true }).ok).toBe(false)
})

test.each([301, -301])('a timestamp %i s off is stale', (offset) => {
  const headers = signRequest({ ...base, body, now: now + offset * 1000 })

  expect(verifyRequest({ ...base, headers, body, now, acceptV1: true })).toMatchObject({
    ok: false,
    code: 'stale_timestamp',
  })
})

test.each([300, -300])('a timestamp %i s off is still accepted', (offset) => {
  const headers = signRequest({ ...base, body, now: now + offset * 1000 })

  expect(verifyRequest({ ...base, headers, body, now, acceptV1: true }).ok).toBe(true)
})

test('v1 alone is accepted only when acceptV1', () => {
  const { 'x-sheen-hmac-signature-v2': _v2, ...headers } = signRequest({ ...base, body, now })

  expect(verifyRequest({ ...base, headers, body, now, acceptV1: true })).toEqual({
    ok: true,
    userId: 'user_a',
    version: 'v1',
  })
  expect(verifyRequest({ ...base, headers, body, now, acceptV1: false })).toMatchObject({
    ok: false,
    code: 'v1_not_accepted',
  })
})

test('a bad v1 fails even next to a good v2', () => {
  const headers = { ...signRequest({ ...base, body, now }), 'x-sheen-hmac-signature': 'ab'.repeat(32) }

  expect(verifyRequest({ ...base, headers, body, now, acceptV1: true })).toMatchObject({
    ok: false,
    code: 'invalid_signature',
  })
})

test('signatures of the wrong length or in upper case are handled without throwing', () => {
  const signed = signRequest({ ...base, body, now })
  const short = { ...signed, 'x-sheen-hmac-signature-v2': 'abc' }
  const upper = {
    ...signed,
    'x-sheen-hmac-signature-v2': (signed['x-sheen-hmac-signature-v2'] ?? '').toUpperCase(),
  }

  expect(verifyRequest({ ...base, headers: short, body, now, acceptV1: true }).ok).toBe(false)
  expect(verifyRequest({ ...base, headers: upper, body, now, acceptV1: true }).ok).toBe(true)
})

test.each([
  ['missing_user', { 'x-user-id': undefined }],
  ['missing_timestamp', { 'x-sheen-timestamp': undefined }],
  ['invalid_timestamp', { 'x-sheen-timestamp': '12.5' }],
  ['missing_signature', { 'x-sheen-hmac-signature': undefined, 'x-sheen-hmac-signature-v2': undefined }],
])('reports %s', (code, change) => {
  const headers = { ...signRequest({ ...base, body, now }), ...change }

  expect(verifyRequest({ ...base, headers, body, now, acceptV1: true })).toMatchObject({ ok: false, code })
})

test('precheckRequest checks everything but the body', () => {
  const headers = signRequest({ ...base, body, now })
  const { 'x-sheen-hmac-signature-v2': _v2, ...v1Only } = headers

  expect(precheckRequest({ secret, headers, now, acceptV1: false })).toEqual({ ok: true })
  expect(
    precheckRequest({
      secret,
      headers: { ...headers, 'x-sheen-hmac-signature-v2': 'ab' },
      now,
      acceptV1: false,
    }),
  ).toEqual({ ok: true })
  expect(precheckRequest({ secret, headers: v1Only, now, acceptV1: false })).toMatchObject({
    code: 'v1_not_accepted',
  })
  expect(precheckRequest({ secret, headers, now: now + 301_000, acceptV1: true })).toMatchObject({
    code: 'stale_timestamp',
  })
  expect(precheckRequest({ secret: 'other', headers, now, acceptV1: true })).toMatchObject({
    code: 'invalid_signature',
  })
})
