/**
 * Keeps a tab's view whole across a change of hub, in every mode (a new leader tab, a
 * SharedWorker that died and was started again). After a failover the tab subscribes again
 * and the new hub answers with a `reset` snapshot of its latest window. When that snapshot
 * continues what the tab already holds — directly, or with a bridge of the missing messages the
 * tab fetched first (`gap` says which) — it becomes incremental changes, so the tab keeps its
 * earlier messages and scroll position. Otherwise the `reset` passes unchanged.
 * Pure: tracks only what it has passed on.
 */
import type { ChannelBatch, ChannelChange, ChannelSnapshot, PersistentChatMessage } from '../../protocol'

/** @public The most messages a tab fetches to bridge a failover snapshot (the hub's default `maxBackfill`). */
export const MAX_BRIDGE = 1_000

/** @public Messages a failover snapshot leaves out: `seq > afterSeq && seq < beforeSeq`. */
export interface Gap {
  afterSeq: number
  beforeSeq: number
}

interface Held {
  /** Highest confirmed seq passed to the tab. */
  highSeq: number | null
  /** `client_msg_id`s of the optimistic messages the tab shows. */
  outbox: Set<string>
}

/** @public */
export interface Continuity {
  /**
   * The messages to fetch before `apply` can continue a failover `reset` in `batch`; undefined
   * when nothing is missing, or too much (more than `MAX_BRIDGE`).
   */
  gap(batch: ChannelBatch): Gap | undefined
  /**
   * Pass a batch on. With `failover` (the project was subscribed again at a new hub), its
   * first `reset` continues the view when it can, with `bridge` (ascending) filling a gap.
   */
  apply(batch: ChannelBatch, failover: boolean, bridge?: readonly PersistentChatMessage[]): ChannelBatch
  forget(projectId: string): void
}

/** @public */
export function createContinuity(): Continuity {
  const projects = new Map<string, Held>()

  const heldOf = (projectId: string): Held => {
    let held = projects.get(projectId)
    if (!held) {
      held = { highSeq: null, outbox: new Set() }
      projects.set(projectId, held)
    }
    return held
  }

  const track = (held: Held, change: ChannelChange) => {
    switch (change.type) {
      case 'reset':
        held.highSeq = change.snapshot.messages.at(-1)?.seq ?? null
        held.outbox = new Set(change.snapshot.outbox.map((e) => e.client_msg_id))
        break
      case 'messages':
        for (const message of change.messages) {
          if (message.seq !== undefined) held.highSeq = Math.max(held.highSeq ?? 0, message.seq)
          if (message.client_msg_id) held.outbox.delete(message.client_msg_id)
        }
        break
      case 'outbox':
        for (const id of change.remove) held.outbox.delete(id)
        for (const entry of change.upsert) held.outbox.add(entry.client_msg_id)
        break
      case 'status':
        break
    }
  }

  /** The changes that turn what the tab holds into `snapshot`, or undefined when there is a gap. */
  const continueWith = (
    held: Held,
    snapshot: ChannelSnapshot,
    bridge: readonly PersistentChatMessage[],
  ): ChannelChange[] | undefined => {
    const highSeq = held.highSeq
    const last = snapshot.messages.at(-1)?.seq
    if (highSeq === null || last === undefined) return undefined
    const incoming = [...bridge, ...snapshot.messages].filter((m) => (m.seq ?? 0) > highSeq)
    // Every seq from the one after what the tab holds must be there, in order.
    let expected = highSeq + 1
    for (const message of incoming) {
      if (message.seq === undefined || message.seq > expected) return undefined
      if (message.seq === expected) expected++
    }
    const messages = incoming.filter((m, i) => i === 0 || (m.seq ?? 0) > (incoming[i - 1]?.seq ?? 0))
    const inSnapshot = new Set(snapshot.outbox.map((e) => e.client_msg_id))
    const first = snapshot.messages[0]?.seq ?? last
    return [
      { type: 'messages', messages, range: snapshot.range ?? { lowSeq: first, highSeq: last } },
      {
        type: 'outbox',
        upsert: snapshot.outbox,
        remove: [...held.outbox].filter((id) => !inSnapshot.has(id)),
      },
      { type: 'status', status: snapshot.status },
    ]
  }

  return {
    gap(batch) {
      const held = projects.get(batch.projectId)
      const reset = batch.changes.find((c) => c.type === 'reset')
      const first = reset?.snapshot.messages[0]?.seq
      if (held?.highSeq == null || first === undefined || first <= held.highSeq + 1) return undefined
      if (first - held.highSeq - 1 > MAX_BRIDGE) return undefined
      return { afterSeq: held.highSeq, beforeSeq: first }
    },
    apply(batch, failover, bridge = []) {
      const held = heldOf(batch.projectId)
      const changes: ChannelChange[] = []
      let pending = failover
      for (const change of batch.changes) {
        let continued: ChannelChange[] | undefined
        if (pending && change.type === 'reset') {
          pending = false
          continued = continueWith(held, change.snapshot, bridge)
        }
        for (const next of continued ?? [change]) {
          track(held, next)
          changes.push(next)
        }
      }
      return { projectId: batch.projectId, changes }
    },
    forget(projectId) {
      projects.delete(projectId)
    },
  }
}
