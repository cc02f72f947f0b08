/**
 * The model of the multiplexed stream (docs/mux-stream.md): one connection carries every
 * project's stream. Opening it can fail; while it is up a project joins by control POST (which
 * can fail too); one project's own faults — 5xx, 429, 401/403, a cut, a stall — stay that
 * project's (the model backend injects them per project); but the connection can be cut or go
 * silent, and then every project on it ends at once.
 */
import type { ModelBackend, StreamSink } from './backend'
import type { Scheduled, World } from './world'

/** @internal Faults of the shared connection. */
export interface MuxRates {
  /** Opening the connection fails (5xx, a reset). */
  open: number
  /** A control POST fails. */
  control: number
  /** Per second of connection: it is cut. */
  cut: number
  /** Per second of connection: it goes silent, and its watchdog ends it. */
  stall: number
}

/** @internal What the hub's shell opens streams through. */
export interface ModelTransport {
  openStream(projectId: string, cursor: number, sink: StreamSink): { abort(): void }
}

interface Sub {
  projectId: string
  cursor: number
  sink: StreamSink
  handle: { abort(): void } | undefined
}

/** @internal */
export function createModelMux(
  world: World,
  backend: ModelBackend,
  rates: MuxRates,
  random: () => number,
  heartbeatMs: number,
): ModelTransport {
  const subs = new Set<Sub>()
  let state: 'down' | 'connecting' | 'up' | 'stalled' = 'down'
  let ticker: Scheduled | undefined
  const chance = (p: number) => backend.faultsOn && random() < p
  const fault = (kind: string) => {
    backend.faults[kind] = (backend.faults[kind] ?? 0) + 1
  }

  const start = (sub: Sub) => {
    sub.handle = backend.openStream(sub.projectId, sub.cursor, {
      opened: () => sub.sink.opened(),
      bytes: (bytes) => {
        if (state === 'up') sub.sink.bytes(bytes)
      },
      ended(failure) {
        subs.delete(sub)
        sub.sink.ended(failure)
      },
    })
  }

  /** The shared connection is gone: every project on it ends. */
  const cutAll = (reason: string) => {
    state = 'down'
    world.cancel(ticker)
    const ended = [...subs]
    subs.clear()
    for (const sub of ended) {
      sub.handle?.abort()
      sub.sink.ended({ kind: 'retry', reason })
    }
  }

  const connect = () => {
    state = 'connecting'
    world.after(1 + Math.floor(random() * 40), 'mux open', () => {
      if (state !== 'connecting') return
      if (!backend.online) return cutAll('Failed to fetch')
      if (chance(rates.open)) {
        fault('mux open 5xx')
        return cutAll('502 injected on /mux')
      }
      state = 'up'
      for (const sub of subs) start(sub)
      tick()
    })
  }

  /** Once a second of connection: a cut, or a silence its watchdog ends (3 × heartbeat). */
  const tick = () => {
    ticker = world.after(1000, 'mux tick', () => {
      if (state !== 'up') return
      if (subs.size === 0) {
        state = 'down'
        return
      }
      if (chance(rates.cut)) {
        fault('mux cut')
        return cutAll('the multiplexed stream was cut')
      }
      if (chance(rates.stall)) {
        fault('mux stall')
        state = 'stalled'
        world.after(3 * heartbeatMs, 'mux watchdog', () => {
          if (state === 'stalled') cutAll(`no bytes on the multiplexed stream for ${3 * heartbeatMs} ms`)
        })
        return
      }
      tick()
    })
  }

  return {
    openStream(projectId, cursor, sink) {
      const sub: Sub = { projectId, cursor, sink, handle: undefined }
      subs.add(sub)
      if (state === 'down') connect()
      else if (state === 'up') {
        // A control POST adds it.
        world.after(1 + Math.floor(random() * 30), 'mux add', () => {
          if (!subs.has(sub) || state !== 'up') return
          if (chance(rates.control)) {
            fault('mux control 5xx')
            subs.delete(sub)
            return sink.ended({ kind: 'retry', reason: '503 injected on the control POST' })
          }
          start(sub)
        })
      }
      return {
        abort() {
          subs.delete(sub)
          sub.handle?.abort()
        },
      }
    },
  }
}
