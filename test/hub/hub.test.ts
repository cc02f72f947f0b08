/**
 * The hub core in Node, against the real proxy and reference backend on loopback: one stream
 * per (user, project), grace close, resume after a backend restart, auth and rate limits,
 * and the persistent outbox.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { type RunningBackend, startBackend } from '../../src/server/backend'
import { openChatStore } from '../../src/store'
import { createFakeClock } from '../helpers/fake-clock'
import { frameId, startFaultRelay } from '../helpers/fault-relay'
import { createTestHub, range, seqsOf, storedMessages } from '../helpers/hub-harness'
import { openSse, startStack, TEST_SECRET, type TestStack, waitFor } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let userCounter = 0
/** A user id of its own per test, so each test gets fresh IndexedDB databases. */
const freshUser = (name: string) => `${name}_${process.pid}_${++userCounter}`

async function stack(overrides: Parameters<typeof startStack>[0] = {}): Promise<TestStack> {
  const started = await startStack(overrides)
  cleanups.push(() => started.close())
  return started
}

test('two tabs on one project share one upstream stream; two projects use two; the last tab leaving closes it after the grace period', async () => {
  const s = await stack()
  const user = freshUser('alice')
  const backend = s.server.backend as RunningBackend
  const testHub = createTestHub({
    baseUrl: s.url,
    cookie: await s.login(user),
    config: { closeGraceMs: 300 },
  })
  const { hub } = testHub
  cleanups.push(() => hub.close())
  await Promise.all(['t1', 't2'].map((id) => testHub.tab(id).hello()))

  await hub.subscribe('t1', 'proj_a')
  await hub.subscribe('t2', 'proj_a')
  await waitFor(() => backend.openStreams(user) === 1, 5000, 'one stream')
  await hub.subscribe('t2', 'proj_b')
  await waitFor(() => backend.openStreams(user) === 2, 5000, 'two streams')
  expect((await hub.stats()).connections).toBe(2)

  await hub.unsubscribe('t1', 'proj_a')
  await hub.unsubscribe('t2', 'proj_a')
  expect(backend.openStreams(user)).toBe(2) // still within the grace period
  await waitFor(() => backend.openStreams(user) === 1, 3000, 'proj_a closed after grace')
  expect((await hub.stats()).projects.map((p) => p.projectId)).toEqual(['proj_b'])
})

test('a message posted by another client reaches every subscribed tab once, in seq order, and is stored', async () => {
  const s = await stack()
  const user = freshUser('bob')
  const backend = s.server.backend as RunningBackend
  for (let i = 1; i <= 3; i++) backend.append('proj_live', 'carol', `before ${i}`)
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user) })
  const { hub } = testHub
  cleanups.push(() => hub.close())
  const tabs = ['a', 'b', 'c'].map((id) => testHub.tab(id))
  await Promise.all(tabs.map((t) => t.hello()))
  await Promise.all(tabs.map((t) => hub.subscribe(t.id, 'proj_live')))
  await Promise.all(tabs.map((t) => t.until('proj_live', (v) => v.status.status === 'connected')))

  for (let i = 4; i <= 50; i++) backend.append('proj_live', 'carol', `live ${i}`)

  for (const t of tabs) {
    await t.until('proj_live', (v) => seqsOf(v).length === 50)
    expect(seqsOf(t.view('proj_live'))).toEqual(range(1, 50))
  }
  const store = await openChatStore({ userId: user })
  const cached = await store.loadProject('proj_live', 1000)
  store.close()
  expect(cached.messages.map((m) => m.seq)).toEqual(range(1, 50))
  expect(cached.record).toMatchObject({ lowSeq: 1, highSeq: 50 })
})

test('backend killed mid-stream and restarted: the hub resumes from highSeq and delivers the 1,000 messages posted meanwhile in order, exactly once, and stores them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-hub-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const dbPath = join(dir, 'backend.sqlite')
  let backend: RunningBackend = await startBackend({ port: 0, dbPath, secret: TEST_SECRET })
  const port = backend.port
  cleanups.push(() => backend.close())
  const s = await stack({ backendUrl: backend.url })
  const user = freshUser('dora')
  for (let i = 1; i <= 5; i++) backend.append('proj_restart', 'erin', `first ${i}`)
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user) })
  const { hub } = testHub
  cleanups.push(() => hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await hub.subscribe('t', 'proj_restart')
  await tab.until('proj_restart', (v) => seqsOf(v).length === 5 && v.status.status === 'connected')

  await backend.close()
  await tab.until('proj_restart', (v) => v.status.status === 'reconnecting')
  backend = await startBackend({ port, dbPath, secret: TEST_SECRET })
  for (let i = 6; i <= 1005; i++) backend.append('proj_restart', 'erin', `while away ${i}`)
  await hub.reconnect('t') // skip the backoff wait; the order rules are what this test is about

  await tab.until('proj_restart', (v) => seqsOf(v).length === 1005, 20_000)
  expect(seqsOf(tab.view('proj_restart'))).toEqual(range(1, 1005))
  // The tab is told before the write lands: the store follows.
  await expect
    .poll(async () => (await storedMessages(user, 'proj_restart')).map(([seq]) => seq), { timeout: 10_000 })
    .toEqual(range(1, 1005))
  const stats = (await hub.stats()).projects[0]
  expect(stats?.gapFills).toBeGreaterThan(0) // 200 came by replay, the rest from history
})

