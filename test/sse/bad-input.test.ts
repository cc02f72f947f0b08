/**
 * The bad-input table where stream bytes enter: the UTF-8 decoder, the event-stream parser and
 * the payload decoder together, as the hub runs them. Each row is bytes from a misbehaving
 * server and the ordered outcome: a decoded event, a described error, or nothing (ignored).
 * Every row is fed whole, byte by byte and at random points; none may throw.
 */
import { expect, test } from 'vitest'
import type { MessageData } from '../../src/protocol/wire'
import { createEventStreamDecoder, decodeEvent } from '../../src/sse/index'
import { atRandomPoints, concatBytes, unitByUnit, utf8 } from '../helpers/sse-encoder'
import { seedMessageNew, withField } from './payloads'
import { randomFor, seed } from './random'

/**
 * One outcome, as a short string: `message.new 3 "m 3" id=3` for a decoded message,
 * `unknown build.status id=2` for an ignored event name, `invalid-value seq id=3` for a
 * described decode error (`(root)` when the payload itself has the wrong type), and
 * `retry 3000` / `invalid-retry "soon"` for the `retry` field.
 */
type Outcome = string

function describeMessage(type: string, data: MessageData, id: string | undefined): Outcome {
  const { text } = data.content
  const shown = text.length > 20 ? `${text.slice(0, 3)}…(${text.length})` : text
  return `${type} ${data.seq} ${JSON.stringify(shown)} id=${id}`
}

/** Runs the hub's pipeline over `chunks` and records every outcome in order. */
function outcomes(chunks: readonly Uint8Array[]): Outcome[] {
  const log: Outcome[] = []
  const decoder = createEventStreamDecoder({
    onEvent: (event) => {
      const decoded = decodeEvent(event)
      if (!decoded.ok) {
        const { error } = decoded
        const field = 'field' in error ? ` ${error.field || '(root)'}` : ''
        log.push(`${error.type}${field} id=${error.id}`)
        return
      }
      const e = decoded.event
      if (e.type === 'message.new' || e.type === 'message.replay')
        log.push(describeMessage(e.type, e.data, e.id))
      else if (e.type === 'unknown') log.push(`unknown ${e.event} id=${e.id}`)
      else log.push(`${e.type} id=${e.id}`)
    },
    onRetry: (ms) => log.push(`retry ${ms}`),
    onError: (error) => log.push(`${error.type} ${JSON.stringify(error.value)}`),
  })
  for (const chunk of chunks) decoder.feed(chunk)
  decoder.end()
  return log
}

/** A valid `MessageData` with seq `seq`, text `m {seq}`, and `changes` applied (dotted paths). */
function message(seq: number, changes: Record<string, unknown> = {}): string {
  let value: object = { ...seedMessageNew, seq, content: { ...seedMessageNew.content, text: `m ${seq}` } }
  for (const [path, replacement] of Object.entries(changes)) value = withField(value, path, replacement)
  return JSON.stringify(value)
}

/** A `message.new` frame with id `id` and raw data `data`. */
const frame = (id: number | string, data: string, event = 'message.new') =>
  `event: ${event}\nid: ${id}\ndata: ${data}\n\n`

/** `seq` spelled as raw JSON. */
const withRawSeq = (seq: string) => message(3).replace('"seq":3', `"seq":${seq}`)

/** The UTF-8 bytes of `text` with `marker` replaced by raw `bytes`. */
function withBytesAt(text: string, marker: string, bytes: number[]): Uint8Array {
  const [before = '', after = ''] = text.split(marker)
  return concatBytes(utf8(before), new Uint8Array(bytes), utf8(after))
}

const ONE_MB_TEXT = 'x'.repeat(1024 * 1024)
const BOM = new Uint8Array([0xef, 0xbb, 0xbf])

interface Row {
  name: string
  bytes: Uint8Array
  expected: Outcome[]
}

const row = (name: string, input: string | Uint8Array, expected: Outcome[]): Row => ({
  name,
  bytes: typeof input === 'string' ? utf8(input) : input,
  expected,
})

