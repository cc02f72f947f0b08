import { expect, test } from 'vitest'
import { createEventStreamDecoder } from '../../src/sse/index'
import { atRandomPoints, concatBytes, lineByLine, splitAt, unitByUnit, utf8 } from '../helpers/sse-encoder'
import { type Fixture, fixtures, type LogEntry, recordCallbacks } from './fixtures'
import { randomFor, seed } from './random'

const RANDOM_SPLITS_PER_FIXTURE = 5
const BOM = new Uint8Array([0xef, 0xbb, 0xbf])

function decodeChunks(chunks: readonly Uint8Array[]): LogEntry[] {
  const { callbacks, log } = recordCallbacks()
  const decoder = createEventStreamDecoder(callbacks)
  for (const chunk of chunks) decoder.feed(chunk)
  decoder.end()
  return log
}

const splits: { name: string; split: (bytes: Uint8Array, index: number) => Uint8Array[][] }[] = [
  { name: 'whole', split: (bytes) => [[bytes]] },
  { name: 'line by line', split: (bytes) => [lineByLine(bytes)] },
  { name: 'byte by byte', split: (bytes) => [unitByUnit(bytes)] },
  {
    name: `split at random points (seed ${seed})`,
    split: (bytes, index) => {
      const random = randomFor(index)
      return Array.from({ length: RANDOM_SPLITS_PER_FIXTURE }, () => atRandomPoints(bytes, random))
    },
  },
]

const cases = fixtures.flatMap((fixture: Fixture, index) =>
  splits.map(({ name, split }) => ({ fixture, index, how: name, split })),
)

test.each(cases)('bytes: $fixture.name, fed $how', ({ fixture, index, split }) => {
  for (const chunks of split(utf8(fixture.text), index)) {
    const log = decodeChunks(chunks)

    expect(log, `chunks ${JSON.stringify(chunks.map((chunk) => [...chunk]))}`).toEqual(fixture.expected)
  }
})

test.each(['é', '日本', '😀', 'a é 日本 😀 z'])('%s split between any two bytes decodes whole', (text) => {
  const bytes = utf8(`data: ${text}\n\n`)

  for (let offset = 1; offset < bytes.length; offset++) {
    const log = decodeChunks(splitAt(bytes, [offset]))

    expect(log, `split at byte ${offset}`).toEqual([
      ['event', { event: 'message', data: text, id: undefined }],
    ])
  }
})

test('a UTF-8 byte order mark at the start is skipped once and a second one is kept', () => {
  const first = decodeChunks([BOM, utf8('data: x\n\n')])
  const second = decodeChunks([BOM, BOM, utf8('data: x\n\ndata: y\n\n')])
  const inData = decodeChunks([BOM, utf8('data: '), BOM, utf8('z\n\n')])

  expect(first).toEqual([['event', { event: 'message', data: 'x', id: undefined }]])
  expect(second).toEqual([['event', { event: 'message', data: 'y', id: undefined }]])
  expect(inData).toEqual([['event', { event: 'message', data: '\uFEFFz', id: undefined }]])
})

test('a byte order mark split across chunks is still skipped', () => {
  const log = decodeChunks([BOM.slice(0, 1), BOM.slice(1, 2), concatBytes(BOM.slice(2), utf8('data: x\n\n'))])

  expect(log).toEqual([['event', { event: 'message', data: 'x', id: undefined }]])
})

test('invalid UTF-8 becomes U+FFFD instead of failing', () => {
  const log = decodeChunks([utf8('data: a'), new Uint8Array([0xff, 0xc3]), utf8('b\n\n')])

  expect(log).toEqual([['event', { event: 'message', data: 'a\uFFFD\uFFFDb', id: undefined }]])
})

test('end discards an incomplete event, a truncated character, and starts a fresh stream', () => {
  const { callbacks, log } = recordCallbacks()
  const decoder = createEventStreamDecoder(callbacks)
  decoder.feed(utf8('id: 1\ndata: a\n\ndata: cut '))
  decoder.feed(utf8('😀').slice(0, 2))

  decoder.end()
  const afterEnd = decoder.lastEventId
  decoder.feed(concatBytes(BOM, utf8('data: b\n\n')))

  expect(log).toEqual([
    ['last-event-id', '1'],
    ['event', { event: 'message', data: 'a', id: '1' }],
    ['event', { event: 'message', data: 'b', id: undefined }],
  ])
  expect(afterEnd).toBeUndefined()
})

test('lastEventId follows the stream, including id-only blocks', () => {
  const decoder = createEventStreamDecoder({ onEvent: () => {} })

  decoder.feed(utf8('id: 3\n\n'))

  expect(decoder.lastEventId).toBe('3')
})
