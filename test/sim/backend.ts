/**
 * The model backend: one per seed, drawn from the family of backends DESIGN.md §2 allows (replay
 * limit, heartbeats, history pages shorter than asked, an inexact `totalAvailable`, either answer
 * to a request without a cursor), with the faults of a bad network in front of it. Streams are
 * bytes (the real SSE framing), cut anywhere, stalled, corrupted, repeated and split.
 */
import type { HistoryQuery, HistoryResult, RequestFailure } from '../../src/hub/core'
import type { HistoryResponse, MessageData } from '../../src/protocol'
import { formatEvent, HEARTBEAT_FRAME } from '../../src/server/backend/sse-format'
import type { Scheduled, World } from './world'

/** @internal The readings of DESIGN.md §2 this backend takes. */
export interface BackendVariant {
  replayLimit: number
  heartbeatMs: number | null
  /** The most a history page holds, whatever `limit` asks. */
  historyCap: number
  /** `over`: `replay.end` reports more than there is. */
  totalAvailable: 'exact' | 'over'
  /** What a request without a cursor would get (the hub must never send one). */
  noCursor: 'newest' | 'oldest'
  /** A data reset cuts the open streams, or leaves them open (they go on with the new log). */
  resetCutsStreams: boolean
}

/** @internal Probabilities, per request or per frame. */
export interface FaultRates {
  streamStatus: number
  stream429: number
  stream401: number
  cut: number
  stall: number
  malformed: number
  duplicate: number
  earlier: number
  unknown: number
  split: number
  historyStatus: number
  /** History answered 429; a seed recorded before this fault existed plays as it did with 0. */
  history429: number
  sendStatus: number
  sendLost: number
  maxDelayMs: number
}

/** @internal What a stream tells its reader. */
export interface StreamSink {
  opened(): void
  bytes(bytes: Uint8Array): void
  ended(failure: RequestFailure): void
}

/** @internal */
export interface ModelBackend {
  faultsOn: boolean
  online: boolean
  readonly faults: Record<string, number>
  /** Every project's logs, one per epoch (a data reset starts a new one). */
  logs(projectId: string): MessageData[][]
  log(projectId: string): MessageData[]
  append(projectId: string, userId: string, text: string, clientMsgId?: string | null): MessageData
  openStream(projectId: string, cursor: number, sink: StreamSink): { abort(): void }
  history(projectId: string, query: HistoryQuery, answer: (result: HistoryResult) => void): void
  send(
    projectId: string,
    clientMsgId: string,
    text: string,
    answer: (result: { ok: true; message: MessageData } | { ok: false; failure: RequestFailure }) => void,
  ): void
  reset(projectId: string, fresh: number): void
  openStreams(projectId: string): number
  /** Stalls end and no fault is injected any more. */
  heal(): void
}

const encoder = new TextEncoder()
const TEXTS = ['hi', 'ok — ✓', 'déjà vu', '🎉 shipped', '日本語のテキスト', 'a'.repeat(40)]

