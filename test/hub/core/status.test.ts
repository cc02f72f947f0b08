/**
 * Spec: the status tabs see is derived from the phase, and each kind of failure gets its own
 * answer — back off with full jitter, wait as told, or stop until asked.
 */
import { expect, test } from 'vitest'
import { cache, historyAsked, only, openedFrom, specChannel, sse } from './spec'

test('connecting until the stream answers; connected only while it is open', () => {
  const c = specChannel()
  const connection = c.startWith(cache(1, 10))
  expect(c.status()).toEqual({ status: 'connecting' })
  const fx = c.input({ type: 'stream_opened', connection, heartbeatMs: 20_000 })
  expect(c.status()).toEqual({ status: 'connected' })
  expect(only(fx, 'emit')[0]?.changes).toEqual([{ type: 'status', status: { status: 'connected' } }])
  expect(only(fx, 'set_timer')).toEqual([{ type: 'set_timer', name: 'stall', ms: 50_000 }])
})

test('a network error or 5xx backs off with full jitter (base 1 s) and says so; the timer reconnects', () => {
  const c = specChannel()
  let connection = c.startWith(cache(1, 10))
  let fx = c.input({ type: 'stream_ended', connection, failure: { kind: 'retry', reason: '503 busy' } })
  expect(c.status()).toEqual({ status: 'reconnecting', attempt: 1, retryAt: c.now + 500, reason: '503 busy' })
  expect(only(fx, 'set_timer')).toEqual([{ type: 'set_timer', name: 'reconnect', ms: 500 }])
  fx = c.input({ type: 'timer', name: 'reconnect' })
  connection = c.idOf(fx, 'open_stream')
  expect(c.status().status).toBe('reconnecting') // still trying again, not `connecting`
  fx = c.input({ type: 'stream_ended', connection, failure: { kind: 'retry', reason: 'reset' } })
  expect(only(fx, 'set_timer')).toEqual([{ type: 'set_timer', name: 'reconnect', ms: 1000 }]) // 0.5 × 2 s
})

test('the backoff attempt count resets once a connection stayed up minUptimeMs', () => {
  const c = specChannel()
  let connection = c.startWith(cache(1, 10))
  for (let i = 0; i < 3; i++) {
    c.input({ type: 'stream_ended', connection, failure: { kind: 'retry', reason: 'x' } })
    connection = c.idOf(c.input({ type: 'timer', name: 'reconnect' }), 'open_stream')
  }
  c.input({ type: 'stream_opened', connection, heartbeatMs: 20_000 })
  c.advance(6_000)
  c.input({ type: 'stream_ended', connection, failure: { kind: 'retry', reason: 'x' } })
  expect(c.status()).toMatchObject({ status: 'reconnecting', attempt: 1 })
})

test('429 waits Retry-After and shows rate_limited with the retry time', () => {
  const c = specChannel()
  const connection = c.startWith(cache(1, 10))
  const fx = c.input({
    type: 'stream_ended',
    connection,
    failure: { kind: 'rate_limited', retryAfterMs: 7000, reason: 'too many streams' },
  })
  expect(c.status()).toEqual({ status: 'rate_limited', retryAt: c.now + 7000 })
  expect(only(fx, 'set_timer')).toEqual([{ type: 'set_timer', name: 'reconnect', ms: 7000 }])
  // The browser coming online does not cut a 429 wait short.
  expect(only(c.input({ type: 'online' }), 'open_stream')).toEqual([])
})

test('401 stops the whole session until asked: the shell is told, nothing is requested, reconnect resumes', () => {
  const c = specChannel()
  const connection = c.startWith(cache(1, 10))
  const fx = c.input({
    type: 'stream_ended',
    connection,
    failure: { kind: 'auth', code: 401, reason: 'expired' },
  })
  expect(only(fx, 'unauthenticated')).toEqual([{ type: 'unauthenticated', code: 401, reason: 'expired' }])
  expect(c.status()).toEqual({ status: 'auth_failed', code: 401, reason: 'expired' })
  expect(only(fx, 'set_timer', 'open_stream', 'fetch_history')).toEqual([])
  for (const input of [{ type: 'online' }, { type: 'timer', name: 'reconnect' }] as const)
    expect(only(c.input(input), 'open_stream', 'fetch_history')).toEqual([])
  expect(only(c.input({ type: 'reconnect' }), 'open_stream')).toHaveLength(1)
})

