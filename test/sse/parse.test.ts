import { expect, test } from 'vitest'
import { createParser } from '../../src/sse/index'
import { atRandomPoints, lineByLine, unitByUnit } from '../helpers/sse-encoder'
import { type Fixture, fixtures, type LogEntry, recordCallbacks } from './fixtures'
import { randomFor, seed } from './random'

const RANDOM_SPLITS_PER_FIXTURE = 5

function parseChunks(chunks: readonly string[]): LogEntry[] {
  const { callbacks, log } = recordCallbacks()
  const parser = createParser(callbacks)
  for (const chunk of chunks) parser.feed(chunk)
  parser.reset()
  return log
}

const splits: { name: string; split: (text: string, index: number) => string[][] }[] = [
  { name: 'whole', split: (text) => [[text]] },
  { name: 'line by line', split: (text) => [lineByLine(text)] },
  { name: 'one UTF-16 code unit at a time', split: (text) => [unitByUnit(text)] },
  {
    name: `split at random points (seed ${seed})`,
    split: (text, index) => {
      const random = randomFor(index)
      return Array.from({ length: RANDOM_SPLITS_PER_FIXTURE }, () => atRandomPoints(text, random))
    },
  },
]

const cases = fixtures.flatMap((fixture: Fixture, index) =>
  splits.map(({ name, split }) => ({ fixture, index, how: name, split })),
)

test.each(cases)('text: $fixture.name, fed $how', ({ fixture, index, split }) => {
  for (const chunks of split(fixture.text, index)) {
    const log = parseChunks(chunks)

    expect(log, `chunks ${JSON.stringify(chunks)}`).toEqual(fixture.expected)
  }
})

test('a CR ending one chunk and an LF starting the next are one line end', () => {
  const { callbacks, log } = recordCallbacks()
  const parser = createParser(callbacks)

  parser.feed('data: a\r')
  parser.feed('\n')
  parser.feed('data: b\r')
  parser.feed('\ndata: c\r\n\r')
  parser.feed('\n')

  expect(log).toEqual([['event', { event: 'message', data: 'a\nb\nc', id: undefined }]])
})

test('an event is dispatched as soon as its blank line ends in CR, before any LF arrives', () => {
  const { callbacks, log } = recordCallbacks()
  const parser = createParser(callbacks)

  parser.feed('data: a\r\n\r')

  expect(log).toEqual([['event', { event: 'message', data: 'a', id: undefined }]])
})

test('a byte order mark is skipped even when an empty chunk comes first', () => {
  const { callbacks, log } = recordCallbacks()
  const parser = createParser(callbacks)

  parser.feed('')
  parser.feed('\uFEFF')
  parser.feed('\uFEFFdata: not a field\n\ndata: x\n\n')

  expect(log).toEqual([['event', { event: 'message', data: 'x', id: undefined }]])
})

test('reset discards the incomplete event and the last event ID, and skips a new byte order mark', () => {
  const { callbacks, log } = recordCallbacks()
  const parser = createParser(callbacks)
  parser.feed('id: 5\ndata: a\n\nid: 6\ndata: incomplete\n')

  parser.reset()
  parser.feed('\uFEFF\n')
  parser.feed('data: b\n\n')

  expect(log).toEqual([
    ['last-event-id', '5'],
    ['event', { event: 'message', data: 'a', id: '5' }],
    ['event', { event: 'message', data: 'b', id: undefined }],
  ])
  expect(parser.lastEventId).toBeUndefined()
})

test('lastEventId reflects id-only blocks once their blank line arrives', () => {
  const parser = createParser({ onEvent: () => {} })

  parser.feed('id: 41\n')
  const beforeBlankLine = parser.lastEventId
  parser.feed('\n')

  expect(beforeBlankLine).toBeUndefined()
  expect(parser.lastEventId).toBe('41')
})

test('the last event ID is reported before the event that carries it', () => {
  const calls: string[] = []
  const parser = createParser({
    onEvent: (event) => calls.push(`event ${event.id}`),
    onLastEventId: (id) => calls.push(`id ${id}`),
  })

  parser.feed('id: 9\ndata: x\n\n')

  expect(calls).toEqual(['id 9', 'event 9'])
})

test('an invalid retry is described without throwing', () => {
  const errors: unknown[] = []
  const parser = createParser({ onEvent: () => {}, onError: (error) => errors.push(error) })

  parser.feed('retry: soon\n')

  expect(errors).toEqual([
    {
      type: 'invalid-retry',
      message: expect.stringContaining('"soon"'),
      value: 'soon',
      line: 'retry: soon',
    },
  ])
})

test('a parser with only onEvent ignores comments, retries and errors', () => {
  const events: string[] = []
  const parser = createParser({ onEvent: (event) => events.push(event.data) })

  parser.feed(': ping\nretry: 10\nretry: x\nid: 1\n\ndata: ok\n\n')

  expect(events).toEqual(['ok'])
})

test('a reset from inside onEvent stops the rest of the chunk', () => {
  const events: string[] = []
  const parser = createParser({
    onEvent: (event) => {
      events.push(event.data)
      parser.reset()
    },
  })

  parser.feed('data: first\n\ndata: second\n\n')
  parser.feed('data: third\n\n')

  expect(events).toEqual(['first', 'third'])
})

test('a long line fed one character at a time is parsed once complete', () => {
  const { callbacks, log } = recordCallbacks()
  const parser = createParser(callbacks)
  const data = 'x'.repeat(10_000)

  for (const character of `data: ${data}\n\n`) parser.feed(character)

  expect(log).toEqual([['event', { event: 'message', data, id: undefined }]])
})
