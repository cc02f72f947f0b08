/**
 * A tab follows the leader announcements of its hub config: who leads now (the highest epoch
 * heard; heartbeats repeat it, a wedged old leader waking up cannot win back), and when a newer
 * one appears.
 */
import { type LeaderAnnouncement, readAnnounce } from '../protocol'
import type { OpenChannel } from './platform'

/** @public */
export interface LeaderFollower {
  /** The newest leader heard. */
  readonly leader: LeaderAnnouncement | undefined
  /**
   * The newest leader for which `usable` holds, now or once one is announced (a `who` asks the
   * leader to announce itself at once). Rejects with the signal's reason when it aborts.
   */
  next(usable: (leader: LeaderAnnouncement) => boolean, signal: AbortSignal): Promise<LeaderAnnouncement>
  /** Resolves with the first leader heard whose epoch is above `epoch`; rejects when `signal` aborts. */
  newerThan(epoch: number, signal?: AbortSignal | undefined): Promise<LeaderAnnouncement>
  close(): void
}

/** @public Listen to `announceChannel`. */
export function followLeaders(openChannel: OpenChannel, announceChannel: string): LeaderFollower {
  const channel = openChannel(announceChannel)
  const listeners = new Set<(leader: LeaderAnnouncement) => void>()
  let leader: LeaderAnnouncement | undefined

  channel.listen((data) => {
    const message = readAnnounce(data)
    if (message?.type !== 'leader' || (leader && message.epoch <= leader.epoch)) return
    leader = message
    for (const listener of [...listeners]) listener(message)
  })
  channel.post({ type: 'who' })

  const waitFor = (accept: (leader: LeaderAnnouncement) => boolean, signal?: AbortSignal | undefined) =>
    new Promise<LeaderAnnouncement>((resolve, reject) => {
      if (leader && accept(leader)) return resolve(leader)
      const listener = (next: LeaderAnnouncement) => {
        if (!accept(next)) return
        listeners.delete(listener)
        resolve(next)
      }
      listeners.add(listener)
      signal?.addEventListener('abort', () => {
        listeners.delete(listener)
        reject(signal.reason)
      })
    })

  return {
    get leader() {
      return leader
    },
    next(usable, signal) {
      const found = waitFor(usable, signal)
      if (!leader || !usable(leader)) channel.post({ type: 'who' })
      return found
    },
    newerThan: (epoch, signal) => waitFor((next) => next.epoch > epoch, signal),
    close() {
      listeners.clear()
      channel.close()
    },
  }
}