/** @internal */
export function createModelBackend(
  world: World,
  variant: BackendVariant,
  rates: FaultRates,
  random: () => number,
): ModelBackend {
  const logs = new Map<string, MessageData[][]>()
  const streams = new Map<string, Set<Connection>>()
  const faults: Record<string, number> = {}
  const fault = (kind: string) => {
    faults[kind] = (faults[kind] ?? 0) + 1
    return true
  }
  const chance = (p: number) => backend.faultsOn && random() < p
  const delay = () => 1 + Math.floor(random() * rates.maxDelayMs)

  const epochsOf = (projectId: string) => {
    let epochs = logs.get(projectId)
    if (!epochs) {
      epochs = [[]]
      logs.set(projectId, epochs)
    }
    return epochs
  }
  const current = (projectId: string) => epochsOf(projectId).at(-1) as MessageData[]
  const epochOf = (projectId: string) => epochsOf(projectId).length - 1

  interface Connection {
    projectId: string
    closed: boolean
    sent: string[]
    queue: string[]
    freeAt: number
    stalledUntil: number
    replayedUpTo: number
    sink: StreamSink
    pumping: Scheduled | undefined
    heartbeat: Scheduled | undefined
    lastSentAt: number
  }

  const close = (c: Connection) => {
    if (c.closed) return
    c.closed = true
    streams.get(c.projectId)?.delete(c)
    world.cancel(c.pumping)
    world.cancel(c.heartbeat)
  }

  const cut = (c: Connection, reason: string) => {
    close(c)
    c.sink.ended({ kind: 'retry', reason })
  }

  const write = (c: Connection, text: string) => {
    c.sink.bytes(encoder.encode(text))
    c.lastSentAt = world.now
  }

  const pump = (c: Connection) => {
    if (c.closed || c.pumping) return
    const frame = c.queue[0]
    if (frame === undefined) return
    const at = Math.max(world.now, c.freeAt, c.stalledUntil) + Math.floor(random() * 3)
    c.pumping = world.after(at - world.now, 'stream frame', () => {
      c.pumping = undefined
      if (c.closed) return
      if (world.now < c.stalledUntil) return pump(c)
      c.queue.shift()
      deliver(c, frame)
      pump(c)
    })
  }

  const deliver = (c: Connection, frame: string) => {
    if (chance(rates.stall) && fault('stall')) {
      c.stalledUntil = world.now + 10_000 + Math.floor(random() * 80_000)
      c.queue.unshift(frame)
      return
    }
    if (chance(rates.cut) && fault('cut')) {
      // Anywhere in the frame, even inside a multi-byte character.
      const bytes = encoder.encode(frame)
      c.sink.bytes(bytes.subarray(0, Math.floor(random() * bytes.length)))
      return cut(c, 'connection reset mid-frame')
    }
    if (chance(rates.unknown) && fault('unknown')) write(c, formatEvent('build.status', { state: 'running' }))
    let text = frame
    if (/^id: /m.test(frame) && frame.includes('"seq"') && chance(rates.malformed) && fault('malformed'))
      text = frame.replace(/^data: (.*)$/m, (_, json: string) => `data: ${json.slice(0, json.length >> 1)}`)
    if (chance(rates.split) && fault('split')) {
      // Two fragments, split anywhere in the bytes (a character may straddle them).
      const bytes = encoder.encode(text)
      const cutAt = 1 + Math.floor(random() * (bytes.length - 1))
      c.sink.bytes(bytes.subarray(0, cutAt))
      const wait = 1 + Math.floor(random() * 500)
      c.freeAt = world.now + wait
      world.after(wait, 'fragment', () => {
        if (c.closed) return
        c.sink.bytes(bytes.subarray(cutAt))
        c.lastSentAt = world.now
        c.sent.push(text)
      })
      return
    }
    write(c, text)
    c.sent.push(text)
    if (chance(rates.duplicate) && fault('duplicate')) write(c, text)
    if (c.sent.length > 2 && chance(rates.earlier) && fault('earlier'))
      write(c, c.sent[Math.floor(random() * (c.sent.length - 1))] as string)
  }

  const armHeartbeat = (c: Connection) => {
    const every = variant.heartbeatMs
    if (every === null) return
    c.heartbeat = world.after(every, 'heartbeat', () => {
      if (c.closed) return
      if (world.now >= c.stalledUntil && world.now - c.lastSentAt >= every && c.queue.length === 0)
        write(c, HEARTBEAT_FRAME)
      armHeartbeat(c)
    })
  }

  const frameOf = (type: 'message.replay' | 'message.new', m: MessageData) => formatEvent(type, m, m.seq)

  const backend: ModelBackend = {
    faultsOn: true,
    online: true,
    faults,
    logs: epochsOf,
    log: current,
    append(projectId, userId, text, clientMsgId = null) {
      const log = current(projectId)
      const epoch = epochOf(projectId)
      const seq = log.length + 1
      const message: MessageData = {
        seq,
        messageId: `msg_e${epoch}_${seq}`,
        client_msg_id: clientMsgId,
        projectId,
        userId,
        content: { text: `${text} ${TEXTS[seq % TEXTS.length]}`, type: 'user', actor_type: 'client' },
        timestamp: new Date(Date.UTC(2026, 11, 1) + world.now).toISOString(),
        metadata: { build_id: null, response_data: null },
      }
      log.push(message)
      for (const c of streams.get(projectId) ?? []) {
        if (seq <= c.replayedUpTo) continue
        c.queue.push(frameOf('message.new', message))
        pump(c)
      }
      return message
    },
    openStream(projectId, cursor, sink) {
      let c: Connection | undefined
      let gone = false
      world.after(delay(), 'stream open', () => {
        if (gone) return
        if (!backend.online) return sink.ended({ kind: 'retry', reason: 'Failed to fetch' })
        if (chance(rates.stream401) && fault('401'))
          return sink.ended({ kind: 'auth', code: 401, reason: 'injected 401' })
        if (chance(rates.stream401) && fault('403'))
          return sink.ended({ kind: 'auth', code: 403, reason: 'injected 403' })
        if (chance(rates.stream429) && fault('429'))
          return sink.ended({ kind: 'rate_limited', retryAfterMs: 1000, reason: 'injected 429' })
        if (chance(rates.streamStatus) && fault('5xx'))
          return sink.ended({ kind: 'retry', reason: '503 injected' })
        const log = current(projectId)
        const after = log.filter((m) => m.seq > cursor)
        const replay = after.slice(0, variant.replayLimit)
        const total =
          after.length + (variant.totalAvailable === 'over' ? Math.floor(random() * after.length) : 0)
        const lastReplayed = replay.at(-1)?.seq ?? cursor
        c = {
          projectId,
          closed: false,
          sent: [],
          queue: [
            formatEvent(
              'connection.established',
              { projectId, from_seq: cursor, connection_id: 'c', timestamp: 't' },
              cursor,
            ),
            ...replay.map((m) => frameOf('message.replay', m)),
            formatEvent('replay.end', {
              message: 'replay done',
              lastReplayedSeq: lastReplayed,
              projectId,
              totalAvailable: total,
            }),
          ],
          freeAt: world.now,
          stalledUntil: 0,
          replayedUpTo: log.length,
          sink,
          pumping: undefined,
          heartbeat: undefined,
          lastSentAt: world.now,
        }
        let set = streams.get(projectId)
        if (!set) {
          set = new Set()
          streams.set(projectId, set)
        }
        set.add(c)
        sink.opened()
        pump(c)
        armHeartbeat(c)
      })
      return {
        abort() {
          gone = true
          if (c) close(c)
        },
      }
    },
    history(projectId, query, answer) {
      world.after(delay(), 'history', () => {
        if (!backend.online)
          return answer({ ok: false, failure: { kind: 'retry', reason: 'Failed to fetch' } })
        if (chance(rates.historyStatus) && fault('history 5xx'))
          return answer({ ok: false, failure: { kind: 'retry', reason: '502 injected' } })
        if (rates.history429 > 0 && chance(rates.history429) && fault('history 429'))
          return answer({
            ok: false,
            failure: { kind: 'rate_limited', retryAfterMs: 1000, reason: 'injected 429' },
          })
        const log = current(projectId)
        const limit = Math.min(query.limit, variant.historyCap)
        let messages: MessageData[]
        if ('afterSeq' in query) messages = log.filter((m) => m.seq > query.afterSeq).slice(0, limit)
        else messages = log.filter((m) => m.seq < query.beforeSeq).slice(-limit)
        const page: HistoryResponse = {
          messages: messages.map((m) => structuredClone(m)),
          hasMore:
            'afterSeq' in query
              ? (messages.at(-1)?.seq ?? query.afterSeq) < log.length
              : (messages[0]?.seq ?? 1) > 1,
          latestSeq: log.length,
        }
        answer({ ok: true, page })
      })
    },
    send(projectId, clientMsgId, text, answer) {
      world.after(delay(), 'send', () => {
        if (!backend.online)
          return answer({ ok: false, failure: { kind: 'retry', reason: 'Failed to fetch' } })
        if (chance(rates.sendStatus) && fault('send 5xx'))
          return answer({ ok: false, failure: { kind: 'retry', reason: '500 injected' } })
        const known = current(projectId).find((m) => m.client_msg_id === clientMsgId)
        const message = known ?? backend.append(projectId, 'user_sim', text, clientMsgId)
        if (chance(rates.sendLost) && fault('send lost'))
          return answer({ ok: false, failure: { kind: 'retry', reason: 'no answer within 15000 ms' } })
        answer({ ok: true, message: structuredClone(message) })
      })
    },
    reset(projectId, fresh) {
      fault('data reset')
      epochsOf(projectId).push([])
      for (const c of [...(streams.get(projectId) ?? [])]) {
        if (variant.resetCutsStreams) cut(c, 'backend restarted')
        else {
          // The stream goes on with the new log; an "earlier event again" repeats events of it only.
          c.replayedUpTo = 0
          c.sent = []
        }
      }
      for (let i = 0; i < fresh; i++) backend.append(projectId, 'user_peer', `after reset ${i}`)
    },
    openStreams: (projectId) => streams.get(projectId)?.size ?? 0,
    heal() {
      backend.faultsOn = false
      for (const set of streams.values()) {
        for (const c of set) {
          c.stalledUntil = 0
          world.cancel(c.pumping)
          c.pumping = undefined
          pump(c)
        }
      }
    },
  }
  return backend
}