test('an empty cache loads only the latest page of history and streams from there; older pages come on demand', async () => {
  const s = await stack()
  const user = freshUser('finn')
  const backend = s.server.backend as RunningBackend
  for (let i = 1; i <= 450; i++) backend.append('proj_big', 'gus', `m ${i}`)
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user) })
  const { hub } = testHub
  cleanups.push(() => hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await hub.subscribe('t', 'proj_big')
  await tab.until('proj_big', (v) => v.status.status === 'connected')

  expect(seqsOf(tab.view('proj_big'))).toEqual(range(251, 450))
  expect(tab.view('proj_big').hasOlder).toBe(true)
  const older = await hub.loadOlder('t', 'proj_big', 251, 100)
  expect(older.messages.map((m) => m.seq)).toEqual(range(151, 250))
  expect(older.hasOlder).toBe(true)
})

test('a miss larger than maxBackfill starts a new window at the latest page instead of paging everything', async () => {
  const s = await stack()
  const user = freshUser('hana')
  const backend = s.server.backend as RunningBackend
  backend.append('proj_gap', 'ivan', 'm 1')
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user), config: { maxBackfill: 300 } })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', 'proj_gap')
  await tab.until('proj_gap', (v) => seqsOf(v).length === 1 && v.status.status === 'connected')
  await testHub.hub.unsubscribe('t', 'proj_gap')
  await waitFor(() => backend.openStreams(user) === 0, 3000, 'stream closed')

  for (let i = 2; i <= 1000; i++) backend.append('proj_gap', 'ivan', `m ${i}`)
  const historyBefore = testHub.requests.filter((r) => r.includes('/messages')).length
  await testHub.hub.subscribe('t', 'proj_gap')
  await tab.until('proj_gap', (v) => seqsOf(v).at(-1) === 1000)

  expect(seqsOf(tab.view('proj_gap'))).toEqual(range(801, 1000))
  expect(testHub.requests.filter((r) => r.includes('/messages')).length - historyBefore).toBe(1)
})

test('401 on the stream → auth_failed in every tab, and no further request over 30 s of fake time until reconnect()', async () => {
  const s = await stack()
  const user = freshUser('jo')
  const cookie = await s.login(user)
  const clock = createFakeClock()
  const testHub = createTestHub({ baseUrl: s.url, cookie, clock })
  cleanups.push(() => testHub.hub.close())
  const tabs = ['t1', 't2'].map((id) => testHub.tab(id))
  await Promise.all(tabs.map((t) => t.hello()))

  testHub.setCookie('pc_session=tampered')
  await Promise.all(tabs.map((t) => testHub.hub.subscribe(t.id, 'proj_auth')))
  for (const t of tabs) await t.until('proj_auth', (v) => v.status.status === 'auth_failed')
  const requestsAtFailure = testHub.requests.length
  await clock.advance(30_000)

  expect(testHub.requests.length).toBe(requestsAtFailure)
  expect(tabs.map((t) => t.sessionEvents)).toEqual([
    [{ type: 'auth_failed', code: 401, reason: expect.any(String) }],
    [{ type: 'auth_failed', code: 401, reason: expect.any(String) }],
  ])

  testHub.setCookie(cookie)
  await testHub.hub.reconnect('t1')
  for (const t of tabs) await t.until('proj_auth', (v) => v.status.status === 'connected')
})

