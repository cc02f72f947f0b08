import { afterEach, expect, test } from 'vitest'
import { chatPaths, type SignOptions, startTestBackend, TEST_SECRET } from '../../helpers/backend-client'

const running: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((backend) => backend.close()))
})

async function start(options: Parameters<typeof startTestBackend>[0] = {}) {
  const started = await startTestBackend(options)
  running.push(started.backend)
  return started
}

const post = (sign: SignOptions | false, body = JSON.stringify({ client_msg_id: 'c1', text: 'hi' })) => ({
  method: 'POST',
  path: chatPaths('p1').messages,
  userId: 'user_a',
  body,
  sign,
})
const openStream = (sign: SignOptions | false) => ({ path: chatPaths('p1').stream, userId: 'user_a', sign })

const V1 = 'x-sheen-hmac-signature'
const V2 = 'x-sheen-hmac-signature-v2'

test.each([
  ['no signature at all', false, 'missing_timestamp'],
  ['a wrong secret', { secret: 'wrong' }, 'invalid_signature'],
  ['a bad v1 (v1 only)', { secret: 'wrong', omit: [V2] }, 'invalid_signature'],
  ['a bad v2 (v2 only)', { secret: 'wrong', omit: [V1] }, 'invalid_signature'],
  // Getters: the skew is measured when the request is signed, not when this table was built
  // (a slow start once turned "301 s ahead" into 300 s and a 201).
  [
    'a timestamp 301 s old',
    {
      get now() {
        return Date.now() - 301_000
      },
    },
    'stale_timestamp',
  ],
  [
    'a timestamp 301 s ahead',
    {
      get now() {
        return Date.now() + 301_000
      },
    },
    'stale_timestamp',
  ],
  ['v2 over another path', { path: chatPaths('p2').messages }, 'invalid_signature'],
  ['v2 over another user', { userId: 'user_b' }, 'invalid_signature'],
  [
    'v2 over another body',
    { body: JSON.stringify({ client_msg_id: 'c1', text: 'ho' }) },
    'invalid_signature',
  ],
])('a send with %s is a 401', async (_name, sign, code) => {
  const { backend, client } = await start()

  const response = await client.request(post(sign as SignOptions | false))

  expect(response.status).toBe(401)
  expect(response.json()).toEqual({ error: { code, message: expect.any(String) } })
  expect(backend.latestSeq('p1')).toBe(0)
})

test('a stream with a stale or wrongly signed request is a 401', async () => {
  const { backend, client } = await start()

  const stale = await client.openStream({
    projectId: 'p1',
    userId: 'user_a',
    sign: { now: Date.now() - 301_000 },
  })
  const tampered = await client.openStream({
    projectId: 'p1',
    userId: 'user_a',
    sign: { path: chatPaths('p2').stream },
  })

  expect(stale.status).toBe(401)
  expect(tampered.status).toBe(401)
  expect(backend.openStreams()).toBe(0)
})

test('a v1-only stream is accepted by default', async () => {
  const { client } = await start()

  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a', sign: { omit: [V2] } })

  expect(stream.status).toBe(200)
})

test('a v1-only request is a 401 when acceptV1 is false; v2 still works', async () => {
  const { client } = await start({ acceptV1: false })

  const v1Only = await client.request(openStream({ omit: [V2] }))
  const both = await client.openStream({ projectId: 'p1', userId: 'user_a' })

  expect(v1Only.status).toBe(401)
  expect(v1Only.json()).toMatchObject({ error: { code: 'v1_not_accepted' } })
  expect(both.status).toBe(200)
})

test('an ill-formed or unknown user is a 401', async () => {
  const { client } = await start({ userExists: (userId) => userId !== 'user_gone' })

  const illFormed = await client.request({ path: chatPaths('p1').messages, userId: 'user a' })
  const unknown = await client.request({ path: chatPaths('p1').messages, userId: 'user_gone' })

  expect(illFormed.status).toBe(401)
  expect(illFormed.json()).toMatchObject({ error: { code: 'invalid_user' } })
  expect(unknown.status).toBe(401)
  expect(unknown.json()).toMatchObject({ error: { code: 'unknown_user' } })
})

test('a private_ project is a 403 for non-members, by default and per isMember', async () => {
  const { client } = await start({
    isMember: (userId, projectId) => projectId !== 'private_x' || userId === 'owner',
  })

  const denied = await client.openStream({ projectId: 'private_x', userId: 'user_a' })
  const allowed = await client.openStream({ projectId: 'private_x', userId: 'owner' })
  const defaults = await start()
  const deniedByDefault = await defaults.client.request({
    path: chatPaths('private_y').messages,
    userId: 'user_a',
  })

  expect(denied.status).toBe(403)
  expect(JSON.parse(denied.text)).toMatchObject({ error: { code: 'forbidden' } })
  expect(allowed.status).toBe(200)
  expect(deniedByDefault.status).toBe(403)
})

test('an unknown project is a 404', async () => {
  const { client } = await start({ projectExists: (projectId) => projectId !== 'gone' })

  const response = await client.request({ path: chatPaths('gone').messages, userId: 'user_a' })

  expect(response.status).toBe(404)
  expect(response.json()).toMatchObject({ error: { code: 'project_not_found' } })
})

test.each([['a.b'], ['x'.repeat(65)], ['%41']])('project id %s is a 400', async (projectId) => {
  const { client } = await start()

  const response = await client.request({ path: chatPaths(projectId).messages, userId: 'user_a' })

  expect(response.status).toBe(400)
  expect(response.json()).toMatchObject({ error: { code: 'invalid_project_id' } })
})

test('the signature is checked before anything else', async () => {
  const { client } = await start()

  const privateProject = await client.request({
    path: chatPaths('private_x').stream,
    userId: 'user_a',
    sign: false,
  })
  const badProject = await client.request({ path: chatPaths('a.b').stream, userId: 'user_a', sign: false })
  const badBody = await client.request(post({ secret: 'wrong' }, 'not json'))

  expect([privateProject.status, badProject.status, badBody.status]).toEqual([401, 401, 401])
})

test('unknown routes are a 404 without a signature; wrong methods a 405 after it', async () => {
  const { backend, client } = await start()

  const unknown = await client.request({ path: '/v1/projects/p1/chat/nope', sign: false })
  const root = await client.request({ path: '/', sign: false })
  const wrongMethod = await client.request({
    method: 'DELETE',
    path: chatPaths('p1').stream,
    userId: 'user_a',
  })

  expect(unknown.status).toBe(404)
  expect(unknown.json()).toMatchObject({ error: { code: 'not_found' } })
  expect(root.status).toBe(404)
  expect(wrongMethod.status).toBe(405)
  expect(wrongMethod.headers.allow).toBe('GET')
  expect(backend.requestCount()).toBe(3)
})

test('every request is counted, rejected ones included', async () => {
  const { backend, client } = await start()

  await client.request({ path: chatPaths('p1').messages, userId: 'user_a' })
  await client.request({
    path: chatPaths('p1').messages,
    userId: 'user_a',
    sign: { secret: TEST_SECRET.repeat(2) },
  })

  expect(backend.requestCount()).toBe(2)
})
