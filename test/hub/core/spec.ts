/**
 * Spec tests of the channel core (Firestore's `test/unit/specs` style): script the inputs one
 * rule needs, assert the effects the core asks for. No I/O, no timers: milliseconds each.
 */

import {
  type ChannelEffect,
  type ChannelInput,
  type ChannelState,
  type CoreConfig,
  createChannelState,
  type RequestFailure,
  statusOf,
  step,
} from '../../../src/hub/core'
import type { HistoryResponse, MessageData } from '../../../src/protocol'
import type { ServerSentEvent } from '../../../src/sse'
import { toPersistentChatMessage } from '../../../src/sse'
import type { ProjectRecord, StoredMessage } from '../../../src/store'

export const PROJECT = 'proj_spec'

/** @internal A channel core under test, with a clock the test moves. */
export interface SpecChannel {
  state: ChannelState
  now: number
  /** Apply an input; returns the effects it asked for. */
  input(input: ChannelInput): ChannelEffect[]
  advance(ms: number): void
  status(): ReturnType<typeof statusOf>
  /** The id of the last effect of this type in `effects` (a connection, request or commit). */
  idOf(effects: ChannelEffect[], type: 'open_stream' | 'fetch_history' | 'commit'): number
  /** Start with this cache and open the stream: returns the connection id. */
  startWith(cache: { record?: ProjectRecord | undefined; messages?: StoredMessage[] }): number
  /** Answer the history request the effects asked for with `page`. */
  answer(effects: ChannelEffect[], page: HistoryResponse): ChannelEffect[]
  /** Fail the history request the effects asked for. */
  refuse(effects: ChannelEffect[], failure: RequestFailure): ChannelEffect[]
}

export function specChannel(config: Partial<CoreConfig> = {}): SpecChannel {
  const state = createChannelState(PROJECT, {
    pageSize: 200,
    maxBackfill: 10_000,
    windowSize: 500,
    maxTabBackfill: 5_000,
    minUptimeMs: 5_000,
    // The rules' specs ask for one page at a time, as the core does with this off; the page
    // asked for ahead has its own specs (prefetch.test.ts), and the simulation runs both ways.
    prefetchHistory: false,
    ...config,
  })
  const channel: SpecChannel = {
    state,
    now: Date.parse('2026-12-01T00:00:00Z'),
    input: (input) => step(state, input, { now: channel.now, random: () => 0.5 }).effects,
    advance(ms) {
      channel.now += ms
    },
    status: () => statusOf(state),
    idOf(effects, type) {
      const found = effects.filter((e) => e.type === type).at(-1) as
        | { connection?: number; request?: number; commit?: number }
        | undefined
      const id = found?.connection ?? found?.request ?? found?.commit
      if (id === undefined) throw new Error(`no ${type} among ${JSON.stringify(effects.map((e) => e.type))}`)
      return id
    },
    startWith(cache) {
      channel.input({ type: 'start', online: true })
      const effects = channel.input({
        type: 'cache_loaded',
        record: cache.record,
        messages: cache.messages ?? [],
      })
      return channel.idOf(effects, 'open_stream')
    },
    answer: (effects, page) =>
      channel.input({
        type: 'history_result',
        request: channel.idOf(effects, 'fetch_history'),
        result: { ok: true, page },
      }),
    refuse: (effects, failure) =>
      channel.input({
        type: 'history_result',
        request: channel.idOf(effects, 'fetch_history'),
        result: { ok: false, failure },
      }),
  }
  return channel
}

/** A channel started from a cache of `lowSeq..highSeq` whose stream has just opened (nothing read yet). */
export function openedFrom(lowSeq: number, highSeq: number, config: Partial<CoreConfig> = {}) {
  const c = specChannel(config)
  const connection = c.startWith(cache(lowSeq, highSeq))
  c.input({ type: 'stream_opened', connection, heartbeatMs: 20_000 })
  return { c, connection }
}

/**
 * A channel holding 1…10 whose new connection's replay says the backend holds up to `latestSeq`:
 * the effects ask for the first page of the gap (the check of seq 10).
 */
export function behind(latestSeq: number, config: Partial<CoreConfig> = {}) {
  const { c, connection } = openedFrom(1, 10, config)
  const fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [sse.established(10), sse.replayEnd(10, latestSeq - 10)],
  })
  return { c, fx }
}

