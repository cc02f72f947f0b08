/** `useChatStats`: the hub's figures (streams, tabs, mode, per-project state), polled while mounted. */
import { useEffect, useState } from 'react'
import type { HubStats } from '../client'
import { useChatClient } from './context'

/** @public Options of {@link useChatStats}. */
export interface UseChatStatsOptions {
  /** How often to ask the hub; default 2000 ms. The hub has no stats events, so this polls. */
  intervalMs?: number | undefined
}

/** @public The hub's stats, `null` until the first answer (and during server rendering). */
export function useChatStats(options: UseChatStatsOptions = {}): HubStats | null {
  const client = useChatClient()
  const intervalMs = options.intervalMs ?? 2000
  const [stats, setStats] = useState<HubStats | null>(null)
  useEffect(() => {
    if (!client) return
    let active = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async () => {
      try {
        const next = await client.stats()
        if (active) setStats(next)
      } catch {
        // The hub is not attached (yet): keep the last figures, ask again.
      }
      if (active) timer = setTimeout(poll, intervalMs)
    }
    void poll()
    return () => {
      active = false
      clearTimeout(timer)
    }
  }, [client, intervalMs])
  return stats
}
