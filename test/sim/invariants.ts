/**
 * What must hold after every step of a simulation, and what must hold once the faults stop.
 * A tab's list is one contiguous ascending seq range of ONE backend log (a data reset starts a
 * new one), each message equal to the log's, no `client_msg_id` twice; the store holds one
 * contiguous range of one log too.
 */
import type { PersistentChatMessage } from '../../src/protocol'
import type { ModelBackend } from './backend'
import type { ModelHub } from './hub'
import type { Outbox } from './outbox'
import type { ModelStore } from './store'
import type { SimTab } from './tabs'

/** @internal A broken invariant. */
export class SimViolation extends Error {}

const ID = /^msg_e(\d+)_(\d+)$/

/** @internal One contiguous run of one log, matching it message by message; `label` names the holder. */
export function checkRun(
  backend: ModelBackend,
  projectId: string,
  messages: readonly PersistentChatMessage[],
  label: string,
) {
  const first = messages[0]
  if (!first) return
  const epoch = Number(ID.exec(first.id)?.[1] ?? Number.NaN)
  const log = backend.logs(projectId)[epoch]
  if (!log) throw new SimViolation(`${label}: message ${first.id} is in no backend log`)
  let expected = first.seq ?? 0
  for (const message of messages) {
    if (message.seq !== expected)
      throw new SimViolation(`${label}: seq ${message.seq} where ${expected} was due (${runs(messages)})`)
    const inLog = log[expected - 1]
    if (!inLog || inLog.messageId !== message.id || inLog.content.text !== message.text)
      throw new SimViolation(
        `${label}: seq ${expected} is ${message.id}, the log (epoch ${epoch}) has ${inLog?.messageId}`,
      )
    expected++
  }
}

/** @internal The invariants of one tab's list. */
export function checkTab(backend: ModelBackend, tab: SimTab) {
  const label = `${tab.id} (${tab.projectId})`
  const confirmed = tab.view.messages.filter((m) => m.seq !== undefined)
  checkRun(backend, tab.projectId, confirmed, label)
  const ids = new Set<string>()
  for (const message of tab.view.messages) {
    const id = message.client_msg_id
    if (id === null) continue
    if (ids.has(id))
      throw new SimViolation(
        `${label}: ${id} shown twice (${message.seq === undefined ? 'optimistic' : 'confirmed'})`,
      )
    ids.add(id)
  }
}

/** @internal The invariants of what the store holds for a project. */
export function checkStore(backend: ModelBackend, store: ModelStore, projectId: string) {
  const project = store.projects.get(projectId)
  if (!project) return
  const { record, messages } = project
  if (record.lowSeq < 1 || record.highSeq < record.lowSeq - 1)
    throw new SimViolation(`store ${projectId}: bad range ${record.lowSeq}..${record.highSeq}`)
  const run: PersistentChatMessage[] = []
  for (let seq = record.lowSeq; seq <= record.highSeq; seq++) {
    const message = messages.get(seq)
    if (!message)
      throw new SimViolation(
        `store ${projectId}: seq ${seq} missing inside ${record.lowSeq}..${record.highSeq}`,
      )
    run.push(message)
  }
  checkRun(backend, projectId, run, `store ${projectId}`)
}

/** @internal Why the world has not settled yet after the faults stopped, or `undefined` once it has. */
export function unsettled(
  backend: ModelBackend,
  tabs: readonly SimTab[],
  outbox: Outbox,
): string | undefined {
  for (const tab of tabs) {
    if (!tab.alive) continue
    const { view } = tab
    const latest = backend.log(tab.projectId).at(-1)
    const last = view.messages.filter((m) => m.seq !== undefined).at(-1)
    if (view.status.status !== 'connected') return `${tab.id} is ${view.status.status}`
    if (last?.id !== latest?.messageId)
      return `${tab.id} shows ${last?.id ?? 'nothing'}, the log ends at ${latest?.messageId}`
    if (view.outbox.length > 0) return `${tab.id} still shows ${view.outbox.length} optimistic`
  }
  if (outbox.size > 0) return `${outbox.size} sends not settled`
  return undefined
}

/** @internal Once settled: every send is in the log of the epoch that acknowledged it, exactly once. */
export function checkSends(backend: ModelBackend, outbox: Outbox) {
  for (const [id, send] of outbox.sends) {
    if (send.ackEpoch === undefined) throw new SimViolation(`send ${id} was never acknowledged`)
    const log = backend.logs(send.projectId)[send.ackEpoch] ?? []
    const count = log.filter((m) => m.client_msg_id === id).length
    if (count !== 1) throw new SimViolation(`send ${id} is ${count} times in the log`)
  }
}

/** @internal History requests stay within a small multiple of the work: no request storm. */
export function checkBudget(hub: ModelHub, messages: number, pageSize: number) {
  const { historyRequests, streamOpens, olderRequests, historyFailures } = hub.stats
  const budget =
    20 + 3 * streamOpens + 2 * olderRequests + 2 * historyFailures + 3 * Math.ceil(messages / pageSize)
  if (historyRequests > budget)
    throw new SimViolation(
      `${historyRequests} history requests (budget ${budget}: ${streamOpens} stream opens, ${olderRequests} scrollbacks, ${historyFailures} failures, ${messages} messages)`,
    )
}

function runs(messages: readonly PersistentChatMessage[]): string {
  const parts: string[] = []
  let start = messages[0]?.seq
  let prev = start
  for (const m of messages.slice(1)) {
    if (m.seq !== (prev ?? 0) + 1) {
      parts.push(`${start}–${prev}`)
      start = m.seq
    }
    prev = m.seq
  }
  parts.push(`${start}–${prev}`)
  return `holds ${parts.join(', ')}`
}
