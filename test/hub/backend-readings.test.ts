/**
 * The hub against readings of DESIGN.md §2 that the reference backend does not take, over real
 * HTTP: a relay in front of the reference backend answers as another conforming backend would.
 */
import { afterEach, expect, test } from 'vitest'
import type { MessageData } from '../../src/protocol'
import { type RunningBackend, startBackend } from '../../src/server/backend'
import { startFaultRelay } from '../helpers/fault-relay'
import { createTestHub, range, seqsOf } from '../helpers/hub-harness'
import { startStack, TEST_SECRET } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

test('bug 1: a backend that answers a history request without a cursor with the OLDEST page — the tab still shows the latest messages, live ones and its own send', async () => {
  const backend: RunningBackend = await startBackend({ port: 0, dbPath: ':memory:', secret: TEST_SECRET })
  cleanups.push(() => backend.close())
  const log: MessageData[] = []
  for (let i = 1; i <= 1500; i++) log.push(backend.append('proj_oldest', 'peer', `m ${i}`))
  const relay = await startFaultRelay(backend.url)
  cleanups.push(() => relay.close())
  let withoutCursor = 0
  relay.setRespond((req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay')
    if (req.method !== 'GET' || !url.pathname.endsWith('/chat/messages')) return false
    if (url.searchParams.has('after_seq') || url.searchParams.has('before_seq')) return false
    withoutCursor++
    const limit = Number(url.searchParams.get('limit') ?? 100)
    const body = { messages: log.slice(0, limit), hasMore: log.length > limit, latestSeq: log.length }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    return true
  })
  const stack = await startStack({ backendUrl: relay.url })
  cleanups.push(() => stack.close())
  const testHub = createTestHub({ baseUrl: stack.url, cookie: await stack.login(`oldest_${process.pid}`) })
  cleanups.push(() => testHub.hub.close())
  const tab = testHub.tab('t')
  await tab.hello()
  await testHub.hub.subscribe('t', 'proj_oldest')
  await tab.until('proj_oldest', (v) => v.status.status === 'connected' && seqsOf(v).at(-1) === 1500)
  expect(seqsOf(tab.view('proj_oldest'))).toEqual(range(1301, 1500))

  log.push(backend.append('proj_oldest', 'peer', 'live'))
  const sent = await testHub.hub.send('t', 'proj_oldest', { text: 'mine' })
  await tab.until('proj_oldest', (v) => seqsOf(v).at(-1) === 1502 && v.outbox.length === 0)
  expect(tab.view('proj_oldest').messages.at(-1)?.client_msg_id).toBe(sent.client_msg_id)
  expect(withoutCursor).toBe(0) // the hub only uses the request forms the contract defines
})
