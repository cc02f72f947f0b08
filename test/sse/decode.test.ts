import { expect, test } from 'vitest'
import {
  type DecodeError,
  decodeEvent,
  decodeHistoryResponse,
  decodeMessageData,
  decodeSendMessageResponse,
  type ServerSentEvent,
} from '../../src/sse/index'
import {
  assistantMessage,
  presenceUpdated,
  seedConnectionEstablished,
  seedMessageNew,
  seedMessageReplay,
  seedReplayEnd,
  withField,
} from './payloads'
import { randomFor, seed } from './random'

function sse(event: string, data: unknown, id: string | undefined): ServerSentEvent {
  return { event, data: typeof data === 'string' ? data : JSON.stringify(data), id }
}

function errorOf(result: { ok: true } | { ok: false; error: DecodeError }): DecodeError {
  if (result.ok) throw new Error('expected a decode error, got a decoded value')
  return result.error
}

test.each([
  ['connection.established', seedConnectionEstablished, '120'],
  ['message.replay', seedMessageReplay, '123'],
  ['message.new', seedMessageNew, '123'],
  ['message.new', assistantMessage, '124'],
  ['replay.end', seedReplayEnd, undefined],
  ['presence.updated', presenceUpdated, undefined],
] as const)('a valid %s event decodes to its typed payload', (name, payload, id) => {
  const result = decodeEvent(sse(name, payload, id))

  expect(result).toEqual({ ok: true, event: { type: name, id, data: payload } })
})

test('connection.established and replay.end accept a cursor of 0', () => {
  const established = decodeEvent(
    sse('connection.established', { ...seedConnectionEstablished, from_seq: 0 }, '0'),
  )
  const replayEnd = decodeEvent(
    sse('replay.end', { ...seedReplayEnd, lastReplayedSeq: 0, totalAvailable: 0 }, '123'),
  )

  expect(established.ok).toBe(true)
  expect(replayEnd.ok).toBe(true)
})

test.each(['build.status', 'message', '', 'Message.New'])(
  'the unknown event name %j is kept raw, not an error',
  (name) => {
    const event = sse(name, 'not json {', '9')

    const result = decodeEvent(event)

    expect(result).toEqual({ ok: true, event: { type: 'unknown', event: name, id: '9', data: 'not json {' } })
  },
)

test.each(['', '{', '{"seq":1,}', 'undefined', "{'seq':1}", '{"seq":1} trailing'])(
  'malformed JSON %j is an invalid-json error naming the event and id',
  (data) => {
    const error = errorOf(decodeEvent(sse('message.new', data, '77')))

    expect(error).toMatchObject({ type: 'invalid-json', event: 'message.new', id: '77' })
    expect(error.message).toMatch(/^message\.new \(id 77\) data is not valid JSON: /)
  },
)

test.each([
  'seq',
  'messageId',
  'client_msg_id',
  'projectId',
  'userId',
  'content',
  'content.text',
  'content.type',
  'content.actor_type',
  'timestamp',
  'metadata',
  'metadata.build_id',
  'metadata.response_data',
])('a message without %s is a missing-field error at that path', (field) => {
  const error = errorOf(decodeEvent(sse('message.new', withField(seedMessageNew, field), '123')))

  expect(error).toEqual({
    type: 'missing-field',
    field,
    message: `message.new (id 123) data: ${field} is missing`,
    event: 'message.new',
    id: '123',
  })
})

test.each([
  ['seq', '123', 'seq must be a number, got string "123"'],
  ['messageId', 42, 'messageId must be a string, got number 42'],
  ['client_msg_id', false, 'client_msg_id must be a string, got boolean false'],
  ['content', 'Hello', 'content must be an object, got string "Hello"'],
  ['content.text', 5, 'content.text must be a string, got number 5'],
  ['content.text', null, 'content.text must be a string, got null'],
  ['content.type', ['user'], 'content.type must be a string, got an array'],
  ['content.mode', 1, 'content.mode must be a string, got number 1'],
  ['timestamp', 1724754600000, 'timestamp must be a string, got number 1724754600000'],
  ['metadata', [], 'metadata must be an object, got an array'],
  ['metadata.build_id', {}, 'metadata.build_id must be a string, got an object'],
  ['metadata.response_data', 'done', 'metadata.response_data must be an object, got string "done"'],
  ['metadata.response_data', [1], 'metadata.response_data must be an object, got an array'],
])('a message whose %s is %j is an invalid-type error', (field, value, description) => {
  const error = errorOf(decodeEvent(sse('message.replay', withField(seedMessageNew, field, value), '123')))

  expect(error).toMatchObject({ type: 'invalid-type', field, event: 'message.replay', id: '123' })
  expect(error.message).toBe(`message.replay (id 123) data: ${description}`)
})

