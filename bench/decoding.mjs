#!/usr/bin/env node
/**
 * SSE decoding: our pipeline (`createEventStreamDecoder` bytes → events, `decodeEvent` checks
 * each payload against the contract, `toPersistentChatMessage`) against the naive one a client
 * without checks runs (TextDecoder → eventsource-parser 4 → `JSON.parse` → the seed's mapping,
 * bench/seed-message.ts), on the same ~50 MB of realistic bytes, in one process, interleaved
 * round by round; medians and min–max are reported. Two more rows compare the parsers alone
 * on the same decoded strings: ours and eventsource-parser's.
 *
 * Events: `message.new` with chat texts of 10–2,000 characters (some non-ASCII), one in ten
 * an assistant build event with `response_data`, a `presence.updated` every 50 events and a
 * `: ping` every 200, cut into chunks of 1–32 KiB at arbitrary byte offsets.
 *
 * The goal: ours, checking every payload, at least as fast as the naive pipeline, which
 * checks nothing (naive time ÷ ours per round, median of the rounds).
 *
 * Usage: node --expose-gc bench/decoding.mjs [--quick] [--rounds=N]. Prints one JSON line.
 */

import { createParser as createEventsourceParser } from 'eventsource-parser'
import { ensureBuilt, nodeDir } from './support/build.mjs'
import { goal, roundsArg, spread, spreadText } from './support/goals.mjs'
import { load1, ratio, round } from './support/stats.mjs'

const quick = process.argv.includes('--quick')
const TARGET_BYTES = (quick ? 10 : 50) * 1024 * 1024
const ROUNDS = roundsArg(quick ? 3 : 7)

await ensureBuilt()
const loadStart = load1()
const { createEventStreamDecoder, createParser, decodeEvent, toPersistentChatMessage } = await import(
  `${nodeDir}/sse.mjs`
)
const { transformBackendMessage } = await import(`${nodeDir}/seed-message.mjs`)

