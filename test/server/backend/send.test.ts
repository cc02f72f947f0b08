import { request as httpRequest } from 'node:http'
import { afterEach, beforeEach, expect, test } from 'vitest'
import type { MessageData, SendMessageResponse } from '../../../src/protocol/wire'
import { type BackendClient, chatPaths, startTestBackend } from '../../helpers/backend-client'

let backend: Awaited<ReturnType<typeof startTestBackend>>['backend']
let client: BackendClient

beforeEach(async () => {
  ;({ backend, client } = await startTestBackend({ assistantDelayMs: 5 }))
})
afterEach(() => backend.close())

function send(body: unknown, options: { projectId?: string; userId?: string } = {}) {
  return client.request({
    method: 'POST',
    path: chatPaths(options.projectId ?? 'p1').messages,
    userId: options.userId ?? 'user_a',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

test('a new message is stored with the next seq and returned with 201', async () => {
  const first = await send({ client_msg_id: 'c1', text: 'Hello world' })
  const second = await send({ client_msg_id: 'c2', text: 'again', mode: 'plan', target: 'ai' })

  expect(first.status).toBe(201)
  const { message, duplicate } = first.json<SendMessageResponse>()
  expect(duplicate).toBe(false)
  expect(message).toEqual({
    seq: 1,
    messageId: expect.stringMatching(/^msg_[0-9A-Z]{26}$/),
    client_msg_id: 'c1',
    projectId: 'p1',
    userId: 'user_a',
    content: { text: 'Hello world', type: 'user', mode: 'build', actor_type: 'client' },
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    metadata: { build_id: null, response_data: null },
  } satisfies MessageData)
  expect(second.status).toBe(201)
  expect(second.json<SendMessageResponse>().message).toMatchObject({ seq: 2, content: { mode: 'plan' } })
})

test('a repeated client_msg_id returns the original with 200 and creates nothing', async () => {
  const stream = await client.openStream({ projectId: 'p1', userId: 'user_b' })
  const original = (await send({ client_msg_id: 'c1', text: 'once' })).json<SendMessageResponse>().message

  const repeat = await send({ client_msg_id: 'c1', text: 'twice?' }, { userId: 'user_c' })
  backend.append('p1', 'user_a', 'marker')

  expect(repeat.status).toBe(200)
  expect(repeat.json()).toEqual({ message: original, duplicate: true })
  expect(backend.latestSeq('p1')).toBe(2)
  await stream.until(() => stream.data('message.new').length === 2)
  expect(stream.data<MessageData>('message.new').map((message) => message.content.text)).toEqual([
    'once',
    'marker',
  ])
})

test('the same client_msg_id in another project is a new message', async () => {
  await send({ client_msg_id: 'c1', text: 'here' })

  const elsewhere = await send({ client_msg_id: 'c1', text: 'there' }, { projectId: 'p2' })

  expect(elsewhere.status).toBe(201)
  expect(elsewhere.json<SendMessageResponse>().message.seq).toBe(1)
})

test('text up to 32 KiB of UTF-8 is accepted, one byte more is a 413', async () => {
  const atLimit = 'é'.repeat(16 * 1024)
  const overLimit = `${'é'.repeat(16 * 1024)}a`

  const accepted = await send({ client_msg_id: 'c1', text: atLimit })
  const refused = await send({ client_msg_id: 'c2', text: overLimit })

  expect(accepted.status).toBe(201)
  expect(refused.status).toBe(413)
  expect(refused.json()).toMatchObject({ error: { code: 'text_too_large' } })
})

test('a body over the cap is a 413 without being read', async () => {
  const response = await send({ client_msg_id: 'c1', text: 'x'.repeat(100 * 1024) })

  expect(response.status).toBe(413)
  expect(response.json()).toMatchObject({ error: { code: 'body_too_large' } })
  expect(response.headers.connection).toBe('close')
})

test('an unsigned body over the cap is a 401, not a 413: headers are checked before the body is read', async () => {
  const response = await client.request({
    method: 'POST',
    path: chatPaths('p1').messages,
    userId: 'user_a',
    body: JSON.stringify({ client_msg_id: 'c1', text: 'x'.repeat(100 * 1024) }),
    sign: false,
  })

  expect(response.status).toBe(401)
  expect(response.headers.connection).toBe('close')
})

test('a chunked body over the cap is a 413 too', async () => {
  const path = chatPaths('p1').messages
  // Signed over an empty body: V1 and the headers pass the precheck, and the size cap stops the
  // read before V2 (which would fail) is ever checked.
  const headers = client.headersFor({ method: 'POST', path, userId: 'user_a', body: '' })
  delete headers['content-length']

  const status = await new Promise<number>((resolve, reject) => {
    const outgoing = httpRequest({
      host: '127.0.0.1',
      port: backend.port,
      method: 'POST',
      path,
      headers,
      agent: false,
    })
    outgoing.on('response', (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    outgoing.on('error', reject)
    // 8 × 10 KiB chunks, announced as chunked: the server stops reading past 68 KiB.
    for (let i = 0; i < 8; i++) outgoing.write('x'.repeat(10 * 1024))
    outgoing.end()
  })

  expect(status).toBe(413)
  expect(backend.latestSeq('p1')).toBe(0)
})

test.each([
  ['bad JSON', '{"client_msg_id":', 'invalid_json'],
  ['an array', '[]', 'invalid_body'],
  ['no client_msg_id', { text: 'hi' }, 'invalid_body'],
  ['an empty client_msg_id', { client_msg_id: '', text: 'hi' }, 'invalid_body'],
  ['no text', { client_msg_id: 'c1' }, 'invalid_body'],
  ['blank text', { client_msg_id: 'c1', text: '  ' }, 'invalid_body'],
  ['a numeric text', { client_msg_id: 'c1', text: 5 }, 'invalid_body'],
  ['a bad target', { client_msg_id: 'c1', text: 'hi', target: 'everyone' }, 'invalid_body'],
  ['a bad mode', { client_msg_id: 'c1', text: 'hi', mode: 3 }, 'invalid_body'],
])('%s is a 400', async (_name, body, code) => {
  const response = await send(body)

  expect(response.status).toBe(400)
  expect(response.json()).toEqual({ error: { code, message: expect.any(String) } })
  expect(backend.latestSeq('p1')).toBe(0)
})

test('a /build message gets an assistant reply and then a build_completed system message', async () => {
  const stream = await client.openStream({ projectId: 'p1', userId: 'user_a' })

  await send({ client_msg_id: 'c1', text: 'just chatting' })
  await send({ client_msg_id: 'c2', text: '/build the landing page' })
  await stream.until(() => stream.data('message.new').length === 4)

  const [chat, build, reply, done] = stream.data<MessageData>('message.new')
  expect([chat, build, reply, done].map((message) => message?.content.type)).toEqual([
    'user',
    'user',
    'assistant',
    'system',
  ])
  expect(reply).toMatchObject({
    seq: 3,
    userId: 'assistant',
    client_msg_id: null,
    content: {
      type: 'assistant',
      actor_type: 'assistant',
      text: expect.stringContaining('the landing page'),
    },
    metadata: { build_id: expect.stringMatching(/^build_/), response_data: null },
  })
  const buildId = reply?.metadata.build_id
  expect(done).toMatchObject({
    seq: 4,
    content: { type: 'system', actor_type: 'system' },
    metadata: {
      build_id: buildId,
      response_data: { type: 'build_completed', buildId, message: expect.any(String) },
    },
  })
})
