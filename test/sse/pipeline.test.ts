import { expect, expectTypeOf, test } from 'vitest'
import type { BackendEvent, HistoryResponse, MessageData } from '../../src/protocol/wire'
import {
  createEventStreamDecoder,
  createParser,
  type DecodeError,
  decodeEvent,
  decodeHistoryResponse,
  decodeMessageData,
  decodeSendMessageResponse,
  type EventStreamDecoder,
  type EventStreamParser,
  type ParserCallbacks,
  type ServerSentEvent,
  toPersistentChatMessage,
} from '../../src/sse/index'
import { atRandomPoints, encodeStream, utf8 } from '../helpers/sse-encoder'
import {
  assistantMessage,
  presenceUpdated,
  seedConnectionEstablished,
  seedMessageNew,
  seedMessageReplay,
  seedReplayEnd,
} from './payloads'
import { randomFor, seed } from './random'

const streamBytes = utf8(
  `\uFEFF${encodeStream(
    [
      { event: 'connection.established', id: '120', data: JSON.stringify(seedConnectionEstablished) },
      { event: 'message.replay', id: '123', data: JSON.stringify(seedMessageReplay) },
      { event: 'replay.end', data: JSON.stringify(seedReplayEnd) },
      { comment: 'ping' },
      { event: 'presence.updated', data: JSON.stringify(presenceUpdated) },
      { event: 'build.status', data: '{"status":"running"}' },
      { event: 'message.new', id: '124', data: JSON.stringify(assistantMessage) },
    ],
    '\r\n',
  )}`,
)

test(`a whole backend stream, split at random points, decodes to the seed events (seed ${seed})`, () => {
  const random = randomFor(0)

  for (let round = 0; round < 20; round++) {
    const events: BackendEvent[] = []
    const errors: DecodeError[] = []
    const decoder = createEventStreamDecoder({
      onEvent: (event) => {
        const result = decodeEvent(event)
        if (result.ok) events.push(result.event)
        else errors.push(result.error)
      },
    })

    for (const chunk of atRandomPoints(streamBytes, random, 30)) decoder.feed(chunk)
    decoder.end()

    expect(errors).toEqual([])
    expect(events).toEqual([
      { type: 'connection.established', id: '120', data: seedConnectionEstablished },
      { type: 'message.replay', id: '123', data: seedMessageReplay },
      { type: 'replay.end', id: '123', data: seedReplayEnd },
      { type: 'presence.updated', id: '123', data: presenceUpdated },
      { type: 'unknown', event: 'build.status', id: '123', data: '{"status":"running"}' },
      { type: 'message.new', id: '124', data: assistantMessage },
    ])
  }
})

test('the public entry has the documented signatures', () => {
  expectTypeOf(createParser).toEqualTypeOf<(callbacks: ParserCallbacks) => EventStreamParser>()
  expectTypeOf(createEventStreamDecoder).toEqualTypeOf<(callbacks: ParserCallbacks) => EventStreamDecoder>()
  expectTypeOf(decodeEvent).parameter(0).toEqualTypeOf<ServerSentEvent>()
  expectTypeOf(decodeEvent).returns.toEqualTypeOf<
    { ok: true; event: BackendEvent } | { ok: false; error: DecodeError }
  >()
  expectTypeOf(decodeHistoryResponse).returns.toEqualTypeOf<
    { ok: true; history: HistoryResponse } | { ok: false; error: DecodeError }
  >()
  expectTypeOf(decodeMessageData).returns.toEqualTypeOf<
    { ok: true; message: MessageData } | { ok: false; error: DecodeError }
  >()
  expectTypeOf(decodeSendMessageResponse).parameter(0).toBeUnknown()
  expectTypeOf(toPersistentChatMessage(seedMessageNew).seq).toEqualTypeOf<number | undefined>()
})