test.each([
  ['seq', 0, 'seq must be a positive safe integer, got number 0'],
  ['seq', -1, 'seq must be a positive safe integer, got number -1'],
  ['seq', 1.5, 'seq must be a positive safe integer, got number 1.5'],
  ['seq', 2 ** 53, 'seq must be a positive safe integer, got number 9007199254740992'],
  ['messageId', '', 'messageId must be a non-empty string, got string ""'],
  ['content.type', 'bot', 'content.type must be one of "user", "assistant", "system", got string "bot"'],
  [
    'content.actor_type',
    'user',
    'content.actor_type must be one of "client", "assistant", "system", got string "user"',
  ],
  ['timestamp', 'yesterday', 'timestamp must be an ISO 8601 date, got string "yesterday"'],
])('a message whose %s is %j is an invalid-value error', (field, value, description) => {
  const error = errorOf(decodeEvent(sse('message.new', withField(seedMessageNew, field, value), '123')))

  expect(error).toMatchObject({ type: 'invalid-value', field, event: 'message.new' })
  expect(error.message).toBe(`message.new (id 123) data: ${description}`)
})

test.each([
  ['[]', 'an array'],
  ['null', 'null'],
  ['"text"', 'string "text"'],
  ['42', 'number 42'],
])('message data that is %s is described as not an object', (data, received) => {
  const error = errorOf(decodeEvent(sse('message.new', data, undefined)))

  expect(error).toEqual({
    type: 'invalid-type',
    field: '',
    expected: 'an object',
    received,
    message: `message.new data must be an object, got ${received}`,
    event: 'message.new',
    id: undefined,
  })
})

test('a long string value is shortened in the error message', () => {
  const error = errorOf(
    decodeEvent(sse('message.new', withField(seedMessageNew, 'content.type', 'x'.repeat(500)), '123')),
  )

  expect(error.message.length).toBeLessThan(200)
  expect(error.message).toContain('…')
})

test('content.mode may be absent or null, and is then left out', () => {
  const absent = decodeEvent(sse('message.new', withField(seedMessageNew, 'content.mode'), '123'))
  const nullMode = decodeEvent(sse('message.new', withField(seedMessageNew, 'content.mode', null), '123'))

  for (const result of [absent, nullMode]) {
    if (!result.ok || result.event.type !== 'message.new') throw new Error('expected a message.new event')
    expect(result.event.data.content).toEqual({ text: 'Hello world', type: 'user', actor_type: 'client' })
    expect('mode' in result.event.data.content).toBe(false)
  }
})

test('fields outside the contract are dropped from the decoded payload', () => {
  const payload = { ...seedMessageNew, extra: 1, content: { ...seedMessageNew.content, html: '<b>' } }

  const result = decodeEvent(sse('message.new', payload, '123'))

  expect(result).toEqual({ ok: true, event: { type: 'message.new', id: '123', data: seedMessageNew } })
})

test('a field outside the contract is dropped at any depth', () => {
  const extra = { ...seedMessageNew, metadata: { ...seedMessageNew.metadata, trace: 'x' } }

  const result = decodeMessageData(extra)

  expect(result).toEqual({ ok: true, message: seedMessageNew })
  expect(result.ok && 'trace' in result.message.metadata).toBe(false)
})

// The wire's own timestamp form skips Date.parse (validate.ts); the outcome must not change.
test.each([
  ['2025-08-27T10:30:00.000Z', true],
  ['2024-02-29T23:59:59.999Z', true],
  ['2000-02-29T00:00:00.000Z', true],
  ['2025-12-31T23:59:59.000Z', true],
  ['2025-13-01T00:00:00.000Z', false],
  ['2025-12-32T00:00:00.000Z', false],
  ['2025-12-31T23:60:00.000Z', false],
  ['2025-00-10T00:00:00.000Z', false],
  ['1079-07-07T1+:24:23.091Z', false],
  ['202a-08-27T10:30:00.000Z', false],
  ['2025-08-27T10:30:0-.000Z', false],
  ['2025-08-27T10:30:00.00xZ', false],
  ['2025-08-27T10:30:00Z', true],
  ['2025-08-27', true],
  ['yesterday', false],
])('the timestamp %j is accepted exactly when Date.parse understands it (%s here)', (timestamp, here) => {
  const result = decodeMessageData({ ...seedMessageNew, timestamp })

  expect(result.ok).toBe(!Number.isNaN(Date.parse(timestamp)))
  expect(result.ok).toBe(here)
})

