/**
 * The model hub's shell for one channel's effects: each effect carried out against the model
 * backend, store, transport and tabs, as `project-channel.ts` carries them out with fetch,
 * IndexedDB and timers.
 */
import { type ChannelEffect, type ChannelInput, snapshotOf } from '../../src/hub/core'
import { createChunkDecoder } from '../../src/hub/stream-transport'
import type { ChannelChange } from '../../src/protocol'
import type { HubOptions, HubTab, ModelHub, SimChannel } from './hub'

/** @internal What a channel's effects reach besides the channel. */
export interface EffectWorld {
  options: HubOptions
  stats: ModelHub['stats']
  /** The tab that asked each scrollback request. */
  olderAskers: Map<number, HubTab>
  dispatch(channel: SimChannel, input: ChannelInput): void
  /** Tell the channel's subscribed tabs. */
  tell(channel: SimChannel, changes: ChannelChange[]): void
  /** A 401: the session suspends every other channel and the outbox. */
  unauthenticated(channel: SimChannel, code: number, reason: string): void
}

/** @internal Carry out one effect of `channel`'s step. */
export function runEffect(w: EffectWorld, channel: SimChannel, effect: ChannelEffect) {
  const { options, stats } = w
  const { world, backend, store, config } = options
  const { projectId } = channel
  const dispatch = (input: ChannelInput) => w.dispatch(channel, input)
  switch (effect.type) {
    case 'load_cache':
      world.after(store.latency(), 'load cache', () => {
        const found = store.loadProject(projectId, config.windowSize)
        dispatch({ type: 'cache_loaded', record: found.record, messages: found.messages })
      })
      return
    case 'open_stream': {
      stats.streamOpens++
      if (channel.connections.size > 0) options.violation(`${projectId}: a second stream while one is open`)
      const { connection } = effect
      const decoder = createChunkDecoder()
      const handle = options.transport.openStream(projectId, effect.cursor, {
        opened: () => dispatch({ type: 'stream_opened', connection, heartbeatMs: config.heartbeatMs }),
        bytes(bytes) {
          const { events, retryMs } = decoder.feed(bytes)
          dispatch({ type: 'stream_chunk', connection, events, retryMs })
        },
        ended(failure) {
          channel.connections.delete(connection)
          decoder.end()
          dispatch({ type: 'stream_ended', connection, failure })
        },
      })
      channel.connections.set(connection, handle)
      return
    }
    case 'abort_stream':
      channel.connections.get(effect.connection)?.abort()
      channel.connections.delete(effect.connection)
      return
    case 'fetch_history': {
      stats.historyRequests++
      const { query, request } = effect
      if (!('afterSeq' in query) && !('beforeSeq' in query))
        options.violation(`${projectId}: a history request without a cursor`)
      backend.history(projectId, query, (result) => {
        if (!result.ok) stats.historyFailures++
        dispatch({ type: 'history_result', request, result })
      })
      return
    }
    case 'abort_history':
      return // the core ignores the answer of an aborted request
    case 'read_cache':
      world.after(store.latency(), 'read cache', () =>
        dispatch({
          type: 'cache_read',
          request: effect.request,
          messages: store.loadBefore(projectId, effect.beforeSeq, effect.limit),
        }),
      )
      return
    case 'commit':
      store.commit(projectId, effect.batch, (ok) =>
        dispatch(
          ok
            ? { type: 'commit_done', commit: effect.commit }
            : { type: 'commit_failed', commit: effect.commit, reason: 'AbortError' },
        ),
      )
      return
    case 'emit':
      return w.tell(channel, effect.changes)
    case 'emit_reset':
      return w.tell(channel, [
        { type: 'reset', snapshot: snapshotOf(channel.state, options.outbox.entries(projectId)) },
      ])
    case 'settle':
      for (const id of options.outbox.settle(effect.clientMsgIds)) {
        if (!effect.stored) w.tell(channel, [{ type: 'outbox', upsert: [], remove: [id] }])
      }
      return
    case 'answer_older': {
      const tab = w.olderAskers.get(effect.request)
      w.olderAskers.delete(effect.request)
      return tab?.olderAnswered(effect.answer)
    }
    case 'set_timer': {
      world.cancel(channel.timers.get(effect.name))
      const name = effect.name
      channel.timers.set(
        name,
        world.after(effect.ms, `timer ${name}`, () => {
          channel.timers.delete(name)
          dispatch({ type: 'timer', name })
        }),
      )
      return
    }
    case 'clear_timer':
      world.cancel(channel.timers.get(effect.name))
      channel.timers.delete(effect.name)
      return
    case 'unauthenticated':
      return w.unauthenticated(channel, effect.code, effect.reason)
    case 'log':
      return
  }
}
