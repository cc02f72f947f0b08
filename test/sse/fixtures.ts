/**
 * Event-stream fixtures with the callbacks each must produce, in order, and a recorder that
 * turns parser callbacks into that ordered log. Shared by the text and byte tests.
 */
import type { ParserCallbacks, ServerSentEvent } from '../../src/sse/index'
import { encodeBlock, encodeStream, type LineEnd } from '../helpers/sse-encoder'

/** One callback call, as recorded. */
export type LogEntry =
  | ['event', ServerSentEvent]
  | ['last-event-id', string]
  | ['retry', number]
  | ['comment', string]
  | ['error', 'invalid-retry', string]

/** Callbacks that append every call to `log`. */
export function recordCallbacks(): { callbacks: ParserCallbacks; log: LogEntry[] } {
  const log: LogEntry[] = []
  return {
    log,
    callbacks: {
      onEvent: (event) => log.push(['event', event]),
      onLastEventId: (id) => log.push(['last-event-id', id]),
      onRetry: (milliseconds) => log.push(['retry', milliseconds]),
      onComment: (comment) => log.push(['comment', comment]),
      onError: (error) => log.push(['error', error.type, error.value]),
    },
  }
}

export interface Fixture {
  name: string
  text: string
  expected: LogEntry[]
}

const event = (data: string, type = 'message', id?: string): LogEntry => ['event', { event: type, data, id }]

const seedMessage = JSON.stringify({
  seq: 121,
  messageId: 'msg_ulid_121',
  client_msg_id: 'client_ulid_456',
  projectId: 'proj_789',
  userId: 'user_abc',
  content: { text: 'Hello 日本 😀 é', type: 'user', mode: 'build', actor_type: 'client' },
  timestamp: '2025-08-27T10:30:00.000Z',
  metadata: { build_id: 'build_ulid_def', response_data: null },
})

function lineEndFixtures(lineEnd: LineEnd, name: string): Fixture[] {
  return [
    {
      name: `an event with ${name} line ends`,
      text: encodeBlock({ event: 'message.new', id: '1', data: '{"seq":1}' }, lineEnd),
      expected: [['last-event-id', '1'], event('{"seq":1}', 'message.new', '1')],
    },
    {
      name: `multiple data lines joined by LF, with ${name} line ends`,
      text: encodeBlock({ data: 'one\ntwo\nthree' }, lineEnd),
      expected: [event('one\ntwo\nthree')],
    },
  ]
}

