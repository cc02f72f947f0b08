/**
 * The bad-input table at the hub: the real hub core over the real proxy, with a loopback relay
 * between proxy and backend that rewrites the backend's frames or answers the stream request
 * itself. Each row names what the tab shows; after every fault heals, the tab's list equals the
 * backend's log, and every seq reached the tab exactly once, in order.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, expect, test } from 'vitest'
import type { ProjectView } from '../../src/client/message-list'
import type { Clock } from '../../src/hub'
import type { HistoryResponse } from '../../src/protocol'
import { type RunningBackend, startBackend } from '../../src/server/backend'
import { createFakeClock } from '../helpers/fake-clock'
import { type FaultRelay, type FrameRewrite, frameId, startFaultRelay } from '../helpers/fault-relay'
import { createTestHub, range, seqsOf, type TestHub, type TestTab } from '../helpers/hub-harness'
import { startStack, TEST_SECRET, type TestStack } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let userCounter = 0
/** A user of its own per test, so each test starts with an empty IndexedDB database. */
const freshUser = () => `bad_input_${process.pid}_${++userCounter}`

const PROJECT = 'proj_bad_input'

interface Rig {
  backend: RunningBackend
  relay: FaultRelay
  stack: TestStack
  cookie: string
  testHub: TestHub
  tab: TestTab
}

