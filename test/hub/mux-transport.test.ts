/**
 * The hub's multiplexed stream over real HTTP: the real hub core in Node, the real proxy and the
 * reference backend on loopback (and a relay in front of the proxy where a test needs another
 * answer than ours).
 */
import { afterEach, expect, test } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import { type Responder, startFaultRelay } from '../helpers/fault-relay'
import { createTestHub, range, seqsOf, type TestHub } from '../helpers/hub-harness'
import { startStack, type TestStack, waitFor } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let counter = 0
const freshUser = () => `mux_${process.pid}_${++counter}`

async function stack(): Promise<TestStack> {
  const started = await startStack()
  cleanups.push(() => started.close())
  return started
}

/**
 * A fresh user's hub with tab `t` said hello, talking to the stack — or, with `respond`, to a
 * relay in front of it that answers the requests `respond` takes itself.
 */
async function hubWithTab(respond?: Responder) {
  const s = await stack()
  let baseUrl = s.url
  if (respond) {
    const relay = await startFaultRelay(s.url)
    cleanups.push(() => relay.close())
    relay.setRespond(respond)
    baseUrl = relay.url
  }
  const user = freshUser()
  const testHub = createTestHub({ baseUrl, cookie: await s.login(user), config: { closeGraceMs: 100 } })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  return { backend: s.server.backend as RunningBackend, user, testHub, tab }
}

const streamRequests = (testHub: TestHub) => ({
  mux: testHub.requests.filter((r) => r.startsWith('GET /api/persistent-chat/mux')).length,
  perProject: testHub.requests.filter((r) => r.startsWith('GET /api/persistent-chat/stream')).length,
})

test('five projects travel in one GET /mux; one project’s 403 leaves the other four streaming, each with every message once', async () => {
  const { backend, user, testHub, tab } = await hubWithTab()
  const projects = ['mx_1', 'mx_2', 'mx_3', 'mx_4']
  for (const project of [...projects, 'private_mx']) await testHub.hub.subscribe('t', project)
  for (const project of projects) await tab.until(project, (v) => v.status.status === 'connected')
  await tab.until('private_mx', (v) => v.status.status === 'auth_failed')
  expect(tab.view('private_mx').status).toMatchObject({ code: 403 })

  for (let i = 1; i <= 30; i++) for (const project of projects) backend.append(project, 'peer', `m ${i}`)
  for (const project of projects) await tab.until(project, (v) => seqsOf(v).length === 30)
  for (const project of projects) expect(seqsOf(tab.view(project))).toEqual(range(1, 30))
  expect(streamRequests(testHub)).toEqual({ mux: 1, perProject: 0 })
  await waitFor(() => backend.openStreams(user) === 4, 3000, 'four upstreams')
})

test('the last project leaving closes the multiplexed stream (and its upstreams); the next one opens a new one', async () => {
  const { backend, user, testHub, tab } = await hubWithTab()
  for (const project of ['mx_a', 'mx_b']) await testHub.hub.subscribe('t', project)
  for (const project of ['mx_a', 'mx_b']) await tab.until(project, (v) => v.status.status === 'connected')
  await waitFor(() => backend.openStreams(user) === 2, 3000, 'two upstreams')

  await testHub.hub.unsubscribe('t', 'mx_a')
  await waitFor(() => backend.openStreams(user) === 1, 3000, 'mx_a removed from the stream')
  await testHub.hub.unsubscribe('t', 'mx_b')
  await waitFor(() => backend.openStreams(user) === 0, 3000, 'every upstream closed')
  expect(streamRequests(testHub).mux).toBe(1)

  await testHub.hub.subscribe('t', 'mx_b')
  await tab.until('mx_b', (v) => v.status.status === 'connected' && v.live)
  expect(streamRequests(testHub).mux).toBe(2)
})

test('a control POST answered 404 (the stream lives in another process): the hub reopens the GET with every project and its cursor, and nothing is lost', async () => {
  let refused = 0
  const { backend, testHub, tab } = await hubWithTab((req, res) => {
    if (req.method !== 'POST' || !(req.url ?? '').startsWith('/api/persistent-chat/mux') || refused > 0)
      return false
    refused++
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"error":{"code":"unknown_stream","message":"no such stream here"}}')
    return true
  })
  await testHub.hub.subscribe('t', 'mx_one')
  await tab.until('mx_one', (v) => v.status.status === 'connected')
  for (let i = 1; i <= 20; i++) backend.append('mx_one', 'peer', `one ${i}`)
  await tab.until('mx_one', (v) => seqsOf(v).length === 20)

  await testHub.hub.subscribe('t', 'mx_two') // its add is refused: the GET is opened again
  for (let i = 21; i <= 40; i++) backend.append('mx_one', 'peer', `one ${i}`)
  for (let i = 1; i <= 10; i++) backend.append('mx_two', 'peer', `two ${i}`)
  await tab.until('mx_one', (v) => seqsOf(v).length === 40 && v.status.status === 'connected')
  await tab.until('mx_two', (v) => seqsOf(v).length === 10 && v.status.status === 'connected')
  expect(seqsOf(tab.view('mx_one'))).toEqual(range(1, 40))
  expect(refused).toBe(1)
  expect(streamRequests(testHub).mux).toBe(2)
})

test('a proxy without /mux: the hub falls back to one /stream per project for good', async () => {
  const { backend, testHub, tab } = await hubWithTab((req, res) => {
    if (!(req.url ?? '').startsWith('/api/persistent-chat/mux')) return false
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"error":{"code":"not_found","message":"no such route"}}')
    return true
  })
  for (const project of ['mx_f1', 'mx_f2']) await testHub.hub.subscribe('t', project)
  for (const project of ['mx_f1', 'mx_f2']) await tab.until(project, (v) => v.status.status === 'connected')
  backend.append('mx_f2', 'peer', 'hello')
  await tab.until('mx_f2', (v) => seqsOf(v).length === 1)
  expect(streamRequests(testHub)).toEqual({ mux: 1, perProject: 2 })
})
