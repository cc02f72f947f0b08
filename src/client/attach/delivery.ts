/**
 * The hub's batches on their way to the tab: every batch passes `Continuity`, so after a new hub
 * (any mode) answers a resubscribe with a `reset`, the tab keeps what it holds; when that reset
 * starts after a gap, the messages in between are fetched first (the project's later batches
 * wait, so they stay in order). Also carries the attachment's own status changes
 * (`reconnecting` while there is no hub) through the same path.
 */
import type { Logger } from '../../hub'
import type { ChannelBatch, ConnectionStatus, PersistentChatMessage } from '../../protocol'
import { asHubError } from '../../protocol'
import { createContinuity, type Gap } from './continuity'

/** @internal What delivery is built from. */
export interface DeliveryOptions {
  /** The tab's listener; resolves when the batch is applied. */
  onBatch(batch: ChannelBatch): void | Promise<void>
  /** A page of older messages from the current hub (for a bridge). */
  loadOlder(
    projectId: string,
    beforeSeq: number,
    limit: number,
  ): Promise<{ messages: PersistentChatMessage[]; hasOlder: boolean }>
  log: Logger
}

/** @internal */
export interface Delivery {
  /** A batch from the current hub; resolves once the tab applied it (the hub's acknowledgement). */
  deliver(batch: ChannelBatch): Promise<void>
  /** The next `reset` of these projects answers a resubscribe at a new hub. */
  failover(projectIds: Iterable<string>): void
  /** Tell the tab a status of the attachment's own (no hub: `reconnecting`, `disconnected`). */
  status(projectId: string, status: ConnectionStatus): Promise<void>
  /** The tab stopped showing the project. */
  forget(projectId: string): void
}

/** @internal */
export function createDelivery(options: DeliveryOptions): Delivery {
  const continuity = createContinuity()
  const failover = new Set<string>()
  /** Projects whose batches wait while the gap before a failover snapshot is fetched. */
  const bridging = new Map<string, Array<{ batch: ChannelBatch; done: () => void }>>()

  const hand = async (batch: ChannelBatch) => {
    try {
      await options.onBatch(batch)
    } catch (error) {
      options.log({ level: 'warn', event: 'attach.batch_failed', error: String(error) })
    }
  }

  /** Pages backwards from the snapshot's first seq to just after what the tab holds. */
  const fetchBridge = async (projectId: string, gap: Gap): Promise<PersistentChatMessage[]> => {
    const pages: PersistentChatMessage[][] = []
    let before = gap.beforeSeq
    while (before > gap.afterSeq + 1) {
      const page = await options.loadOlder(projectId, before, 200)
      const first = page.messages[0]?.seq
      if (first === undefined || first >= before) break
      pages.unshift(page.messages)
      before = first
      if (!page.hasOlder) break
    }
    return pages.flat()
  }

  const deliver = (batch: ChannelBatch): Promise<void> => {
    const waiting = bridging.get(batch.projectId)
    if (waiting) return new Promise((done) => waiting.push({ batch, done }))
    const continues = failover.has(batch.projectId) && batch.changes.some((c) => c.type === 'reset')
    if (continues) failover.delete(batch.projectId)
    const gap = continues ? continuity.gap(batch) : undefined
    if (!gap) return hand(continuity.apply(batch, continues))
    const held: Array<{ batch: ChannelBatch; done: () => void }> = []
    bridging.set(batch.projectId, held)
    return fetchBridge(batch.projectId, gap)
      .catch((error: unknown) => {
        options.log({ level: 'warn', event: 'attach.bridge_failed', error: asHubError(error).message })
        return [] // the reset then replaces the view; scrollback still reaches the rest
      })
      .then(async (bridge) => {
        await hand(continuity.apply(batch, true, bridge))
        bridging.delete(batch.projectId)
        for (const later of held) void deliver(later.batch).then(later.done)
      })
  }

  return {
    deliver,
    failover(projectIds) {
      for (const projectId of projectIds) failover.add(projectId)
    },
    status: (projectId, status) => deliver({ projectId, changes: [{ type: 'status', status }] }),
    forget(projectId) {
      failover.delete(projectId)
      continuity.forget(projectId)
    },
  }
}