test('403 for a project the user is not a member of → auth_failed for that project only, no retries', async () => {
  const s = await stack()
  const user = freshUser('kim')
  const clock = createFakeClock()
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user), clock })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', 'private_vault')
  await testHub.hub.subscribe('t', 'proj_open')
  await tab.until('private_vault', (v) => v.status.status === 'auth_failed')
  await tab.until('proj_open', (v) => v.status.status === 'connected')
  const requestsAtFailure = testHub.requests.filter((r) => r.includes('private_vault')).length

  await clock.advance(30_000)

  expect(testHub.requests.filter((r) => r.includes('private_vault')).length).toBe(requestsAtFailure)
  expect(tab.view('private_vault').status).toMatchObject({ status: 'auth_failed', code: 403 })
  expect(tab.view('proj_open').status.status).toBe('connected')
})

test('429 → rate_limited until Retry-After, then connects once a stream slot is free', async () => {
  const s = await stack()
  const user = freshUser('lee')
  const cookie = await s.login(user)
  const backend = s.server.backend as RunningBackend
  const hogs = await Promise.all(
    range(1, 10).map((i) => openSse(`${s.url}/api/persistent-chat/stream?projectId=hog_${i}`, { cookie })),
  )
  await waitFor(() => backend.openStreams(user) === 10, 5000, 'ten streams')
  const clock = createFakeClock()
  const testHub = createTestHub({ baseUrl: s.url, cookie, clock })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', 'proj_limited')
  await tab.until('proj_limited', (v) => v.status.status === 'rate_limited')
  const { status } = tab.view('proj_limited')
  expect(status.status === 'rate_limited' && status.retryAt > clock.now()).toBe(true)

  hogs[0]?.close()
  await waitFor(() => backend.openStreams(user) === 9, 5000, 'a slot freed')
  await clock.advance(status.status === 'rate_limited' ? status.retryAt - clock.now() : 0)

  await tab.until('proj_limited', (v) => v.status.status === 'connected')
  for (const hog of hogs) hog.close()
})

test('outbox: a send while the backend is down survives a new hub over the same database and is delivered exactly once when the backend returns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-outbox-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const dbPath = join(dir, 'backend.sqlite')
  let backend = await startBackend({ port: 0, dbPath, secret: TEST_SECRET })
  const port = backend.port
  cleanups.push(() => backend.close())
  const s = await stack({ backendUrl: backend.url })
  const user = freshUser('mo')
  const cookie = await s.login(user)

  const first = createTestHub({ baseUrl: s.url, cookie })
  const tab = first.tab('t')
  await tab.hello()
  await first.hub.subscribe('t', 'proj_out')
  await tab.until('proj_out', (v) => v.status.status === 'connected')
  await backend.close()
  const entry = await first.hub.send('t', 'proj_out', { text: 'sent while down' })
  await tab.until('proj_out', (v) =>
    v.messages.some((m) => m.client_msg_id === entry.client_msg_id && m.seq === undefined),
  )
  await waitFor(
    () => first.requests.some((r) => r.startsWith('POST') && r.endsWith('/messages')),
    5000,
    'a send attempt',
  )
  first.hub.close()

  backend = await startBackend({ port, dbPath, secret: TEST_SECRET })
  const second = createTestHub({ baseUrl: s.url, cookie })
  cleanups.push(() => second.hub.close())
  const again = second.tab('t2')
  await again.hello()
  await second.hub.subscribe('t2', 'proj_out')
  await again.until('proj_out', (v) =>
    v.messages.some((m) => m.client_msg_id === entry.client_msg_id && m.seq !== undefined),
  )

  const view = again.view('proj_out')
  expect(view.messages.filter((m) => m.client_msg_id === entry.client_msg_id)).toHaveLength(1)
  expect(view.outbox).toEqual([])
  expect(backend.latestSeq('proj_out')).toBe(1)
  const duplicate = await s.fetch('/api/persistent-chat/messages', {
    method: 'POST',
    cookie,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      projectId: 'proj_out',
      client_msg_id: entry.client_msg_id,
      text: 'sent while down',
    }),
  })
  expect(duplicate.status).toBe(200)
  expect(await duplicate.json()).toMatchObject({
    duplicate: true,
    message: { seq: 1, client_msg_id: entry.client_msg_id, content: { text: 'sent while down' } },
  })
  expect(backend.latestSeq('proj_out')).toBe(1)
})