/**
 * A channel streaming from a cache of `lowSeq..highSeq` whose reconnect check is done (the
 * backend holds nothing newer): the start of most specs.
 */
export function streamingFrom(lowSeq: number, highSeq: number, config: Partial<CoreConfig> = {}) {
  const { c, connection } = openedFrom(lowSeq, highSeq, config)
  const fx = c.input({
    type: 'stream_chunk',
    connection,
    events: [sse.established(highSeq), sse.replayEnd(highSeq, 0)],
  })
  c.answer(fx, page(highSeq, highSeq, highSeq))
  return { c, connection }
}

/** A backend message with seq `seq` (ids and text derived from it). */
export function message(seq: number, over: Partial<MessageData> = {}): MessageData {
  return {
    seq,
    messageId: `msg_${seq}`,
    client_msg_id: null,
    projectId: PROJECT,
    userId: 'user_peer',
    content: { text: `m ${seq}`, type: 'user', actor_type: 'client' },
    timestamp: '2026-12-01T00:00:00.000Z',
    metadata: { build_id: null, response_data: null },
    ...over,
  }
}

/** Messages `from..to` as the store keeps them. */
export function stored(from: number, to: number): StoredMessage[] {
  return range(from, to).map((seq) => toPersistentChatMessage(message(seq)) as StoredMessage)
}

/** A cached range `lowSeq..highSeq` and its messages. */
export function cache(lowSeq: number, highSeq: number): { record: ProjectRecord; messages: StoredMessage[] } {
  return {
    record: { projectId: PROJECT, lowSeq, highSeq, latestSeq: highSeq, updatedAt: 0 },
    messages: stored(lowSeq, highSeq),
  }
}

/** A history answer holding `from..to` (empty when `to < from`). */
export function page(from: number, to: number, latestSeq: number): HistoryResponse {
  return { messages: range(from, to).map((seq) => message(seq)), hasMore: to < latestSeq, latestSeq }
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)
}

/** SSE events as the parser dispatches them. */
export const sse = {
  established: (cursor: number): ServerSentEvent => ({
    event: 'connection.established',
    id: String(cursor),
    data: JSON.stringify({
      projectId: PROJECT,
      from_seq: cursor,
      connection_id: 'c',
      timestamp: '2026-12-01T00:00:00.000Z',
    }),
  }),
  replay: (seq: number, over: Partial<MessageData> = {}): ServerSentEvent => ({
    event: 'message.replay',
    id: String(seq),
    data: JSON.stringify(message(seq, over)),
  }),
  live: (seq: number, over: Partial<MessageData> = {}): ServerSentEvent => ({
    event: 'message.new',
    id: String(seq),
    data: JSON.stringify(message(seq, over)),
  }),
  replayEnd: (cursor: number, totalAvailable: number, lastReplayedSeq = cursor): ServerSentEvent => ({
    event: 'replay.end',
    id: String(lastReplayedSeq),
    data: JSON.stringify({ message: 'done', lastReplayedSeq, projectId: PROJECT, totalAvailable }),
  }),
  malformed: (seq: number): ServerSentEvent => ({ event: 'message.new', id: String(seq), data: '{"seq":' }),
}

/** The effects of these types, in order (everything else left out). */
export function only<T extends ChannelEffect['type']>(
  effects: ChannelEffect[],
  ...types: T[]
): Array<Extract<ChannelEffect, { type: T }>> {
  return effects.filter((e): e is Extract<ChannelEffect, { type: T }> => (types as string[]).includes(e.type))
}

/** The seqs of every message the effects tell the tabs (in `messages` changes). */
export function toldSeqs(effects: ChannelEffect[]): number[] {
  return only(effects, 'emit').flatMap((e) =>
    e.changes.flatMap((c) => (c.type === 'messages' ? c.messages.map((m) => m.seq ?? -1) : [])),
  )
}

/** The history requests among the effects, as `after N` / `before N`. */
export function historyAsked(effects: ChannelEffect[]): string[] {
  return only(effects, 'fetch_history').map(({ query }) =>
    'afterSeq' in query ? `after ${query.afterSeq}` : `before ${query.beforeSeq}`,
  )
}