test(`a timestamp near the wire's form is accepted exactly when Date.parse understands it (seed ${seed})`, () => {
  const random = randomFor(5000)
  const number = (below: number, width: number) => String(Math.floor(random() * below)).padStart(width, '0')
  const noise = '0123456789-T:.Z +x'

  for (let round = 0; round < 5000; round++) {
    // Every part sometimes just out of range; then, sometimes, one character replaced.
    let timestamp = `${number(10000, 4)}-${number(14, 2)}-${number(33, 2)}T${number(26, 2)}:${number(62, 2)}:${number(62, 2)}.${number(1000, 3)}Z`
    if (random() < 0.3) {
      const at = Math.floor(random() * timestamp.length)
      timestamp =
        timestamp.slice(0, at) + noise.charAt(Math.floor(random() * noise.length)) + timestamp.slice(at + 1)
    }

    const result = decodeMessageData({ ...seedMessageNew, timestamp })

    expect(result.ok, timestamp).toBe(!Number.isNaN(Date.parse(timestamp)))
  }
})

test.each(['2025-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '2025-04-31T00:00:00.000Z'])(
  'a day the month lacks (%s) is decided by Date.parse, as before',
  (timestamp) => {
    expect(decodeMessageData({ ...seedMessageNew, timestamp }).ok).toBe(!Number.isNaN(Date.parse(timestamp)))
  },
)

test.each([
  ['connection.established', 'from_seq', -1, 'invalid-value', seedConnectionEstablished],
  ['connection.established', 'connection_id', undefined, 'missing-field', seedConnectionEstablished],
  ['replay.end', 'totalAvailable', undefined, 'missing-field', seedReplayEnd],
  ['replay.end', 'lastReplayedSeq', '320', 'invalid-type', seedReplayEnd],
  ['replay.end', 'message', null, 'invalid-type', seedReplayEnd],
  ['presence.updated', 'status', 'busy', 'invalid-value', presenceUpdated],
  ['presence.updated', 'userId', undefined, 'missing-field', presenceUpdated],
] as const)('a %s event whose %s is %j is a %s error', (name, field, value, type, payload) => {
  const error = errorOf(decodeEvent(sse(name, withField(payload, field, value), undefined)))

  expect(error).toMatchObject({ type, field, event: name })
  expect(error.message.startsWith(`${name} data: ${field} `)).toBe(true)
})

test('a valid history response decodes with its messages in order', () => {
  const body = { messages: [seedMessageReplay, assistantMessage], hasMore: false, latestSeq: 124 }

  const result = decodeHistoryResponse(JSON.parse(JSON.stringify(body)))

  expect(result).toEqual({ ok: true, history: body })
})

test('an empty history response is valid', () => {
  const result = decodeHistoryResponse({ messages: [], hasMore: false, latestSeq: 0 })

  expect(result).toEqual({ ok: true, history: { messages: [], hasMore: false, latestSeq: 0 } })
})

test.each([
  [
    { messages: [seedMessageNew, withField(assistantMessage, 'seq', 0)], hasMore: false, latestSeq: 124 },
    'history response: messages[1].seq must be a positive safe integer, got number 0',
  ],
  [
    { messages: {}, hasMore: false, latestSeq: 1 },
    'history response: messages must be an array, got an object',
  ],
  [{ messages: [], latestSeq: 1 }, 'history response: hasMore is missing'],
  [
    { messages: [], hasMore: 'no', latestSeq: 1 },
    'history response: hasMore must be a boolean, got string "no"',
  ],
  [
    { messages: [], hasMore: true, latestSeq: -5 },
    'history response: latestSeq must be a non-negative safe integer, got number -5',
  ],
  [null, 'history response must be an object, got null'],
  [undefined, 'history response is missing'],
])('a bad history response is described: %j', (body, message) => {
  const error = errorOf(decodeHistoryResponse(body))

  expect(error.message).toBe(message)
  expect(error).not.toHaveProperty('event')
  expect(error).not.toHaveProperty('id')
})

test('decodeMessageData accepts the seed message and describes a bad one', () => {
  const good = decodeMessageData(structuredClone(seedMessageNew))
  const bad = decodeMessageData(withField(seedMessageNew, 'content.actor_type', 'robot'))

  expect(good).toEqual({ ok: true, message: seedMessageNew })
  expect(errorOf(bad)).toEqual({
    type: 'invalid-value',
    field: 'content.actor_type',
    expected: 'one of "client", "assistant", "system"',
    received: 'string "robot"',
    message: 'message: content.actor_type must be one of "client", "assistant", "system", got string "robot"',
  })
})

test('decodeSendMessageResponse accepts a send acknowledgement and describes a bad one', () => {
  const good = decodeSendMessageResponse({ message: seedMessageNew, duplicate: true })
  const bad = decodeSendMessageResponse({ message: seedMessageNew })

  expect(good).toEqual({ ok: true, response: { message: seedMessageNew, duplicate: true } })
  expect(errorOf(bad).message).toBe('send message response: duplicate is missing')
})

test('decode errors are plain data that survive structured cloning', () => {
  const error = errorOf(decodeEvent(sse('message.new', withField(seedMessageNew, 'seq', -3), '123')))

  expect(structuredClone(error)).toEqual(error)
  expect(Object.getPrototypeOf(error)).toBe(Object.prototype)
})

// Property tests: whatever arrives, decoding returns a result and never throws.

const KNOWN_EVENTS = [
  'connection.established',
  'message.replay',
  'message.new',
  'replay.end',
  'presence.updated',
]
const JSON_SCALARS = [null, true, false, 0, -1, 1, 1.5, 2 ** 53, '', 'x', 'user', '2025-08-27T10:30:00.000Z']

function randomString(random: () => number): string {
  const alphabet = [
    '{',
    '}',
    '[',
    ']',
    '"',
    ':',
    ',',
    '0',
    '1',
    'a',
    ' ',
    '\\',
    'n',
    'u',
    'l',
    'é',
    '😀',
    '\0',
    '\n',
  ]
  const length = Math.floor(random() * 40)
  return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
}

function randomJson(random: () => number, depth = 0): unknown {
  const pick = random()
  if (depth > 3 || pick < 0.5) return JSON_SCALARS[Math.floor(random() * JSON_SCALARS.length)]
  if (pick < 0.7) return Array.from({ length: Math.floor(random() * 3) }, () => randomJson(random, depth + 1))
  const keys = ['seq', 'content', 'text', 'type', 'metadata', 'messages', 'message', 'x']
  return Object.fromEntries(
    keys.filter(() => random() < 0.4).map((key) => [key, randomJson(random, depth + 1)]),
  )
}

/** Every dotted path of an object, leaves and branches. */
function pathsOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return []
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key
    return [path, ...pathsOf(child, path)]
  })
}

