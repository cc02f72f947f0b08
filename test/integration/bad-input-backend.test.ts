/**
 * The bad-input table at the reference backend, over real HTTP on loopback with correctly
 * signed requests: bodies that are not JSON, JSON of the wrong shape, huge bodies, wrong
 * content types, methods, routes and cursors, each answered with an exact status and the
 * `{"error":{"code","message"}}` shape, and nothing stored.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import { signRequest } from '../../src/server/signing'
import { startTestBackend, TEST_SECRET } from '../helpers/backend-client'

let backend: RunningBackend

beforeAll(async () => {
  ;({ backend } = await startTestBackend())
})

afterAll(() => backend.close())

/** A correctly signed request for `user_bad`, with any body bytes and content type. */
function signed(
  method: string,
  path: string,
  body?: string | Uint8Array<ArrayBuffer> | undefined,
  contentType?: string | undefined,
): Promise<Response> {
  const headers: Record<string, string> = signRequest({
    secret: TEST_SECRET,
    method,
    pathWithQuery: path,
    userId: 'user_bad',
    body,
  })
  if (contentType !== undefined) headers['content-type'] = contentType
  return fetch(backend.url + path, { method, headers, body: body ?? null })
}

async function outcome(response: Response): Promise<{ status: number; code: string | null }> {
  const text = await response.text()
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
    const ok = typeof body.error?.code === 'string' && typeof body.error.message === 'string'
    return { status: response.status, code: ok ? String(body.error?.code) : null }
  } catch {
    return { status: response.status, code: null }
  }
}

const MESSAGES = '/v1/projects/p_bad/chat/messages'
const PRESENCE = '/v1/projects/p_bad/chat/presence'
const send = (fields: Record<string, unknown>) =>
  JSON.stringify({ client_msg_id: 'c1', text: 'hi', ...fields })

const utf8 = (text: string) => new TextEncoder().encode(text)

const BODY_ROWS: Array<[string, string, string | Uint8Array<ArrayBuffer>, number, string]> = [
  ['send with truncated JSON', MESSAGES, '{"client_msg_id":', 400, 'invalid_json'],
  ['send with an empty body', MESSAGES, '', 400, 'invalid_json'],
  ['send with plain text', MESSAGES, 'hello', 400, 'invalid_json'],
  ['send with a form-encoded body', MESSAGES, 'client_msg_id=c1&text=hi', 400, 'invalid_json'],
  ['send with JSON null', MESSAGES, 'null', 400, 'invalid_body'],
  ['send with a JSON array', MESSAGES, '[{"client_msg_id":"c1","text":"hi"}]', 400, 'invalid_body'],
  ['send with a JSON string', MESSAGES, '"hi"', 400, 'invalid_body'],
  [
    'send with fields only under __proto__',
    MESSAGES,
    '{"__proto__":{"client_msg_id":"c1","text":"hi"}}',
    400,
    'invalid_body',
  ],
  ['send without client_msg_id', MESSAGES, '{"text":"hi"}', 400, 'invalid_body'],
  [
    'send with a 129-character client_msg_id',
    MESSAGES,
    send({ client_msg_id: 'c'.repeat(129) }),
    400,
    'invalid_body',
  ],
  ['send with a numeric client_msg_id', MESSAGES, send({ client_msg_id: 1 }), 400, 'invalid_body'],
  ['send with a whitespace-only text', MESSAGES, send({ text: ' \n\t ' }), 400, 'invalid_body'],
  ['send with text as an array', MESSAGES, send({ text: ['hi'] }), 400, 'invalid_body'],
  ['send with an empty mode', MESSAGES, send({ mode: '' }), 400, 'invalid_body'],
  ['send with a 65-character mode', MESSAGES, send({ mode: 'm'.repeat(65) }), 400, 'invalid_body'],
  ['send with target "everyone"', MESSAGES, send({ target: 'everyone' }), 400, 'invalid_body'],
  [
    'send with a text of 32 KiB + 1 byte',
    MESSAGES,
    send({ text: 'x'.repeat(32 * 1024 + 1) }),
    413,
    'text_too_large',
  ],
  ['send with a 1 MB body', MESSAGES, send({ padding: 'x'.repeat(1024 * 1024) }), 413, 'body_too_large'],
  ['presence with truncated JSON', PRESENCE, '{"status":', 400, 'invalid_json'],
  ['presence with an empty body', PRESENCE, '', 400, 'invalid_json'],
  ['presence with JSON null', PRESENCE, 'null', 400, 'invalid_body'],
  ['presence with status "busy"', PRESENCE, '{"status":"busy"}', 400, 'invalid_body'],
  [
    'presence with a 1 MB body',
    PRESENCE,
    JSON.stringify({ status: 'online', x: 'x'.repeat(1024 * 1024) }),
    413,
    'body_too_large',
  ],
  [
    'send with invalid UTF-8 outside a string',
    MESSAGES,
    new Uint8Array([...utf8('{"client_msg_id":"c1",'), 0xff, ...utf8('"text":"hi"}')]),
    400,
    'invalid_json',
  ],
]

