/**
 * Leader election for leader-tab mode: every tab's dedicated worker queues for one Web Lock; the
 * holder runs a hub, serves it over the call channel and announces itself every second. A
 * follower that hears nothing for a few seconds steals the lock (a frozen or wedged leader keeps
 * holding it); a leader whose lock was stolen, or who hears a newer leader, stands down: it
 * closes its hub and answers nothing more. Stores and calls pass `fence()`, which asks the lock
 * manager, so a leader that wakes up after losing its lock writes nothing. For the length of a
 * term the leader also holds the hub's liveness lock (`hubLockName(leaderId)`): tabs queued on it
 * learn at once that the term ended, whether the worker stood down, crashed or was closed.
 */
import type { Clock, Hub, HubHost, Logger } from '../hub'
import { hubLockName, type LeaderAnnouncement, readAnnounce } from '../protocol'
import { type Serving, serveHub } from './dispatch'
import { type Channel, holdLock, type LocksLike, type OpenChannel } from './platform'

/** @public What a host is built from. */
export interface LeaderHostOptions {
  /** The tab this worker lives in (named in announcements). */
  tabId: string
  lockName: string
  announceChannel: string
  callChannel: string
  openChannel: OpenChannel
  locks: LocksLike
  /** Creates the hub for a term; `fence` guards its writes (see `fencedDeps`); `host` names it. */
  createHub(fence: () => Promise<boolean>, host: HubHost): Hub
  clock: Clock
  random: () => number
  newId: () => string
  /** Default 1000. */
  announceEveryMs?: number | undefined
  /** Silence after which a follower steals the lock. Default 3000, plus up to `stealJitterMs`. */
  silenceMs?: number | undefined
  /** Default 1000: followers do not all steal at once. */
  stealJitterMs?: number | undefined
  log?: Logger | undefined
}

/** @public Where a host stands. */
export type LeaderRole =
  | { role: 'following' }
  | { role: 'leading'; epoch: number; leaderId: string }
  | { role: 'stopped' }

/** @public Why a leader stopped leading. */
export type StandDownReason = 'stolen' | 'superseded' | 'stopped'

/** @public A running election participant. */
export interface LeaderHost {
  readonly role: LeaderRole
  /** The hub of the current term, if leading. */
  readonly hub: Hub | undefined
  /**
   * True while this host leads and the lock manager says it holds the lock. Stands down at once
   * when it does not.
   */
  fence(): Promise<boolean>
  /** Leave the election for good (stand down if leading). */
  stop(): void
}

interface Term {
  epoch: number
  leaderId: string
  hub: Hub
  serving: Serving
  /** The lock holder's `clientId` as the lock manager reports it, when it does. */
  clientId: string | undefined
  announcer: unknown
  /** Resolving it ends the lock callback, releasing the lock if it is still ours. */
  release: () => void
  /** Releases the hub's liveness lock: tabs waiting on it re-attach. */
  releaseLiveness: () => void
}