test('a malformed frame and a dropped frame cost nothing: the hub backfills both seqs from history', async () => {
  const backend = await startBackend({ port: 0, dbPath: ':memory:', secret: TEST_SECRET })
  cleanups.push(() => backend.close())
  // Live seq 3 arrives with broken JSON (its id intact), seq 5 never arrives on the stream.
  const relay = await startFaultRelay(backend.url, (frame) => {
    if (!frame.includes('event: message.new')) return frame
    if (frameId(frame) === '3') return frame.replace(/^data: .*$/m, 'data: {"seq": 3, "content": ')
    if (frameId(frame) === '5') return null
    return frame
  })
  cleanups.push(() => relay.close())
  const s = await stack({ backendUrl: relay.url })
  const user = freshUser('nia')
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user) })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', 'proj_faulty')
  await tab.until('proj_faulty', (v) => v.status.status === 'connected')

  for (let i = 1; i <= 6; i++) backend.append('proj_faulty', 'omar', `m ${i}`)

  await tab.until('proj_faulty', (v) => seqsOf(v).length === 6)
  expect(seqsOf(tab.view('proj_faulty'))).toEqual(range(1, 6))
  expect(tab.view('proj_faulty').messages.map((m) => m.text)).toEqual(range(1, 6).map((i) => `m ${i}`))
  expect((await testHub.hub.stats()).projects[0]?.gapFills).toBeGreaterThan(0)
})

test('when the cookie starts to belong to another user, the hub stops streaming the old user’s projects instead of mixing their data', async () => {
  const s = await stack()
  const alice = freshUser('pia')
  const mallory = freshUser('quinn')
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(alice), config: { closeGraceMs: 0 } })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', 'proj_shared')
  await tab.until('proj_shared', (v) => v.status.status === 'connected')
  await testHub.hub.unsubscribe('t', 'proj_shared')
  await waitFor(() => s.server.backend?.openStreams(alice) === 0, 3000, 'stream closed')

  testHub.setCookie(await s.login(mallory))
  await testHub.hub.subscribe('t', 'proj_shared')

  await tab.until('proj_shared', (v) => v.status.status === 'auth_failed')
  expect(tab.sessionEvents).toEqual([
    { type: 'auth_failed', code: 401, reason: expect.stringContaining(mallory) },
  ])
  await waitFor(() => s.server.backend?.openStreams(mallory) === 0, 3000, 'the other user’s stream closed')
})

test('offline: streams end and show `offline`, sends wait in the outbox, and going online delivers them once', async () => {
  const s = await stack()
  const user = freshUser('rae')
  const backend = s.server.backend as RunningBackend
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user) })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', 'proj_net')
  await tab.until('proj_net', (v) => v.status.status === 'connected')

  testHub.setOnline(false)
  await tab.until('proj_net', (v) => v.status.status === 'offline')
  await waitFor(() => backend.openStreams(user) === 0, 3000, 'stream dropped')
  const entry = await testHub.hub.send('t', 'proj_net', { text: 'queued offline' })
  expect(testHub.requests.filter((r) => r.startsWith('POST') && r.endsWith('/messages'))).toEqual([])

  testHub.setOnline(true)
  await tab.until('proj_net', (v) =>
    v.messages.some((m) => m.client_msg_id === entry.client_msg_id && m.seq === 1),
  )
  expect(tab.view('proj_net').status.status).toBe('connected')
  expect(tab.view('proj_net').messages).toHaveLength(1)
  expect(backend.latestSeq('proj_net')).toBe(1)
})

test('closeWhenAllHiddenMs: the stream closes once every tab showing it has been hidden that long, and reopens when one is visible again', async () => {
  const s = await stack()
  const user = freshUser('sol')
  const backend = s.server.backend as RunningBackend
  const testHub = createTestHub({
    baseUrl: s.url,
    cookie: await s.login(user),
    config: { closeWhenAllHiddenMs: 200 },
  })
  cleanups.push(() => testHub.hub.close())
  const [a, b] = [testHub.tab('a'), testHub.tab('b')]
  await a.hello()
  await b.hello()
  await testHub.hub.subscribe('a', 'proj_vis')
  await testHub.hub.subscribe('b', 'proj_vis')
  await waitFor(() => backend.openStreams(user) === 1, 3000, 'stream open')

  await testHub.hub.setVisibility('a', false)
  expect(await testHub.hub.stats()).toMatchObject({ visibleTabs: 1, hiddenTabs: 1 })
  await testHub.hub.setVisibility('b', false)
  await waitFor(() => backend.openStreams(user) === 0, 3000, 'closed while hidden')
  backend.append('proj_vis', 'tom', 'while hidden')
  await testHub.hub.setVisibility('b', true)

  await b.until(
    'proj_vis',
    (v) => v.messages.some((m) => m.text === 'while hidden') && v.status.status === 'connected',
  )
  expect(backend.openStreams(user)).toBe(1)
})

