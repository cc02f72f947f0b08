import { afterAll, beforeAll, expect, test } from 'vitest'
import type { HistoryResponse } from '../../../src/protocol/wire'
import { type BackendClient, chatPaths, startTestBackend } from '../../helpers/backend-client'

let backend: Awaited<ReturnType<typeof startTestBackend>>['backend']
let client: BackendClient

beforeAll(async () => {
  ;({ backend, client } = await startTestBackend())
  for (let i = 1; i <= 250; i++) backend.append('p1', 'user_seed', `message ${i}`)
})
afterAll(() => backend.close())

async function history(query: string, projectId = 'p1') {
  const response = await client.request({
    path: `${chatPaths(projectId).messages}?${query}`,
    userId: 'user_a',
  })
  return { status: response.status, body: response.json<HistoryResponse & { error?: { code: string } }>() }
}

function seqs(body: HistoryResponse): [number | undefined, number | undefined, number] {
  return [body.messages[0]?.seq, body.messages.at(-1)?.seq, body.messages.length]
}

test('neither cursor: the latest page of the default 100', async () => {
  const { status, body } = await history('')

  expect(status).toBe(200)
  expect(seqs(body)).toEqual([151, 250, 100])
  expect(body).toMatchObject({ hasMore: true, latestSeq: 250 })
})

test('after_seq pages forward', async () => {
  const first = await history('after_seq=0&limit=200')
  const second = await history('after_seq=200&limit=200')

  expect(seqs(first.body)).toEqual([1, 200, 200])
  expect(first.body.hasMore).toBe(true)
  expect(seqs(second.body)).toEqual([201, 250, 50])
  expect(second.body.hasMore).toBe(false)
  expect(second.body.latestSeq).toBe(250)
})

test('before_seq pages backward, ascending within the page', async () => {
  const middle = await history('before_seq=101&limit=50')
  const first = await history('before_seq=51&limit=50')

  expect(seqs(middle.body)).toEqual([51, 100, 50])
  expect(middle.body.hasMore).toBe(true)
  expect(seqs(first.body)).toEqual([1, 50, 50])
  expect(first.body.hasMore).toBe(false)
})

test('both cursors: the first page strictly between them', async () => {
  const all = await history('after_seq=10&before_seq=20')
  const limited = await history('after_seq=10&before_seq=20&limit=5')

  expect(seqs(all.body)).toEqual([11, 19, 9])
  expect(all.body.hasMore).toBe(false)
  expect(seqs(limited.body)).toEqual([11, 15, 5])
  expect(limited.body.hasMore).toBe(true)
})

test('paging forward and backward visits every message once', async () => {
  const forward: number[] = []
  for (let after = 0, more = true; more; ) {
    const { body } = await history(`after_seq=${after}&limit=64`)
    forward.push(...body.messages.map((message) => message.seq))
    after = body.messages.at(-1)?.seq ?? after
    more = body.hasMore
  }
  const backward: number[] = []
  for (let before = 251, more = true; more; ) {
    const { body } = await history(`before_seq=${before}&limit=64`)
    backward.unshift(...body.messages.map((message) => message.seq))
    before = body.messages[0]?.seq ?? before
    more = body.hasMore
  }

  const expected = Array.from({ length: 250 }, (_, i) => i + 1)
  expect(forward).toEqual(expected)
  expect(backward).toEqual(expected)
})

test('an empty project has no messages and latestSeq 0', async () => {
  const { body } = await history('after_seq=0', 'empty')

  expect(body).toEqual({ messages: [], hasMore: false, latestSeq: 0 })
})

test('limit 200 is allowed', async () => {
  expect((await history('limit=200')).body.messages).toHaveLength(200)
})

test.each([
  ['limit=201', 'invalid_limit'],
  ['limit=0', 'invalid_limit'],
  ['limit=abc', 'invalid_limit'],
  ['limit=', 'invalid_limit'],
  ['after_seq=-1', 'invalid_cursor'],
  ['before_seq=1e3', 'invalid_cursor'],
  ['after_seq=', 'invalid_cursor'],
])('%s is a 400', async (query, code) => {
  const { status, body } = await history(query)

  expect(status).toBe(400)
  expect(body.error?.code).toBe(code)
})