/** @public Join the election. */
export function startLeaderHost(options: LeaderHostOptions): LeaderHost {
  const { clock, locks, lockName } = options
  const log: Logger = options.log ?? (() => {})
  const announceEveryMs = options.announceEveryMs ?? 1000
  const silenceMs = options.silenceMs ?? 3000
  const stealJitterMs = options.stealJitterMs ?? 1000
  const checkEveryMs = Math.max(10, Math.floor(silenceMs / 6))

  const announcements: Channel = options.openChannel(options.announceChannel)
  let role: LeaderRole = { role: 'following' }
  let term: Term | undefined
  let highestEpoch = 0
  let heardAt = clock.now()
  let silenceLimit = drawSilenceLimit()
  let lastCheck = clock.now()
  let queued: AbortController | undefined
  let watchdog: unknown

  /** Read afresh after an await (a `stop()` may have come meanwhile). */
  const stopped = () => role.role === 'stopped'

  function drawSilenceLimit() {
    return silenceMs + options.random() * stealJitterMs
  }

  const heard = () => {
    heardAt = clock.now()
    silenceLimit = drawSilenceLimit()
  }

  const announce = () => {
    if (!term) return
    const message: LeaderAnnouncement = {
      type: 'leader',
      epoch: term.epoch,
      leaderId: term.leaderId,
      tabId: options.tabId,
    }
    announcements.post(message)
  }

  const standDown = (ending: Term, reason: StandDownReason) => {
    if (term !== ending) return
    term = undefined
    role = reason === 'stopped' ? { role: 'stopped' } : { role: 'following' }
    clock.clearTimeout(ending.announcer)
    ending.serving.stop()
    ending.hub.close()
    ending.releaseLiveness()
    ending.release()
    heard()
    log({ level: 'info', event: 'leader.stood_down', reason, epoch: ending.epoch })
    if (reason !== 'stopped') queue()
  }

  /** One lock request: leads for as long as the callback holds the lock. */
  const requestLock = (lockOptions: { steal?: boolean; signal?: AbortSignal }) => {
    const grant: { lost: boolean; term: Term | undefined } = { lost: false, term: undefined }
    locks
      .request(lockName, lockOptions, async () => {
        queued = undefined
        if (role.role === 'stopped') return
        const started = await beginTerm()
        if (!started) return
        grant.term = started
        if (grant.lost) return standDown(started, 'stolen')
        await new Promise<void>((release) => {
          started.release = release
          if (term !== started) release()
        })
      })
      .then(
        () => {},
        (error: unknown) => {
          // Stolen (or our own abort of a queued request): the request's promise rejects while
          // a granted callback still holds on.
          grant.lost = true
          if (grant.term) standDown(grant.term, 'stolen')
          else if (!isAbort(error)) log({ level: 'warn', event: 'leader.lock_failed', error: String(error) })
        },
      )
  }

  const queue = () => {
    if (role.role === 'stopped' || queued) return
    queued = new AbortController()
    requestLock({ signal: queued.signal })
  }

  const steal = () => {
    queued?.abort()
    queued = undefined
    log({ level: 'warn', event: 'leader.steal', silentMs: clock.now() - heardAt })
    requestLock({ steal: true })
  }

  const beginTerm = async (): Promise<Term | undefined> => {
    const epoch = Math.max(clock.now(), highestEpoch + 1)
    highestEpoch = epoch
    const clientId = await holderClientId()
    if (role.role === 'stopped') return undefined
    const leaderId = options.newId()
    const liveness = hubLockName(leaderId)
    // Held before any tab can hear of this term, so a tab that watches it never finds it free early.
    const releaseLiveness = await holdLock(locks, liveness).catch(() => () => {})
    if (stopped()) {
      releaseLiveness()
      return undefined
    }
    let current: Term | undefined
    const fence = () => (current ? fenceFor(current) : Promise.resolve(false))
    const hub = options.createHub(fence, { id: leaderId, liveness })
    const serving = serveHub({
      hub,
      epoch,
      callChannel: options.callChannel,
      openChannel: options.openChannel,
      locks,
      fence,
      log,
    })
    current = {
      epoch,
      leaderId,
      clientId,
      hub,
      serving,
      announcer: undefined,
      release: () => {},
      releaseLiveness,
    }
    const started = current
    term = started
    role = { role: 'leading', epoch, leaderId }
    log({ level: 'info', event: 'leader.elected', epoch })
    const beat = () => {
      if (term !== started) return
      announce()
      started.announcer = clock.setTimeout(beat, announceEveryMs)
    }
    beat()
    return started
  }

  const holderClientId = async (): Promise<string | undefined> => {
    try {
      const snapshot = await locks.query()
      const held = snapshot.held?.find((lock) => lock.name === lockName)
      return held?.clientId || undefined
    } catch {
      return undefined
    }
  }

  const fenceFor = async (ofTerm: Term): Promise<boolean> => {
    if (term !== ofTerm) return false
    let holder: { clientId: string | undefined } | undefined
    try {
      const snapshot = await locks.query()
      const held = snapshot.held?.find((lock) => lock.name === lockName)
      holder = held ? { clientId: held.clientId || undefined } : undefined
    } catch {
      return term === ofTerm // cannot ask: trust what we know
    }
    // Asking took a turn of the event loop: a steal noticed meanwhile has stood us down already.
    if (term !== ofTerm) return false
    const ours =
      holder !== undefined &&
      (ofTerm.clientId === undefined || holder.clientId === undefined || holder.clientId === ofTerm.clientId)
    if (!ours) standDown(ofTerm, 'stolen')
    return ours
  }

  const check = () => {
    const now = clock.now()
    // Our own timers stalled (frozen tab, suspended machine): the silence was ours, not the leader's.
    if (now - lastCheck > checkEveryMs * 4) heard()
    lastCheck = now
    if (role.role === 'following' && queued && now - heardAt > silenceLimit) steal()
    if (role.role !== 'stopped') watchdog = clock.setTimeout(check, checkEveryMs)
  }

  announcements.listen((data) => {
    const message = readAnnounce(data)
    if (!message || role.role === 'stopped') return
    if (message.type === 'who') return announce()
    highestEpoch = Math.max(highestEpoch, message.epoch)
    if (!term) return heard()
    if (message.leaderId === term.leaderId) return
    if (message.epoch > term.epoch) standDown(term, 'superseded')
    else announce() // an older leader still talking: it stands down when it hears us
  })

  queue()
  watchdog = clock.setTimeout(check, checkEveryMs)
  announcements.post({ type: 'who' })

  return {
    get role() {
      return role
    },
    get hub() {
      return term?.hub
    },
    fence: () => (term ? fenceFor(term) : Promise.resolve(false)),
    stop() {
      if (role.role === 'stopped') return
      if (term) standDown(term, 'stopped')
      role = { role: 'stopped' }
      queued?.abort()
      queued = undefined
      clock.clearTimeout(watchdog)
      announcements.close()
    },
  }
}

function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'AbortError'
}
