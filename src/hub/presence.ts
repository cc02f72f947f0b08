/**
 * One user's presence on the projects they have open (DESIGN.md §4): `online` while a tab
 * showing the project is visible, `away` while every such tab is hidden, `offline` when the last
 * one leaves or the user logs out. Posted once per user and project, however many tabs; and the
 * statuses the backend pushes back (`presence.updated`), kept per project so a tab subscribing
 * later sees who is already there.
 */
import type { ChannelChange, PresenceStatus } from '../protocol'
import type { SessionIo } from './deps'
import { request } from './http'

/** @internal What the tracker is built from. */
export interface PresenceContext extends SessionIo {
  /** Tell the project's subscribed tabs (a status this hub posted for its own user). */
  deliver(projectId: string, changes: ChannelChange[]): void
}

/** @internal See {@link createPresence}. */
export interface Presence {
  /** The statuses known on the project, as changes for a tab that just subscribed. */
  known(projectId: string): ChannelChange[]
  /**
   * A `presence.updated` of the project. Returns whether it changes what is known (repeats are
   * not passed on to tabs). A user newly `online` is answered with this user's own status: the
   * backend keeps no presence, so a newcomer learns who is already here only that way.
   */
  observe(projectId: string, userId: string, status: PresenceStatus): boolean
  /** What the user's tabs say the user is on the project now; posted if it differs from the last post. */
  want(projectId: string, status: PresenceStatus): void
  /** The network or the session is back: post what failed. */
  retry(): void
  /** The project's channel closed: what was known is stale. */
  forget(projectId: string): void
  /** Logout: post `offline` wherever the user was announced; resolves when those posts settled. */
  signOut(): Promise<void>
  /** No more posts (the hub is closing; a leader standing down must not post `offline` over its successor). */
  stop(): void
}

/** How long a logout waits for its `offline` posts. */
const SIGN_OUT_LIMIT_MS = 3_000

interface Entry {
  /** What the user's tabs say now. */
  wanted: PresenceStatus | undefined
  /** The last status the backend accepted. */
  posted: PresenceStatus | undefined
  /** Post `wanted` although it equals `posted` (answering a newcomer). */
  again: boolean
  inFlight: Promise<void> | undefined
  failed: boolean
  known: Map<string, PresenceStatus>
}

/** @internal Create one user's presence tracker. */
export function createPresence(ctx: PresenceContext): Presence {
  const entries = new Map<string, Entry>()
  let stopped = false

  const entryOf = (projectId: string): Entry => {
    let entry = entries.get(projectId)
    if (!entry) {
      entry = {
        wanted: undefined,
        posted: undefined,
        again: false,
        inFlight: undefined,
        failed: false,
        known: new Map(),
      }
      entries.set(projectId, entry)
    }
    return entry
  }

  const remember = (entry: Entry, userId: string, status: PresenceStatus): boolean => {
    if (entry.known.get(userId) === status) return false
    entry.known.set(userId, status)
    return true
  }

  const post = (projectId: string, entry: Entry): void => {
    if (stopped || entry.inFlight || entry.wanted === undefined) return
    if (entry.wanted === entry.posted && !entry.again) return
    // Never announced here: there is nothing to take back.
    if (entry.posted === undefined && entry.wanted === 'offline') return
    const status = entry.wanted
    entry.again = false
    entry.inFlight = (async () => {
      const result = await request(ctx.fetch, ctx.clock, `${ctx.config.apiBase}/presence`, {
        method: 'POST',
        body: { projectId, status },
        timeoutMs: ctx.config.requestTimeoutMs,
      })
      entry.inFlight = undefined
      if (!result.ok) {
        // Retried when the network or the session comes back; a 401 is the stream's to report.
        entry.failed = true
        ctx.log({
          level: 'info',
          event: 'presence.post_failed',
          projectId,
          status,
          failure: result.failure.kind,
        })
        return
      }
      await result.response.body?.cancel().catch(() => {})
      entry.failed = false
      entry.posted = status
      if (remember(entry, ctx.userId, status))
        ctx.deliver(projectId, [{ type: 'presence', userId: ctx.userId, status }])
      post(projectId, entry)
    })()
  }

  return {
    known(projectId) {
      const entry = entries.get(projectId)
      if (!entry) return []
      return [...entry.known].map(([userId, status]) => ({ type: 'presence', userId, status }))
    },
    observe(projectId, userId, status) {
      const entry = entryOf(projectId)
      const newcomer = userId !== ctx.userId && status === 'online' && entry.known.get(userId) !== 'online'
      const changed = remember(entry, userId, status)
      if (newcomer && (entry.posted === 'online' || entry.posted === 'away')) {
        entry.again = true
        post(projectId, entry)
      }
      return changed
    },
    want(projectId, status) {
      const entry = entryOf(projectId)
      entry.wanted = status
      post(projectId, entry)
    },
    retry() {
      for (const [projectId, entry] of entries) if (entry.failed) post(projectId, entry)
    },
    forget(projectId) {
      const entry = entries.get(projectId)
      if (entry && !entry.inFlight && (entry.posted === undefined || entry.posted === 'offline'))
        entries.delete(projectId)
      else entry?.known.clear()
    },
    async signOut() {
      const settled: Array<Promise<void>> = []
      for (const [projectId, entry] of entries) {
        entry.wanted = 'offline'
        if (entry.posted !== 'online' && entry.posted !== 'away' && !entry.inFlight) continue
        settled.push(
          (async () => {
            // A post still in flight is followed by this one (its own `post` call sends it).
            await entry.inFlight
            post(projectId, entry)
            await entry.inFlight
          })(),
        )
      }
      // Bounded: logging out must not wait on a slow backend (the tab's call has a time limit too).
      let timer: unknown
      await Promise.race([
        Promise.all(settled),
        new Promise<void>((resolve) => {
          timer = ctx.clock.setTimeout(resolve, SIGN_OUT_LIMIT_MS)
        }),
      ])
      ctx.clock.clearTimeout(timer)
      stopped = true
    },
    stop() {
      stopped = true
    },
  }
}
