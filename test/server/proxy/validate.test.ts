import { expect, test } from 'vitest'
import {
  isSignableUserId,
  validateHistoryQuery,
  validatePresenceBody,
  validateSendBody,
  validateStreamQuery,
} from '../../../src/server/proxy/validate'

const query = (text: string): URLSearchParams => new URLSearchParams(text)

test('a stream query yields the project and canonical cursors', () => {
  expect(validateStreamQuery(query('projectId=p_1-A&from_seq=12'), '7')).toEqual({
    ok: true,
    value: { projectId: 'p_1-A', fromSeq: '12', lastEventId: '7' },
  })
  expect(validateStreamQuery(query('projectId=p'), null)).toEqual({
    ok: true,
    value: { projectId: 'p', fromSeq: undefined, lastEventId: undefined },
  })
})

test('bad project ids and cursors are 400s', () => {
  for (const projectId of ['../x', '/', '../', '', 'a'.repeat(65), 'prøj', 'a b']) {
    expect(validateStreamQuery(query(`projectId=${encodeURIComponent(projectId)}`), null)).toMatchObject({
      ok: false,
      status: 400,
      code: 'bad_request',
    })
  }
  for (const cursor of ['-1', '1e3', 'abc', '1.5', '', ' 1', '0x10']) {
    expect(validateStreamQuery(query(`projectId=p&from_seq=${encodeURIComponent(cursor)}`), null).ok).toBe(
      false,
    )
    expect(validateStreamQuery(query('projectId=p'), cursor).ok).toBe(false)
  }
  expect(validateStreamQuery(query('projectId=p&from_seq=1&from_seq=2'), null).ok).toBe(false)
})

test('a history query keeps only validated parameters', () => {
  const result = validateHistoryQuery(query('projectId=p&before_seq=10&limit=200&evil=1'))

  expect(result.ok).toBe(true)
  if (result.ok) expect(result.value.search.toString()).toBe('before_seq=10&limit=200')
})

test('history rejects both directions at once and limits outside 1..200', () => {
  expect(validateHistoryQuery(query('projectId=p&after_seq=1&before_seq=2')).ok).toBe(false)
  expect(validateHistoryQuery(query('projectId=p&limit=0')).ok).toBe(false)
  expect(validateHistoryQuery(query('projectId=p&limit=201')).ok).toBe(false)
  expect(validateHistoryQuery(query('projectId=p&limit=1')).ok).toBe(true)
})

test('a send body is reduced to the backend body', () => {
  const result = validateSendBody({
    projectId: 'p',
    client_msg_id: 'client_01J:abc.def-1',
    text: 'hi',
    mode: 'build',
    target: 'ai',
    userId: 'someone-else',
  })

  expect(result).toEqual({
    ok: true,
    value: {
      projectId: 'p',
      message: { client_msg_id: 'client_01J:abc.def-1', text: 'hi', mode: 'build', target: 'ai' },
    },
  })
})

test('a send text over 32 KiB of UTF-8 is a 413; exactly 32 KiB is fine', () => {
  const base = { projectId: 'p', client_msg_id: 'c' }
  expect(validateSendBody({ ...base, text: 'x'.repeat(32 * 1024) }).ok).toBe(true)
  expect(validateSendBody({ ...base, text: '€'.repeat(10923) })).toMatchObject({ ok: false, status: 413 })
})

test('presence accepts the three statuses only', () => {
  for (const status of ['online', 'away', 'offline']) {
    expect(validatePresenceBody({ projectId: 'p', status })).toEqual({
      ok: true,
      value: { projectId: 'p', presence: { status } },
    })
  }
  expect(validatePresenceBody({ projectId: 'p', status: 'busy' }).ok).toBe(false)
  expect(validatePresenceBody(null).ok).toBe(false)
})

test('user ids that could break a header or the V2 signature are not signable', () => {
  expect(isSignableUserId('user_abc')).toBe(true)
  expect(isSignableUserId('someone@example.com')).toBe(true)
  expect(isSignableUserId('a\nb')).toBe(false)
  expect(isSignableUserId('a b')).toBe(false)
  expect(isSignableUserId('')).toBe(false)
  expect(isSignableUserId('ü')).toBe(false)
})