/** Backend → fault relay → proxy → hub, one tab subscribed to PROJECT and connected. */
async function rig(
  options: {
    rewrite?: FrameRewrite | undefined
    heartbeatMs?: number | undefined
    clock?: Clock | undefined
  } = {},
): Promise<Rig> {
  const heartbeatMs = options.heartbeatMs ?? 20_000
  const backend = await startBackend({ port: 0, dbPath: ':memory:', secret: TEST_SECRET, heartbeatMs })
  cleanups.push(() => backend.close())
  const relay = await startFaultRelay(backend.url, options.rewrite)
  cleanups.push(() => relay.close())
  const stack = await startStack({ backendUrl: relay.url, heartbeatMs })
  cleanups.push(() => stack.close())
  const cookie = await stack.login(freshUser())
  const testHub = createTestHub({
    baseUrl: stack.url,
    cookie,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', PROJECT)
  await tab.until(PROJECT, (v) => v.status.status === 'connected')
  return { backend, relay, stack, cookie, testHub, tab }
}

/** Every seq the tab received, in arrival order: the last reset's snapshot, then each `messages` change. */
function deliveredSeqs(tab: TestTab, projectId: string): number[] {
  let seqs: number[] = []
  for (const batch of tab.batches) {
    if (batch.projectId !== projectId) continue
    for (const change of batch.changes) {
      if (change.type === 'reset') seqs = change.snapshot.messages.flatMap((m) => (m.seq ? [m.seq] : []))
      if (change.type === 'messages') seqs.push(...change.messages.flatMap((m) => (m.seq ? [m.seq] : [])))
    }
  }
  return seqs
}

/** The backend's log, read through the (healed) proxy's history API. */
async function backendLog(r: Rig): Promise<Array<[number, string, string]>> {
  const response = await r.stack.fetch(
    `/api/persistent-chat/messages?projectId=${PROJECT}&after_seq=0&limit=200`,
    {
      cookie: r.cookie,
    },
  )
  expect(response.status).toBe(200)
  const page = (await response.json()) as HistoryResponse
  return page.messages.map((m) => [m.seq, m.messageId, m.content.text])
}

/** The confirmed messages a view shows (optimistic ones have no seq). */
const shown = (view: ProjectView) =>
  view.messages.flatMap((m) => (m.seq === undefined ? [] : [[m.seq, m.id, m.text]]))

/** The tab shows exactly the backend's log, and received each seq once, in order. */
async function expectTabEqualsBackend(r: Rig): Promise<void> {
  const log = await backendLog(r)
  expect(log.length).toBe(r.backend.latestSeq(PROJECT))
  expect(shown(r.tab.view(PROJECT))).toEqual(log)
  expect(deliveredSeqs(r.tab, PROJECT)).toEqual(range(1, log.length))
}

async function projectStats(r: Rig) {
  const stats = (await r.testHub.hub.stats()).projects.find((p) => p.projectId === PROJECT)
  if (!stats) throw new Error('no stats for the project')
  return stats
}

const isNew = (frame: string) => frame.startsWith('event: message.new')
/** Replaces the JSON `"seq":N` of a frame. */
const withSeq = (frame: string, seq: string) => frame.replace(/"seq":\d+/, `"seq":${seq}`)

// ── frames the backend appears to send: the stream stays up ──────────────────────────────────

interface FrameFault {
  name: string
  /** Built per test, so a rewrite may keep state across frames. */
  rewrite: () => FrameRewrite
  /** Text of message i (1-based); default `m i`. */
  text?: (i: number) => string
  /** Extra assertions once the tab shows every message. */
  check?: (r: Rig) => Promise<void>
}

const backfilled = async (r: Rig) => {
  expect((await projectStats(r)).gapFills).toBeGreaterThan(0)
}
const ignoredWithoutReconnect = async (r: Rig) => {
  expect((await projectStats(r)).reconnects).toBe(0)
}

const FRAME_FAULTS: FrameFault[] = [
  {
    name: 'a repeated seq (the same frame twice) → shown once',
    rewrite: () => (frame) => (isNew(frame) ? frame + frame : frame),
    check: ignoredWithoutReconnect,
  },
  {
    name: 'a regressing seq (seq 2 again after 4, with other content) → ignored, the original stays',
    rewrite: () => (frame) =>
      isNew(frame) && frameId(frame) === '4'
        ? frame +
          withSeq(frame, '2')
            .replace(/^id: 4$/m, 'id: 2')
            .replace(/"text":"[^"]*"/, '"text":"stale copy"')
        : frame,
  },
  {
    name: 'malformed JSON with its id → backfilled from history',
    rewrite: () => (frame) =>
      isNew(frame) && frameId(frame) === '3'
        ? frame.replace(/^data: .*$/m, 'data: {"seq": 3, "content": ')
        : frame,
    check: backfilled,
  },
  ...['"3"', '-3', '0', '2.5', 'null', '1e400'].map(
    (seq): FrameFault => ({
      name: `seq ${seq} (not a positive integer) with id 3 → ignored, then backfilled from history`,
      rewrite: () => (frame) => (isNew(frame) && frameId(frame) === '3' ? withSeq(frame, seq) : frame),
      check: backfilled,
    }),
  ),
  {
    name: 'a message missing its messageId → ignored, then backfilled from history',
    rewrite: () => (frame) =>
      isNew(frame) && frameId(frame) === '3' ? frame.replace(/"messageId":"[^"]*",/, '') : frame,
    check: backfilled,
  },
  {
    name: 'a message of another project on this stream (id 5) → not shown; seq 5 backfilled from history',
    rewrite: () => (frame) =>
      isNew(frame) && frameId(frame) === '5'
        ? frame
            .replace(/"projectId":"[^"]*"/, '"projectId":"proj_elsewhere"')
            .replace(/"text":"[^"]*"/, '"text":"from elsewhere"')
        : frame,
    check: async (r) => {
      await backfilled(r)
      expect(r.tab.view(PROJECT).messages.map((m) => m.project_id)).toEqual(Array(6).fill(PROJECT))
    },
  },
  {
    name: 'a replay.end claiming a billion more messages than exist → a new window at the latest page, nothing invented',
    rewrite: () => (frame) =>
      frame.startsWith('event: replay.end')
        ? frame.replace(/"totalAvailable":\d+/, '"totalAvailable":1000000000')
        : frame,
  },
  {
    name: 'a replay.end with a negative totalAvailable → ignored',
    rewrite: () => (frame) =>
      frame.startsWith('event: replay.end')
        ? frame.replace(/"totalAvailable":\d+/, '"totalAvailable":-5')
        : frame,
    check: ignoredWithoutReconnect,
  },
  {
    name: 'unknown event names between messages → ignored',
    rewrite: () => (frame) =>
      isNew(frame)
        ? `event: build.status\ndata: {"build_id":"b1","status":"running"}\n\n` +
          `event: presence.updated\ndata: not json\n\n` +
          `event: typing\n\n` +
          `data: an unnamed event\n\n` +
          frame
        : frame,
    check: ignoredWithoutReconnect,
  },
  {
    name: 'a 1 MB message → delivered intact',
    rewrite: () => (frame) => frame,
    text: (i) => (i === 3 ? `${'é'.repeat(256 * 1024)}${'x'.repeat(512 * 1024)}` : `m ${i}`),
    check: async (r) => {
      const big = r.tab.view(PROJECT).messages[2]
      expect(big?.text.length).toBe(768 * 1024)
      expect(big?.text.startsWith('éé')).toBe(true)
    },
  },
  {
    name: '`retry:` garbage → ignored',
    rewrite: () => (frame) =>
      isNew(frame) ? `retry: soon\nretry: -5\nretry: 1e3\nretry:\n\n${frame}` : frame,
    check: ignoredWithoutReconnect,
  },
  {
    name: 'a byte order mark and CRLF line endings from upstream → decoded fine',
    rewrite: () => (frame) => {
      const crlf = frame.replaceAll('\n', '\r\n')
      return frame.startsWith('event: connection.established') ? `\uFEFF${crlf}` : crlf
    },
    check: ignoredWithoutReconnect,
  },
  {
    name: 'CR-only line endings from upstream → decoded fine',
    rewrite: () => (frame) => frame.replaceAll('\n', '\r'),
    check: ignoredWithoutReconnect,
  },
  {
    name: 'a comment flood between messages → ignored',
    rewrite: () => (frame) => (isNew(frame) ? `${': ping\n'.repeat(1000)}\n${frame}` : frame),
    check: ignoredWithoutReconnect,
  },
]

test.each(FRAME_FAULTS)('$name', async ({ rewrite, text = (i) => `m ${i}`, check }) => {
  const r = await rig({ rewrite: rewrite() })

  for (let i = 1; i <= 6; i++) r.backend.append(PROJECT, 'peer', text(i))

  await r.tab.until(PROJECT, (v) => seqsOf(v).length === 6)
  await expectTabEqualsBackend(r)
  await check?.(r)
})

test('a frame whose seq is beyond the backend’s log → not shown; the real message with that seq is, once it exists', async () => {
  // Message 6 arrives as a seq-7 frame with other content: the hub pages 6 from history, whose
  // latestSeq says there is no 7 yet.
  const r = await rig({
    rewrite: (frame) =>
      isNew(frame) && frameId(frame) === '6'
        ? withSeq(frame, '7')
            .replace(/^id: 6$/m, 'id: 7')
            .replace(/"messageId":"[^"]*"/, '"messageId":"msg_phantom"')
            .replace(/"text":"[^"]*"/, '"text":"phantom"')
        : frame,
  })
  for (let i = 1; i <= 6; i++) r.backend.append(PROJECT, 'peer', `m ${i}`)
  await r.tab.until(PROJECT, (v) => (seqsOf(v).at(-1) ?? 0) >= 6)
  await expectTabEqualsBackend(r)

  r.backend.append(PROJECT, 'peer', 'm 7')

  await r.tab.until(PROJECT, (v) => seqsOf(v).length === 7)
  await expectTabEqualsBackend(r)
})

// ── answers to the stream request: the hub backs off, then recovers once the relay heals ────

interface ResponseFault {
  name: string
  /** Answers the backend stream request instead of the backend. */
  respond: (req: IncomingMessage, res: ServerResponse, relayUrl: string) => void
  /** The reconnecting reason the tab shows while the fault lasts. */
  reason: RegExp
}

const eventStream = { 'content-type': 'text/event-stream' }

const RESPONSE_FAULTS: ResponseFault[] = [
  {
    name: 'a 200 with text/html → reconnecting with backoff, then recovers with no message lost',
    respond: (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Welcome</h1>'),
    reason: /^502 Backend answered the stream without text\/event-stream/,
  },
  {
    name: 'a 200 with application/json → reconnecting with backoff, then recovers with no message lost',
    respond: (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"messages":[]}'),
    reason: /^502 /,
  },
  {
    name: 'a 200 without a content type → reconnecting with backoff, then recovers with no message lost',
    respond: (_req, res) => res.writeHead(200).end('event: message.new\ndata: {}\n\n'),
    reason: /^502 /,
  },
  ...[301, 302, 303, 307, 308].map(
    (status): ResponseFault => ({
      name: `a ${status} redirect → not followed; reconnecting, then recovers with no message lost`,
      respond: (_req, res, relayUrl) =>
        res.writeHead(status, { location: `${relayUrl}/redirected${_req.url}` }).end(),
      reason: /^502 /,
    }),
  ),
  ...[300, 304].map(
    (status): ResponseFault => ({
      name: `a ${status} → reconnecting, then recovers with no message lost`,
      respond: (_req, res) => res.writeHead(status).end(),
      reason: /^502 /,
    }),
  ),
  {
    name: 'a 204 → reconnecting, then recovers with no message lost',
    respond: (_req, res) => res.writeHead(204).end(),
    reason: /^502 /,
  },
  {
    name: 'an empty 200 event stream → reconnecting, then recovers with no message lost',
    respond: (_req, res) => res.writeHead(200, eventStream).end(),
    reason: /^the stream ended$/,
  },
  {
    name: 'a 200 event stream of binary garbage → reconnecting, then recovers with no message lost',
    respond: (_req, res) =>
      res
        .writeHead(200, eventStream)
        .end(Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0xc3, 0x28, 0x0a, 0x0a])),
    reason: /^the stream ended$/,
  },
  {
    name: 'a stream cut in the middle of a frame → reconnecting, then recovers with no message lost',
    respond: (_req, res) => {
      res.writeHead(200, eventStream)
      res.write('event: message.new\nid: 99\ndata: {"seq":99,', () => res.destroy())
    },
    reason: /./,
  },
  {
    name: 'a 503 with an HTML body → reconnecting, then recovers with no message lost',
    respond: (_req, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>Down</h1>'),
    reason: /^503 Backend responded 503\.$/,
  },
]

/**
 * Backend → relay → proxy → hub on a fake clock, connected with 3 messages; then every stream
 * request gets `respond` and the current stream ends. Returns once the tab shows the fault's
 * own reconnecting status (attempt 2: the first was the ended stream).
 */
async function faultedRig(respond: ResponseFault['respond'], options: { heartbeatMs?: number } = {}) {
  const clock = createFakeClock()
  const r = await rig({ clock, heartbeatMs: options.heartbeatMs })
  for (let i = 1; i <= 3; i++) r.backend.append(PROJECT, 'peer', `before ${i}`)
  await r.tab.until(PROJECT, (v) => seqsOf(v).length === 3)
  r.relay.setRespond((req, res) => {
    if (!(req.url ?? '').includes('/chat/stream')) return false
    respond(req, res, r.relay.url)
    return true
  })
  r.relay.endStreams()
  await r.tab.until(PROJECT, (v) => v.status.status === 'reconnecting' && v.status.attempt === 1)
  await clock.advance(30_000) // the backoff wait (at most 1 s): the next attempt meets the fault
  return { r, clock }
}

/** Messages posted while the fault lasts, then the relay heals and the backoff wait passes. */
async function healAndExpectNothingLost(r: Rig, clock: ReturnType<typeof createFakeClock>): Promise<void> {
  for (let i = 4; i <= 6; i++) r.backend.append(PROJECT, 'peer', `during ${i}`)
  r.relay.setRespond(null)
  await clock.advance(30_000)
  await r.tab.until(PROJECT, (v) => v.status.status === 'connected' && seqsOf(v).length === 6)
  await expectTabEqualsBackend(r)
  const statuses = r.tab.batches
    .flatMap((b) => b.changes)
    .flatMap((c) => (c.type === 'status' ? [c.status.status] : []))
  expect(statuses.filter((s) => s !== 'connected' && s !== 'reconnecting' && s !== 'connecting')).toEqual([])
}

test.each(RESPONSE_FAULTS)('$name', async ({ respond, reason }) => {
  const { r, clock } = await faultedRig(respond)

  await r.tab.until(
    PROJECT,
    (v) => v.status.status === 'reconnecting' && v.status.attempt === 2 && reason.test(v.status.reason),
  )

  await healAndExpectNothingLost(r, clock)
  expect(r.relay.requests.filter((request) => request.url.startsWith('/redirected'))).toEqual([])
})

test('headers then silence → connected until 2.5 × heartbeat passes without a byte, then reconnecting; resumes with no message lost', async () => {
  const heartbeatMs = 300
  const { r, clock } = await faultedRig((_req, res) => void res.writeHead(200, eventStream).flushHeaders(), {
    heartbeatMs,
  })
  await r.tab.until(PROJECT, (v) => v.status.status === 'connected')

  await clock.advance(2.5 * heartbeatMs - 1)
  expect(r.tab.view(PROJECT).status.status).toBe('connected')
  await clock.advance(1)

  await r.tab.until(PROJECT, (v) => v.status.status === 'reconnecting' && v.status.attempt === 2)
  expect(r.tab.view(PROJECT).status).toMatchObject({ reason: 'no bytes for 750 ms (2.5 × heartbeat)' })
  await healAndExpectNothingLost(r, clock)
})

test.each([
  ['2', 2_000],
  ['0', 1_000],
  ['-1', 1_000],
  ['Wed, 21 Oct 2015 07:28:00 GMT (in the past)', 1_000],
  ['soon', 5_000],
  ['', 5_000],
] as const)(
  'a 429 with Retry-After: %s → rate_limited for %i ms of fake time, never a tight loop; then recovers with no message lost',
  async (header, waitMs) => {
    const clock = createFakeClock()
    const r = await rig({ clock })
    r.backend.append(PROJECT, 'peer', 'before 1')
    await r.tab.until(PROJECT, (v) => seqsOf(v).length === 1)
    r.relay.setRespond((req, res) => {
      if (!(req.url ?? '').includes('/chat/stream')) return false
      res
        .writeHead(429, { 'retry-after': header.replace(/ \(.*\)$/, ''), 'content-type': 'application/json' })
        .end('{"error":{"code":"too_many_streams","message":"too many open streams"}}')
      return true
    })
    r.relay.endStreams()
    await r.tab.until(PROJECT, (v) => v.status.status === 'reconnecting')
    await clock.advance(30_000)

    await r.tab.until(PROJECT, (v) => v.status.status === 'rate_limited')
    const { status } = r.tab.view(PROJECT)
    expect(status.status === 'rate_limited' && status.retryAt - clock.now()).toBe(waitMs)
    r.backend.append(PROJECT, 'peer', 'during 2')
    r.relay.setRespond(null)
    await clock.advance(waitMs)
    await r.tab.until(PROJECT, (v) => v.status.status === 'connected' && seqsOf(v).length === 2)
    await expectTabEqualsBackend(r)
  },
)

// ── what a tab passes in: a described error before any request, the channel unharmed ────────

type HubCall = (hub: TestHub['hub']) => Promise<unknown>

const TAB_CALLS: Array<[string, HubCall]> = [
  ['subscribe to ../x', (hub) => hub.subscribe('t', '../x')],
  ['subscribe to prоj (a Cyrillic о)', (hub) => hub.subscribe('t', 'prоj')],
  ['subscribe to a number', (hub) => hub.subscribe('t', 42 as unknown as string)],
  ['send to ../x', (hub) => hub.send('t', '../x', { text: 'hi' })],
  ['send an empty text', (hub) => hub.send('t', PROJECT, { text: '' })],
  ['send a whitespace-only text', (hub) => hub.send('t', PROJECT, { text: ' \n\t' })],
  ['send a number as text', (hub) => hub.send('t', PROJECT, { text: 5 as unknown as string })],
  ['send without a draft', (hub) => hub.send('t', PROJECT, null as unknown as { text: string })],
  ['load older from ../x', (hub) => hub.loadOlder('t', '../x', 3, 10)],
  ['load older before NaN', (hub) => hub.loadOlder('t', PROJECT, Number.NaN, 10)],
  ['load older before seq -5', (hub) => hub.loadOlder('t', PROJECT, -5, 10)],
  ['load older before seq 2.5', (hub) => hub.loadOlder('t', PROJECT, 2.5, 10)],
  ['load older before "3" (a string)', (hub) => hub.loadOlder('t', PROJECT, '3' as unknown as number, 10)],
  ['load older with a NaN limit', (hub) => hub.loadOlder('t', PROJECT, 3, Number.NaN)],
]

test.each(TAB_CALLS)(
  'a tab that calls %s → invalid_argument before any request; the channel still delivers',
  async (_what, call) => {
    const r = await rig()
    r.backend.append(PROJECT, 'peer', 'm 1')
    await r.tab.until(PROJECT, (v) => seqsOf(v).length === 1)
    const requestsBefore = r.testHub.requests.length

    await expect(call(r.testHub.hub)).rejects.toEqual({
      code: 'invalid_argument',
      message: expect.any(String),
    })

    expect(r.testHub.requests.length).toBe(requestsBefore)
    r.backend.append(PROJECT, 'peer', 'm 2')
    await r.tab.until(PROJECT, (v) => seqsOf(v).length === 2)
    await expectTabEqualsBackend(r)
  },
)

test.each([
  ['a text over 32 KiB', 413, { text: 'x'.repeat(32 * 1024 + 1) }],
  ['a mode the proxy refuses', 400, { text: 'hi', mode: 'not a mode' }],
])(
  'a send with %s → queued, then failed with %i and a reason; nothing stored, the channel still delivers',
  async (_what, code, draft) => {
    const r = await rig()

    const entry = await r.testHub.hub.send('t', PROJECT, draft)

    await r.tab.until(PROJECT, (v) => v.outbox.some((e) => e.status.state === 'failed'))
    expect(r.tab.view(PROJECT).outbox).toEqual([
      expect.objectContaining({
        client_msg_id: entry.client_msg_id,
        status: { state: 'failed', attempts: 1, code, reason: expect.any(String) },
      }),
    ])
    expect(r.backend.latestSeq(PROJECT)).toBe(0)
    r.backend.append(PROJECT, 'peer', 'm 1')
    await r.tab.until(PROJECT, (v) => seqsOf(v).length === 1)
    await expectTabEqualsBackend(r)
  },
)
