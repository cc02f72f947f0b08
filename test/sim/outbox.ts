/**
 * The model outbox (the hub's send queue): a send is queued and shown at once, POSTed with the
 * same `client_msg_id` until the backend answers, one at a time per project, then waits for the
 * channel to settle it (its message confirmed). It survives nothing here but is never lost:
 * the simulation checks every send ends in the log exactly once.
 */
import type { MessageData, OutboxEntry } from '../../src/protocol'
import type { ModelBackend } from './backend'
import type { Scheduled, World } from './world'

/** @internal */
export interface Outbox {
  connect(hooks: {
    acknowledged(data: MessageData): void
    changed(projectId: string, change: { upsert: OutboxEntry[]; remove: string[] }): void
  }): void
  entries(projectId: string): OutboxEntry[]
  enqueue(projectId: string, text: string): OutboxEntry
  /** The messages of the project's acknowledged sends that wait to be settled (a new channel is told again). */
  acknowledged(projectId: string): MessageData[]
  /** Forget these if queued; returns the ones that were. */
  settle(clientMsgIds: readonly string[]): string[]
  pause(): void
  resume(): void
  /** Every send ever queued, and the backend epoch that acknowledged it. */
  readonly sends: Map<string, { projectId: string; ackEpoch: number | undefined }>
  readonly size: number
}

/** @internal */
export function createOutbox(world: World, backend: ModelBackend, random: () => number): Outbox {
  const queue = new Map<string, OutboxEntry & { acknowledged: MessageData | undefined }>()
  const sends: Outbox['sends'] = new Map()
  const inFlight = new Set<string>()
  const attempts = new Map<string, number>()
  let waits: Scheduled | undefined
  let paused = false
  let next = 1
  let hooks: Parameters<Outbox['connect']>[0] = { acknowledged: () => {}, changed: () => {} }

  const pump = () => {
    if (paused) return
    for (const entry of queue.values()) {
      if (entry.acknowledged || inFlight.has(entry.projectId)) continue
      inFlight.add(entry.projectId)
      post(entry)
    }
  }

  const post = (entry: OutboxEntry & { acknowledged: MessageData | undefined }) => {
    backend.send(entry.projectId, entry.client_msg_id, entry.text, (result) => {
      inFlight.delete(entry.projectId)
      if (!queue.has(entry.client_msg_id)) return pump()
      if (result.ok) {
        attempts.delete(entry.projectId)
        entry.acknowledged = result.message
        const send = sends.get(entry.client_msg_id)
        if (send && send.ackEpoch === undefined) send.ackEpoch = backend.logs(entry.projectId).length - 1
        hooks.acknowledged(result.message)
        return pump()
      }
      if (!backend.online) {
        paused = true // resumed by `online`
        return
      }
      const attempt = attempts.get(entry.projectId) ?? 0
      attempts.set(entry.projectId, attempt + 1)
      world.cancel(waits)
      paused = true
      waits = world.after(
        Math.floor(random() * Math.min(30_000, 1000 * 2 ** attempt)),
        'outbox retry',
        () => {
          paused = false
          pump()
        },
      )
    })
  }

  return {
    connect(connected) {
      hooks = connected
    },
    acknowledged: (projectId) =>
      [...queue.values()].flatMap((e) =>
        e.projectId === projectId && e.acknowledged ? [e.acknowledged] : [],
      ),
    entries: (projectId) => [...queue.values()].filter((e) => e.projectId === projectId).map(strip),
    enqueue(projectId, text) {
      const entry = {
        client_msg_id: `client_sim_${next++}`,
        projectId,
        userId: 'user_sim',
        text,
        createdAt: world.now,
        status: { state: 'pending' as const, attempts: 0 },
        acknowledged: undefined,
      }
      queue.set(entry.client_msg_id, entry)
      sends.set(entry.client_msg_id, { projectId, ackEpoch: undefined })
      hooks.changed(projectId, { upsert: [strip(entry)], remove: [] })
      pump()
      return strip(entry)
    },
    settle(ids) {
      const settled = ids.filter((id) => {
        const entry = queue.get(id)
        if (!entry) return false
        queue.delete(id)
        // Its echo proves it is in a log, acknowledged or not (a POST whose answer was lost): the
        // latest that holds it — a data reset may have replaced that log since the echo came.
        const send = sends.get(id)
        if (send && send.ackEpoch === undefined) {
          const logs = backend.logs(entry.projectId)
          let epoch = logs.length - 1
          while (epoch > 0 && !logs[epoch]?.some((m) => m.client_msg_id === id)) epoch--
          send.ackEpoch = epoch
        }
        return true
      })
      pump()
      return settled
    },
    pause() {
      paused = true
    },
    resume() {
      paused = false
      world.cancel(waits)
      pump()
    },
    sends,
    get size() {
      return queue.size
    },
  }
}

function strip(entry: OutboxEntry & { acknowledged?: MessageData | undefined }): OutboxEntry {
  const { acknowledged: _, ...rest } = entry
  return rest
}