/** A small deterministic PRNG (mulberry32), so every run decodes the same bytes. */
function random(seed) {
  let state = seed
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function makeStream() {
  const next = random(42)
  const words = [
    'the',
    'build',
    'page',
    'deploy',
    'looks',
    'good',
    'préview',
    'naïve',
    'café',
    '日本語',
    '👍',
    'ship',
    'it',
    'hello',
    'world',
  ]
  const text = () => {
    const length = 10 + Math.floor(next() ** 3 * 1990)
    let out = ''
    while (out.length < length) out += `${words[Math.floor(next() * words.length)]} `
    return out.slice(0, length)
  }
  const frames = []
  let bytes = 0
  let seq = 0
  const push = (frame) => {
    frames.push(frame)
    bytes += Buffer.byteLength(frame)
  }
  while (bytes < TARGET_BYTES) {
    seq++
    const build = seq % 10 === 0
    const data = {
      seq,
      messageId: `msg_01J${seq.toString(36).padStart(23, '0')}`,
      client_msg_id: build ? null : `client_01J${seq.toString(36).padStart(20, '0')}`,
      projectId: 'proj_789',
      userId: build ? 'assistant' : `user_${seq % 7}`,
      content: {
        text: text(),
        type: build ? 'assistant' : 'user',
        mode: 'build',
        actor_type: build ? 'assistant' : 'client',
      },
      timestamp: new Date(Date.UTC(2025, 7, 27, 10, 30) + seq * 1000).toISOString(),
      metadata: build
        ? {
            build_id: `build_${seq}`,
            response_data: {
              type: 'build_completed',
              buildId: `build_${seq}`,
              message: '🎉 Build completed!',
            },
          }
        : { build_id: null, response_data: null },
    }
    push(`event: message.new\nid: ${seq}\ndata: ${JSON.stringify(data)}\n\n`)
    if (seq % 50 === 0)
      push(
        `event: presence.updated\ndata: {"projectId":"proj_789","userId":"user_${seq % 7}","status":"online"}\n\n`,
      )
    if (seq % 200 === 0) push(': ping\n\n')
  }
  const all = Buffer.from(frames.join(''))
  const chunks = []
  for (let at = 0; at < all.length; ) {
    const size = 1024 + Math.floor(next() * 31 * 1024)
    chunks.push(new Uint8Array(all.subarray(at, at + size)))
    at += size
  }
  // eventsource-parser takes strings: decode once, outside the timed part.
  const decoder = new TextDecoder()
  const strings = chunks.map((chunk) => decoder.decode(chunk, { stream: true }))
  return { bytes: all.length, messages: seq, chunks, strings }
}

const stream = makeStream()

/** Each implementation: feeds the whole stream once, returns how many events it produced. */
const implementations = {
  'ours: bytes → decodeEvent → toPersistentChatMessage': () => {
    let count = 0
    const decoder = createEventStreamDecoder({
      onEvent(event) {
        const decoded = decodeEvent(event)
        if (!decoded.ok) throw new Error(decoded.error.message)
        if (decoded.event.type === 'message.new') toPersistentChatMessage(decoded.event.data)
        count++
      },
    })
    for (const chunk of stream.chunks) decoder.feed(chunk)
    decoder.end()
    return count
  },
  'naive: bytes → TextDecoder → eventsource-parser 4 → JSON.parse → mapping, no checks': () => {
    let count = 0
    const parser = createEventsourceParser({
      onEvent(event) {
        const data = JSON.parse(event.data)
        if (event.event === 'message.new') transformBackendMessage(data)
        count++
      },
    })
    const decoder = new TextDecoder()
    for (const chunk of stream.chunks) parser.feed(decoder.decode(chunk, { stream: true }))
    return count
  },
  'eventsource-parser 4 alone (strings)': () => {
    let count = 0
    const parser = createEventsourceParser({ onEvent: () => count++ })
    for (const chunk of stream.strings) parser.feed(chunk)
    return count
  },
  'ours: parser alone (strings)': () => {
    let count = 0
    const parser = createParser({ onEvent: () => count++ })
    for (const chunk of stream.strings) parser.feed(chunk)
    return count
  },
}

const times = Object.fromEntries(Object.keys(implementations).map((name) => [name, []]))
const counts = {}
// One warm-up pass each, then ROUNDS timed passes, interleaved so noise hits all alike.
for (let round = -1; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(implementations)) {
    globalThis.gc?.()
    const started = performance.now()
    counts[name] = run()
    const ms = performance.now() - started
    if (round >= 0) times[name].push(ms)
  }
}

const mb = stream.bytes / 1e6
const results = Object.entries(times).map(([name, list]) => {
  const { median: ms, min, max } = spread(list)
  return {
    implementation: name,
    'median ms': round(ms, 1),
    'min–max ms': `${round(min, 1)}–${round(max, 1)}`,
    'MB/s': round(mb / (ms / 1000), 1),
    'events/s': Math.round(counts[name] / (ms / 1000)),
    events: counts[name],
  }
})
const [ours, naive, eventsourceParser, ourParser] = results
/** How many times as fast ours is as the naive pipeline, per round (both ran in every round). */
const speedups = times[ours.implementation].map((ms, i) => times[naive.implementation][i] / ms)
const speedup = spread(speedups)
console.log(
  JSON.stringify({
    benchmark: 'decoding',
    quick,
    config: {
      megabytes: round(mb, 1),
      messages: stream.messages,
      chunks: stream.chunks.length,
      rounds: ROUNDS,
      gcBetweenRuns: typeof globalThis.gc === 'function',
    },
    load1: { start: loadStart, end: load1() },
    results,
    /** How many times as long ours takes as the other (above 1: ours is slower). */
    timeRatios: {
      oursFullVsEventsourceParserAlone: ratio(ours['median ms'], eventsourceParser['median ms']),
      ourParserVsEventsourceParser: ratio(ourParser['median ms'], eventsourceParser['median ms']),
      oursFullVsNaiveDecode: ratio(ours['median ms'], naive['median ms']),
    },
    goals: [
      goal('decoding: ours (checked) as fast as the naive pipeline, same bytes', {
        value: round(speedup.median, 2),
        limit: 1,
        atMost: false,
        detail: `naive ms ÷ ours ms per round, median (min–max) ${spreadText(speedups, 2)} over ${ROUNDS} rounds`,
      }),
    ],
    summary: results,
  }),
)