test.each(BODY_ROWS)('%s → %i %s, nothing stored', async (_what, path, body, status, code) => {
  const response = await signed('POST', path, body, 'application/json')

  expect(await outcome(response)).toEqual({ status, code })
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  expect(backend.latestSeq('p_bad')).toBe(0)
})

test.each([['text/plain'], ['application/x-www-form-urlencoded'], [undefined]])(
  'a valid JSON send declared as %s → 201: the backend reads JSON whatever the declared type',
  async (contentType) => {
    const before = backend.latestSeq('p_types')

    const response = await signed(
      'POST',
      '/v1/projects/p_types/chat/messages',
      JSON.stringify({ client_msg_id: `c_${contentType}`, text: 'hi' }),
      contentType,
    )

    expect(response.status).toBe(201)
    expect(backend.latestSeq('p_types')).toBe(before + 1)
  },
)

test.each([
  ['PUT', MESSAGES, 405, 'method_not_allowed'],
  ['DELETE', MESSAGES, 405, 'method_not_allowed'],
  ['POST', '/v1/projects/p_bad/chat/stream', 405, 'method_not_allowed'],
  ['GET', PRESENCE, 405, 'method_not_allowed'],
  ['GET', '/v1/projects/p_bad/chat', 404, 'not_found'],
  ['GET', '/v1/projects/p_bad/chat/messages/1', 404, 'not_found'],
  ['GET', '/v1/projects//chat/messages', 404, 'not_found'],
  ['GET', '/v1/projects/p%2Fbad/chat/messages', 400, 'invalid_project_id'],
  ['GET', '/v1/projects/..%2Fp_bad/chat/messages', 400, 'invalid_project_id'],
  ['GET', '/v1/projects/pr%D0%BEj/chat/messages', 400, 'invalid_project_id'],
  ['GET', `${MESSAGES}?after_seq=-1`, 400, 'invalid_cursor'],
  ['GET', `${MESSAGES}?before_seq=1.5`, 400, 'invalid_cursor'],
  ['GET', `${MESSAGES}?after_seq=99999999999999999`, 400, 'invalid_cursor'],
  ['GET', `${MESSAGES}?limit=0`, 400, 'invalid_limit'],
  ['GET', `${MESSAGES}?limit=201`, 400, 'invalid_limit'],
  ['GET', `${MESSAGES}?limit=1e2`, 400, 'invalid_limit'],
  ['GET', '/v1/projects/p_bad/chat/stream?from_seq=abc', 400, 'invalid_cursor'],
  ['GET', '/v1/projects/p_bad/chat/stream?from_seq=-5', 400, 'invalid_cursor'],
])('a signed %s %s → %i %s', async (method, path, status, code) => {
  const response = await signed(method, path, method === 'GET' ? undefined : '{}', 'application/json')

  expect(await outcome(response)).toEqual({ status, code })
})