test('logout drops the user’s channels, tells every tab of that user, and with clearCache deletes their database', async () => {
  const s = await stack()
  const user = freshUser('uma')
  const backend = s.server.backend as RunningBackend
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user) })
  cleanups.push(() => testHub.hub.close())
  const [a, b] = [testHub.tab('a'), testHub.tab('b')]
  await a.hello()
  await b.hello()
  await testHub.hub.subscribe('a', 'proj_bye')
  await a.until('proj_bye', (v) => v.status.status === 'connected')
  await testHub.hub.send('a', 'proj_bye', { text: 'kept until logout' })
  await a.until('proj_bye', (v) => v.messages.some((m) => m.seq === 1))

  await testHub.hub.logout('a', { clearCache: true })

  await waitFor(() => backend.openStreams(user) === 0, 3000, 'stream closed')
  expect(a.sessionEvents).toEqual([{ type: 'logged_out' }])
  expect(b.sessionEvents).toEqual([{ type: 'logged_out' }])
  expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(`persistent-chat:${user}`)
  await expect(testHub.hub.subscribe('a', 'proj_bye')).rejects.toMatchObject({ code: 'unknown_tab' })
})

test('stats count streams, tabs, replayed messages, outbox depth and per-tab delivery lag', async () => {
  const s = await stack()
  const user = freshUser('val')
  const backend = s.server.backend as RunningBackend
  for (let i = 1; i <= 3; i++) backend.append('proj_stats', 'wes', `m ${i}`)
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user) })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', 'proj_stats')
  await tab.until('proj_stats', (v) => v.status.status === 'connected')
  backend.append('proj_stats', 'wes', 'live')
  await tab.until('proj_stats', (v) => v.messages.length === 4)

  const stats = await testHub.hub.stats()

  expect(stats).toMatchObject({ connections: 1, tabs: 1, visibleTabs: 1, degraded: false, mode: 'in-page' })
  expect(stats.projects).toEqual([
    expect.objectContaining({
      projectId: 'proj_stats',
      status: 'connected',
      lowSeq: 1,
      highSeq: 4,
      subscribers: 1,
      outboxDepth: 0,
    }),
  ])
  expect(stats.tabList[0]?.lastDeliveryLagMs).toEqual(expect.any(Number))
  expect(stats.tabList[0]?.projects).toEqual(['proj_stats'])
})

test('a tab that is detached (its lock released) stops counting, and its projects close after the grace period', async () => {
  const s = await stack()
  const user = freshUser('xia')
  const backend = s.server.backend as RunningBackend
  const testHub = createTestHub({
    baseUrl: s.url,
    cookie: await s.login(user),
    config: { closeGraceMs: 100 },
  })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', 'proj_gone')
  await waitFor(() => backend.openStreams(user) === 1, 3000, 'stream open')

  testHub.hub.detach('t')

  expect((await testHub.hub.stats()).tabs).toBe(0)
  await waitFor(() => backend.openStreams(user) === 0, 3000, 'stream closed after grace')
  await expect(testHub.hub.send('t', 'proj_gone', { text: 'x' })).rejects.toMatchObject({
    code: 'unknown_tab',
  })
})

test('a send repeated with the same client_msg_id (a retried call, a new leader) is queued and delivered once', async () => {
  const s = await stack()
  const user = freshUser('yul')
  const backend = s.server.backend as RunningBackend
  const testHub = createTestHub({ baseUrl: s.url, cookie: await s.login(user) })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', 'proj_once')
  await tab.until('proj_once', (v) => v.status.status === 'connected')

  const first = await testHub.hub.send('t', 'proj_once', {
    text: 'only once',
    client_msg_id: 'client_same_1',
  })
  const again = await testHub.hub.send('t', 'proj_once', {
    text: 'only once',
    client_msg_id: 'client_same_1',
  })
  await tab.until('proj_once', (v) => v.messages.some((m) => m.seq === 1) && v.outbox.length === 0)
  await testHub.hub.send('t', 'proj_once', { text: 'only once', client_msg_id: 'client_same_1' })
  await waitFor(
    () => testHub.requests.filter((r) => r.startsWith('POST') && r.endsWith('/messages')).length >= 2,
    5000,
    'the repeat was posted',
  )
  await tab.until('proj_once', (v) => v.outbox.length === 0)

  expect(again).toEqual(first)
  expect(tab.view('proj_once').messages.map((m) => [m.seq, m.client_msg_id])).toEqual([[1, 'client_same_1']])
  expect(backend.latestSeq('proj_once')).toBe(1)
  await expect(
    testHub.hub.send('t', 'proj_once', { text: 'x', client_msg_id: 'bad id!' }),
  ).rejects.toMatchObject({
    code: 'invalid_argument',
  })
})