test(`random strings as event data never throw (seed ${seed})`, () => {
  const random = randomFor(1000)

  for (let round = 0; round < 2000; round++) {
    const name = KNOWN_EVENTS[round % KNOWN_EVENTS.length] ?? 'message.new'
    const data = randomString(random)

    const result = decodeEvent({ event: name, data, id: randomString(random) })

    expect(typeof result.ok, `event ${name} data ${JSON.stringify(data)}`).toBe('boolean')
  }
})

test(`random JSON values never throw any decoder (seed ${seed})`, () => {
  const random = randomFor(2000)

  for (let round = 0; round < 2000; round++) {
    const json = randomJson(random)

    const results = [decodeMessageData(json), decodeHistoryResponse(json), decodeSendMessageResponse(json)]

    for (const result of results) expect(result.ok, JSON.stringify(json)).toBe(false)
  }
})

test(`a seed message with one field replaced by a random value decodes or names that field (seed ${seed})`, () => {
  const random = randomFor(3000)
  const paths = pathsOf(seedMessageNew)

  for (let round = 0; round < 2000; round++) {
    const path = paths[Math.floor(random() * paths.length)] ?? 'seq'
    const value = randomJson(random)
    const payload = withField(seedMessageNew, path, value)

    const result = decodeEvent(sse('message.new', payload, '123'))

    if (!result.ok)
      expect(isWithin(fieldOf(result.error), path), `${path} = ${JSON.stringify(value)}`).toBe(true)
  }
})

function fieldOf(error: DecodeError): string | undefined {
  return 'field' in error ? error.field : undefined
}

function isWithin(field: string | undefined, path: string): boolean {
  return field === path || field?.startsWith(`${path}.`) === true || field?.startsWith(`${path}[`) === true
}

/** Values a field may take in the agreement test below: valid ones as well as near misses. */
const NEAR_VALUES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'user',
  'assistant',
  'system',
  'client',
  '2025-08-27T10:30:00.000Z',
  '2024-02-30T10:30:00.000Z',
  '2025-08-27',
  0,
  1,
  -1,
  1.5,
  2 ** 53,
  true,
  {},
  [],
  { type: 'build_completed' },
]

test(`the one-pass check of a message agrees with the field-by-field one (seed ${seed})`, () => {
  const random = randomFor(4000)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T

  for (let round = 0; round < 3000; round++) {
    let payload: object = random() < 0.5 ? seedMessageNew : assistantMessage
    for (let changes = Math.floor(random() * 3); changes > 0; changes--)
      payload = withField(payload, pick(pathsOf(payload)), pick(NEAR_VALUES))
    // An extra field makes any payload skip the one-pass check; the field itself is dropped.
    const careful = { ...payload, extra: true }

    const fast = decodeMessageData(payload)
    const slow = decodeMessageData(careful)

    expect(fast, JSON.stringify(payload)).toEqual(slow)
  }
})