const TABLE: Row[] = [
  row('a valid message → decoded', frame(1, message(1)), ['message.new 1 "m 1" id=1']),
  // Malformed JSON and wrong shapes: described, with the id that lets the hub backfill the seq.
  row('malformed JSON → invalid-json error with its id', frame(3, '{"seq": 3, "content": '), [
    'invalid-json id=3',
  ]),
  row('data that is not JSON at all → invalid-json error', frame(3, 'hello'), ['invalid-json id=3']),
  row('an empty data field → invalid-json error', 'event: message.new\nid: 3\ndata:\n\n', [
    'invalid-json id=3',
  ]),
  row('NaN spelled in the JSON → invalid-json error', frame(3, withRawSeq('NaN')), ['invalid-json id=3']),
  row('a JSON array → invalid-type error at the root', frame(3, '[1,2,3]'), ['invalid-type (root) id=3']),
  row('JSON null → invalid-type error at the root', frame(3, 'null'), ['invalid-type (root) id=3']),
  row('a message without seq → missing-field seq', frame(3, message(3, { seq: undefined })), [
    'missing-field seq id=3',
  ]),
  row(
    'a message without content.text → missing-field content.text',
    frame(3, message(3, { 'content.text': undefined })),
    ['missing-field content.text id=3'],
  ),
  row('content.text a number → invalid-type content.text', frame(3, message(3, { 'content.text': 42 })), [
    'invalid-type content.text id=3',
  ]),
  row(
    'content.type outside its enum → invalid-value content.type',
    frame(3, message(3, { 'content.type': 'robot' })),
    ['invalid-value content.type id=3'],
  ),
  row(
    'a timestamp that is no date → invalid-value timestamp',
    frame(3, message(3, { timestamp: 'yesterday' })),
    ['invalid-value timestamp id=3'],
  ),
  // seq must be a positive safe integer.
  row('seq "3" (a string) → invalid-type seq', frame(3, withRawSeq('"3"')), ['invalid-type seq id=3']),
  row('seq true → invalid-type seq', frame(3, withRawSeq('true')), ['invalid-type seq id=3']),
  row('seq null → invalid-type seq', frame(3, withRawSeq('null')), ['invalid-type seq id=3']),
  row('seq -3 (negative) → invalid-value seq', frame(3, withRawSeq('-3')), ['invalid-value seq id=3']),
  row('seq 0 → invalid-value seq', frame(3, withRawSeq('0')), ['invalid-value seq id=3']),
  row('seq 2.5 (fractional) → invalid-value seq', frame(3, withRawSeq('2.5')), ['invalid-value seq id=3']),
  row('seq 2^53 (not safe) → invalid-value seq', frame(3, withRawSeq('9007199254740992')), [
    'invalid-value seq id=3',
  ]),
  row('seq 1e400 (Infinity) → invalid-value seq', frame(3, withRawSeq('1e400')), ['invalid-value seq id=3']),
  row(
    'replay.end with totalAvailable -1 → invalid-value totalAvailable',
    frame(9, '{"message":"","lastReplayedSeq":9,"projectId":"p","totalAvailable":-1}', 'replay.end'),
    ['invalid-value totalAvailable id=9'],
  ),
  row(
    'connection.established with from_seq "0" → invalid-type from_seq',
    frame(
      0,
      '{"projectId":"p","from_seq":"0","connection_id":"c","timestamp":"2025-08-27T10:30:00.000Z"}',
      'connection.established',
    ),
    ['invalid-type from_seq id=0'],
  ),
  // Event names: unknown ones are kept raw and ignored by the hub.
  row('an unknown event name → unknown, ignored', frame(2, '{"status":"running"}', 'build.status'), [
    'unknown build.status id=2',
  ]),
  row('an unknown event name with non-JSON data → unknown, ignored', frame(2, '<html>', 'presence.changed'), [
    'unknown presence.changed id=2',
  ]),
  row('a known name in other case (MESSAGE.NEW) → unknown, ignored', frame(2, message(2), 'MESSAGE.NEW'), [
    'unknown MESSAGE.NEW id=2',
  ]),
  row('an event without a name → unknown "message", ignored', `id: 2\ndata: ${message(2)}\n\n`, [
    'unknown message id=2',
  ]),
  row('an event name of 100 KB → unknown, ignored', frame(2, '{}', 'x'.repeat(100 * 1024)), [
    `unknown ${'x'.repeat(100 * 1024)} id=2`,
  ]),
  row('a named event without data → ignored', 'event: message.new\nid: 5\n\n', []),
  // Size and encoding.
  row('a 1 MB message data line → decoded intact', frame(1, message(1, { 'content.text': ONE_MB_TEXT })), [
    `message.new 1 "xxx…(${1024 * 1024})" id=1`,
  ]),
  row(
    'a JSON value nested 100,000 deep → decoded, no stack overflow',
    frame(
      1,
      message(1).replace(
        '"response_data":',
        `"response_data":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)},"x":`,
      ),
    ),
    ['message.new 1 "m 1" id=1'],
  ),
  row(
    'a __proto__ key in the data → decoded, nothing polluted',
    frame(1, message(1).replace('{', '{"__proto__":{"polluted":true},')),
    ['message.new 1 "m 1" id=1'],
  ),
  row(
    'invalid UTF-8 inside a JSON string → decoded with U+FFFD',
    withBytesAt(frame(1, message(1, { 'content.text': 'm HERE' })), 'HERE', [0xc3, 0x28]),
    ['message.new 1 "m \uFFFD(" id=1'],
  ),
  row(
    'invalid UTF-8 between JSON tokens → invalid-json error',
    withBytesAt(frame(1, message(1).replace('{', '{HERE')), 'HERE', [0xff]),
    ['invalid-json id=1'],
  ),
  row(
    'a raw NUL inside a JSON string → invalid-json error',
    frame(1, message(1).replace('m 1', 'm\u00001')),
    ['invalid-json id=1'],
  ),
  row(
    'an id containing NUL → the id is ignored, the previous one stays',
    `${frame(1, message(1))}event: message.new\nid: 2\u0000\ndata: ${message(2)}\n\n`,
    ['message.new 1 "m 1" id=1', 'message.new 2 "m 2" id=1'],
  ),
  // Byte order marks and line endings.
  row('a byte order mark at the start → skipped, decoded', concatBytes(BOM, utf8(frame(1, message(1)))), [
    'message.new 1 "m 1" id=1',
  ]),
  row(
    'a second byte order mark → part of the first field name, which is then ignored',
    concatBytes(BOM, BOM, utf8(frame(1, message(1)))),
    ['unknown message id=1'],
  ),
  row('CR line endings → decoded', frame(1, message(1)).replaceAll('\n', '\r'), ['message.new 1 "m 1" id=1']),
  row('CRLF line endings → decoded', frame(1, message(1)).replaceAll('\n', '\r\n'), [
    'message.new 1 "m 1" id=1',
  ]),
  row(
    'LF, CR and CRLF mixed in one stream → decoded',
    `event: message.new\rid: 1\r\ndata: ${message(1)}\n\r\nevent: message.new\nid: 2\rdata: ${message(2)}\r\r`,
    ['message.new 1 "m 1" id=1', 'message.new 2 "m 2" id=2'],
  ),
  row(
    'JSON split over two data lines → joined by LF, decoded',
    `event: message.new\nid: 1\ndata: {"seq":1,\ndata: ${message(1).slice(1)}\n\n`,
    ['message.new 1 "m 1" id=1'],
  ),
  row('10,000 blank lines → nothing', '\n'.repeat(10_000), []),
  row(
    'a final event without its blank line → never dispatched',
    `${frame(1, message(1))}event: message.new\nid: 2\ndata: ${message(2)}\n`,
    ['message.new 1 "m 1" id=1'],
  ),
  row(
    'a field name with a trailing space (data :) → ignored field',
    `event: message.new\nid: 1\ndata : ${message(1)}\n\n`,
    [],
  ),
  // retry: only ASCII digits count; anything else is described and ignored.
  row('retry: 3000 → a reconnection time', 'retry: 3000\n\n', ['retry 3000']),
  ...['soon', '-1', '1.5', '1e3', '', '3000 ', '٣٠٠٠', '0x10'].map((value) =>
    row(`retry: ${JSON.stringify(value)} → described, ignored`, `retry: ${value}\n\n`, [
      `invalid-retry ${JSON.stringify(value)}`,
    ]),
  ),
  row(
    'retry garbage between messages → described, the messages still decoded',
    `${frame(1, message(1))}retry: soon\n${frame(2, message(2))}`,
    ['message.new 1 "m 1" id=1', 'invalid-retry "soon"', 'message.new 2 "m 2" id=2'],
  ),
]

const SPLITS: Array<{ how: string; split: (bytes: Uint8Array, index: number) => Uint8Array[] }> = [
  { how: 'whole', split: (bytes) => [bytes] },
  { how: 'byte by byte', split: (bytes) => unitByUnit(bytes) },
  {
    how: `at random points (seed ${seed})`,
    split: (bytes, index) => atRandomPoints(bytes, randomFor(index), 16),
  },
]

test.each(TABLE.map((r, index) => ({ ...r, index })))('$name', ({ bytes, expected, index }) => {
  for (const { how, split } of SPLITS) {
    // The 1 MB rows fed byte by byte take seconds and test nothing the small rows do not.
    if (how === 'byte by byte' && bytes.length > 64 * 1024) continue

    const log = outcomes(split(bytes, index))

    expect(log, how).toEqual(expected)
  }
  expect(Object.prototype).not.toHaveProperty('polluted')
})