test('403 stops this project only (no session-wide signal)', () => {
  const c = specChannel()
  const connection = c.startWith(cache(1, 10))
  const fx = c.input({
    type: 'stream_ended',
    connection,
    failure: { kind: 'auth', code: 403, reason: 'not a member' },
  })
  expect(only(fx, 'unauthenticated')).toEqual([])
  expect(c.status()).toMatchObject({ status: 'auth_failed', code: 403 })
})

test('a history 401 stops requesting too', () => {
  const { c, connection } = openedFrom(1, 10)
  let fx = c.input({ type: 'stream_chunk', connection, events: [sse.replayEnd(10, 50)] })
  fx = c.refuse(fx, { kind: 'auth', code: 401, reason: 'expired' })
  expect(only(fx, 'abort_stream', 'unauthenticated').map((e) => e.type)).toEqual([
    'abort_stream',
    'unauthenticated',
  ])
  expect(c.status().status).toBe('auth_failed')
})

test('offline ends the stream and shows offline; online retries at once', () => {
  const { c, connection } = openedFrom(1, 10)
  const fx = c.input({ type: 'offline' })
  expect(only(fx, 'abort_stream')).toEqual([{ type: 'abort_stream', connection }])
  expect(c.status()).toEqual({ status: 'offline' })
  expect(only(c.input({ type: 'online' }), 'open_stream')).toHaveLength(1)
})

test('started offline: offline at once, and nothing requested', () => {
  const c = specChannel()
  c.input({ type: 'start', online: false })
  const fx = c.input({ type: 'cache_loaded', record: undefined, messages: [] })
  expect(c.status()).toEqual({ status: 'offline' })
  expect(historyAsked(fx)).toEqual([])
})

test('no bytes for 2.5 × heartbeat: the stream is ended and retried; bytes keep it alive', () => {
  const c = specChannel()
  const connection = c.startWith(cache(1, 10))
  c.input({ type: 'stream_opened', connection, heartbeatMs: 1_000 })
  c.advance(2_000)
  c.input({ type: 'stream_chunk', connection, events: [] }) // a heartbeat
  c.advance(500)
  let fx = c.input({ type: 'timer', name: 'stall' })
  expect(only(fx, 'set_timer')).toEqual([{ type: 'set_timer', name: 'stall', ms: 2_000 }])
  c.advance(2_000)
  fx = c.input({ type: 'timer', name: 'stall' })
  expect(only(fx, 'abort_stream')).toEqual([{ type: 'abort_stream', connection }])
  expect(c.status()).toMatchObject({
    status: 'reconnecting',
    reason: 'no bytes for 2500 ms (2.5 × heartbeat)',
  })
})

test('the wall clock going back does not stretch the stall watchdog', () => {
  const c = specChannel()
  const connection = c.startWith(cache(1, 10))
  c.input({ type: 'stream_opened', connection, heartbeatMs: 1_000 })
  c.advance(-3_600_000)
  const fx = c.input({ type: 'timer', name: 'stall' })
  expect(only(fx, 'set_timer')).toEqual([{ type: 'set_timer', name: 'stall', ms: 2_500 }])
})

test('the server’s retry: field is the base of the backoff', () => {
  const { c, connection } = openedFrom(1, 10)
  c.input({ type: 'stream_chunk', connection, events: [], retryMs: 10_000 })
  const fx = c.input({
    type: 'stream_ended',
    connection,
    failure: { kind: 'retry', reason: 'the stream ended' },
  })
  expect(only(fx, 'set_timer')).toEqual([{ type: 'set_timer', name: 'reconnect', ms: 5_000 }])
})
