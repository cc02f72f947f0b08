/**
 * Chaos at the hub level: the real hub, proxy and backend with a seeded fault injector between
 * the proxy and the backend. Three senders write to two projects while hundreds of faults are
 * injected; after healing, every tab shows exactly the backend's log, IndexedDB holds exactly
 * the backend's log, and every queued send exists exactly once. The browser version is
 * e2e/chaos.spec.ts. Reproduce a failure with CHAOS_SEED=<seed printed below>.
 */
import { afterEach, expect, test } from 'vitest'
import type { RunningBackend } from '../../src/server/backend'
import { startBackend } from '../../src/server/backend'
import { readBackendLog } from '../helpers/backend-client'
import { startChaosRelay } from '../helpers/chaos-relay'
import {
  createTestHub,
  range,
  seqsOf,
  storedMessages,
  type TestHub,
  type TestTab,
} from '../helpers/hub-harness'
import { createRandom } from '../helpers/random'
import { startStack, waitFor } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const SECRET = 'test-worker-shared-secret'
const seed = Number(process.env['CHAOS_SEED'] ?? 20261125)
const MESSAGES_PER_SENDER = Number(process.env['CHAOS_MESSAGES'] ?? 200)

test(`chaos (seed ${seed}): three senders, two projects, hundreds of faults; after healing every tab and IndexedDB equal the backend log`, {
  timeout: 240_000,
}, async () => {
  console.log(`[chaos] seed ${seed} (reproduce with CHAOS_SEED=${seed})`)
  const random = createRandom(seed ^ 0x9e3779b9)
  const backend: RunningBackend = await startBackend({
    port: 0,
    dbPath: ':memory:',
    secret: SECRET,
    heartbeatMs: 400,
  })
  cleanups.push(() => backend.close())
  const relay = await startChaosRelay({ target: backend.url, seed })
  cleanups.push(() => relay.close())
  const s = await startStack({ backendUrl: relay.url, heartbeatMs: 400 })
  cleanups.push(() => s.close())
  const projects = ['chaos_a', 'chaos_b']
  const config = { minUptimeMs: 500, closeGraceMs: 60_000, requestTimeoutMs: 3_000 }

  const alice = createTestHub({ baseUrl: s.url, cookie: await s.login('chaos_alice'), config })
  const bob = createTestHub({ baseUrl: s.url, cookie: await s.login('chaos_bob'), config })
  cleanups.push(
    () => alice.hub.close(),
    () => bob.hub.close(),
  )
  const tabs: Array<{ hub: TestHub; tab: TestTab; projects: string[] }> = [
    { hub: alice, tab: alice.tab('a1'), projects: ['chaos_a'] },
    { hub: alice, tab: alice.tab('a2'), projects: ['chaos_a', 'chaos_b'] },
    { hub: alice, tab: alice.tab('a3'), projects: ['chaos_b'] },
    { hub: bob, tab: bob.tab('b1'), projects: ['chaos_a', 'chaos_b'] },
  ]
  for (const { hub, tab, projects: shown } of tabs) {
    await helloWithRetry(tab)
    for (const project of shown) await hub.hub.subscribe(tab.id, project)
  }

  // A user answering "Retry" when the session is refused (an injected 401).
  let running = true
  const retrier = (async () => {
    while (running) {
      for (const { hub, tab, projects: shown } of tabs) {
        for (const project of shown) {
          if (tab.view(project).status.status === 'auth_failed')
            await hub.hub.reconnect(tab.id, project).catch(() => {})
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()

  // Sender 1: another user writing straight to the backend. Senders 2 and 3: alice and bob
  // through their outboxes (some while their hub believes it is offline).
  const sent = { backend: 0, alice: [] as string[], bob: [] as string[] }
  const senders = [
    (async () => {
      for (let i = 0; i < MESSAGES_PER_SENDER; i++) {
        backend.append(projects[i % 2] ?? 'chaos_a', 'chaos_carol', `carol ${i}`)
        sent.backend++
        await pause(random() * 15)
      }
    })(),
    ...(
      [
        [alice, 'a2', 'alice'],
        [bob, 'b1', 'bob'],
      ] as const
    ).map(async ([hub, tabId, name]) => {
      for (let i = 0; i < MESSAGES_PER_SENDER; i++) {
        if (i % 50 === 10) hub.setOnline(false)
        if (i % 50 === 20) hub.setOnline(true)
        const entry = await hub.hub.send(tabId, projects[i % 2] ?? 'chaos_a', {
          text: `${name} ${i} ✓ é 日本`,
        })
        sent[name].push(entry.client_msg_id)
        await pause(random() * 15)
      }
      hub.setOnline(true)
    }),
  ]
  await Promise.all(senders)
  await waitFor(() => relay.total() >= 100, 60_000, 'at least 100 injected faults')

  relay.heal()
  for (const { hub } of tabs) hub.setOnline(true)
  const expected = 3 * MESSAGES_PER_SENDER
  await waitFor(
    () => projects.reduce((sum, p) => sum + backend.latestSeq(p), 0) === expected,
    60_000,
    'every send stored',
  )
  for (const { hub, tab, projects: shown } of tabs) {
    for (const project of shown) {
      await hub.hub.reconnect(tab.id, project)
      // A hub whose first window came late (its fetch failed while the senders wrote) starts
      // its cache there: the reader scrolls back for the rest, which also stores it.
      await tab
        .until(
          project,
          (v) => seqsOf(v).at(-1) === backend.latestSeq(project) && v.outbox.length === 0,
          90_000,
        )
        .then(() => tab.scrollBack(project))
        .then(() => {
          if (seqsOf(tab.view(project)).length !== backend.latestSeq(project))
            throw new Error('a gap after scrolling back')
        })
        .catch(async (error: unknown) => {
          const view = tab.view(project)
          const seqs = seqsOf(view)
          const missing = range(1, backend.latestSeq(project)).filter((n) => !seqs.includes(n))
          const stats = await hub.hub.stats()
          throw new Error(
            `${String(error)}\nseed ${seed}, tab ${tab.id}, ${project}: status ${JSON.stringify(view.status)}, ` +
              `${seqs.length}/${backend.latestSeq(project)} shown, missing ${JSON.stringify(missing.slice(0, 20))}, ` +
              `outbox ${JSON.stringify(view.outbox.map((e) => [e.text, e.status]))}\n` +
              `hub ${JSON.stringify(stats.projects)}`,
          )
        })
    }
  }
  running = false
  await retrier

  console.log(`[chaos] seed ${seed}: ${relay.total()} faults ${JSON.stringify(relay.faults)}`)
  expect(relay.total()).toBeGreaterThanOrEqual(100)
  for (const project of projects) {
    const log = await history(backend, project)
    for (const { tab, projects: shown } of tabs) {
      if (!shown.includes(project)) continue
      const view = tab.view(project)
      expect(view.messages.map((m) => [m.seq, m.text])).toEqual(log.map((m) => [m.seq, m.content.text]))
    }
    for (const user of ['chaos_alice', 'chaos_bob']) {
      // The tabs are told before the write lands: the store follows.
      await expect
        .poll(() => storedMessages(user, project), { timeout: 15_000 })
        .toEqual(log.map((m) => [m.seq, m.content.text]))
    }
  }
  const all = [...(await history(backend, 'chaos_a')), ...(await history(backend, 'chaos_b'))]
  for (const id of [...sent.alice, ...sent.bob]) {
    expect(all.filter((m) => m.client_msg_id === id)).toHaveLength(1)
  }
  expect(all).toHaveLength(expected)
  expect(range(1, backend.latestSeq('chaos_a'))).toEqual(
    (await history(backend, 'chaos_a')).map((m) => m.seq),
  )
})

async function helloWithRetry(tab: TestTab) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await tab.hello()
    } catch (error) {
      if (attempt > 20) throw error
    }
  }
}

function pause(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The backend's whole log of a project, read directly (not through the faulty relay). */

/** The backend's whole log of a project. */
function history(backend: RunningBackend, project: string) {
  return readBackendLog(backend.url, { secret: SECRET, project, userId: 'chaos_alice' })
}