/** Every fixture is plain text; the byte tests encode it as UTF-8. */
export const fixtures: Fixture[] = [
  ...lineEndFixtures('\n', 'LF'),
  ...lineEndFixtures('\r\n', 'CRLF'),
  ...lineEndFixtures('\r', 'CR'),
  {
    name: 'mixed line ends in one stream',
    text: 'data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r',
    expected: [event('a\nb\nc'), event('d')],
  },
  {
    name: 'a CRLF pair is one line end, not a line end and a blank line',
    text: 'data: a\r\ndata: b\r\n\r\n',
    expected: [event('a\nb')],
  },
  {
    name: 'the seed stream: connection, replay, replay end, heartbeat, live message',
    text: encodeStream([
      { event: 'connection.established', id: '120', data: '{"projectId":"proj_789","from_seq":120}' },
      { event: 'message.replay', id: '121', data: seedMessage },
      { event: 'replay.end', data: '{"lastReplayedSeq":121}' },
      { comment: 'ping' },
      { event: 'message.new', id: '122', data: '{"seq":122}' },
    ]),
    expected: [
      ['last-event-id', '120'],
      event('{"projectId":"proj_789","from_seq":120}', 'connection.established', '120'),
      ['last-event-id', '121'],
      event(seedMessage, 'message.replay', '121'),
      event('{"lastReplayedSeq":121}', 'replay.end', '121'),
      ['comment', 'ping'],
      ['last-event-id', '122'],
      event('{"seq":122}', 'message.new', '122'),
    ],
  },
  {
    name: 'multi-byte characters survive any split',
    text: encodeBlock({ data: 'é 日本 😀' }),
    expected: [event('é 日本 😀')],
  },
  { name: 'an event without a type is a "message"', text: 'data: x\n\n', expected: [event('x')] },
  { name: 'an empty data field dispatches empty data', text: 'data:\n\n', expected: [event('')] },
  { name: 'a data field without a colon dispatches empty data', text: 'data\n\n', expected: [event('')] },
  { name: 'two empty data fields dispatch one LF', text: 'data\ndata:\n\n', expected: [event('\n')] },
  {
    name: 'only one leading space is removed from a value',
    text: 'data:  two\n\ndata:none\n\ndata:\ttab \n\n',
    expected: [event(' two'), event('none'), event('\ttab ')],
  },
  { name: 'a value keeps colons after the first', text: 'data: a: b:c\n\n', expected: [event('a: b:c')] },
  {
    name: 'comments are reported and do not end an event',
    text: ': ping\ndata: a\n:no space\ndata: b\n:\n\n',
    expected: [['comment', 'ping'], ['comment', 'no space'], ['comment', ''], event('a\nb')],
  },
  {
    name: 'a valid retry is reported in milliseconds',
    text: 'retry: 3000\n\nretry:0\ndata: x\n\n',
    expected: [['retry', 3000], ['retry', 0], event('x')],
  },
  {
    name: 'a retry that is not only ASCII digits is reported as an error and ignored',
    text: 'retry: 3s\nretry: -1\nretry: 1.5\nretry:\nretry: ١٢\n\n',
    expected: [
      ['error', 'invalid-retry', '3s'],
      ['error', 'invalid-retry', '-1'],
      ['error', 'invalid-retry', '1.5'],
      ['error', 'invalid-retry', ''],
      ['error', 'invalid-retry', '١٢'],
    ],
  },
  {
    name: 'an id containing NULL is ignored',
    text: 'id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n',
    expected: [['last-event-id', '1'], event('a', 'message', '1'), event('b', 'message', '1')],
  },
  {
    name: 'an id-only block updates the last event ID without dispatching',
    text: 'id: 7\n\ndata: x\n\n',
    expected: [['last-event-id', '7'], event('x', 'message', '7')],
  },
  {
    name: 'the last event ID persists across events until the server sets another',
    text: 'id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n',
    expected: [
      ['last-event-id', '1'],
      event('a', 'message', '1'),
      event('b', 'message', '1'),
      ['last-event-id', '2'],
      event('c', 'message', '2'),
    ],
  },
  {
    name: 'an empty id resets the last event ID to the empty string',
    text: 'id: 1\ndata: a\n\nid\ndata: b\n\n',
    expected: [
      ['last-event-id', '1'],
      event('a', 'message', '1'),
      ['last-event-id', ''],
      event('b', 'message', ''),
    ],
  },
  {
    name: 'the same id again is not reported as a change',
    text: 'id: 1\ndata: a\n\nid: 1\ndata: b\n\n',
    expected: [['last-event-id', '1'], event('a', 'message', '1'), event('b', 'message', '1')],
  },
  {
    name: 'a block with an event type but no data dispatches nothing and forgets the type',
    text: 'event: foo\n\ndata: x\n\n',
    expected: [event('x')],
  },
  {
    name: 'unknown and differently cased fields are ignored',
    text: 'foo: bar\nData: no\nEVENT: no\nhello\ndata: x\n\n',
    expected: [event('x')],
  },
  {
    // The parser looks for the colon only where a known field name could end it.
    name: 'a field name longer than any known one is ignored, wherever its colon is',
    text: 'retryx: 5\ndatadata: no\neventual:no\nev:ent: no\nlongfieldname\nabcdef\ndata:: y\nevent\ndata:x\n\n',
    expected: [event(': y\nx')],
  },
  {
    name: 'blank lines between events dispatch nothing',
    text: '\n\n\ndata: x\n\n\n\n',
    expected: [event('x')],
  },
  {
    name: 'an event without its trailing blank line is discarded at the end',
    text: 'data: a\n\ndata: b\n',
    expected: [event('a')],
  },
  {
    name: 'an unterminated last line is discarded at the end',
    text: 'data: a\n\nevent: x\ndata: b',
    expected: [event('a')],
  },
  { name: 'a leading byte order mark is skipped', text: '\uFEFFdata: x\n\n', expected: [event('x')] },
  {
    name: 'a second byte order mark is content (here, part of a field name)',
    text: '\uFEFF\uFEFFdata: x\n\ndata: y\n\n',
    expected: [event('y')],
  },
  {
    name: 'a byte order mark after the start is content',
    text: 'data: a\n\n\uFEFFdata: b\n\ndata: \uFEFFc\n\n',
    expected: [event('a'), event('\uFEFFc')],
  },
]
