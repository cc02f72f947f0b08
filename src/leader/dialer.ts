/**
 * Leader-tab mode from a tab: it starts its own leader worker (which joins the election), keeps
 * it running (a worker that dies is started again: its lifetime lock comes free), follows the
 * announcements, and opens links to the current leader — never to one it has seen go.
 */
import { type Clock, DEFAULT_BACKOFF, type Logger, nextDelay } from '../hub'
import {
  announceChannelName,
  callChannelName,
  HUB_PROTOCOL_VERSION,
  type HubConfigJson,
  type HubDialer,
  type HubLink,
  hubError,
  hubLockName,
  type LeaderAnnouncement,
  type LeaderWorkerStart,
  leaderWorkerLockName,
  leaderWorkerName,
  readFromLeaderWorker,
  readToTab,
  tabChannelName,
} from '../protocol'
import { followLeaders } from './follower'
import { createLeaderLink, type LeaderLink } from './leader-link'
import { type LocksLike, type OpenChannel, whenFree } from './platform'

/** @public What the dialer is built from. */
export interface LeaderDialerOptions {
  tabId: string
  config: HubConfigJson
  /** Creates this tab's leader worker (the `persistent-chat/leader-worker` entry). */
  dedicatedWorker(name: string): Worker
  openChannel: OpenChannel
  locks: LocksLike
  clock: Clock
  random: () => number
  newId(): string
  log: Logger
  /** How long `open()` waits to hear a leader before the mode counts as failed to start. */
  startTimeoutMs: number
}

interface OwnWorker {
  worker: Worker
  lifetimeLock: string
  startedAt: number | undefined
  watch: AbortController
}

/** A worker that lived this long had no start-up trouble: its next restart waits the shortest. */
const STABLE_MS = 60_000

/** @public */
export function createLeaderDialer(options: LeaderDialerOptions): HubDialer {
  const { tabId, config, locks, clock, log } = options
  const follower = followLeaders(options.openChannel, announceChannelName(HUB_PROTOCOL_VERSION, config))
  const calls = options.openChannel(callChannelName(HUB_PROTOCOL_VERSION, config))
  const tabChannel = options.openChannel(tabChannelName(tabId))
  const links = new Map<number, LeaderLink>()
  /** Leaders whose term this tab saw end. */
  const gone = new Set<string>()
  const failureListeners = new Set<(reason: string) => void>()
  let own: OwnWorker | undefined
  let starts = 0
  let restarts = 0
  let restartTimer: unknown
  /** Why this tab's worker could not start, while that is so. */
  let ownFailure: string | undefined
  let closed = false

  tabChannel.listen((data) => {
    const message = readToTab(data)
    if (message) links.get(message.epoch)?.receive(message)
  })

  const failOwn = (entry: OwnWorker, reason: string) => {
    if (own !== entry) return
    ownFailure = reason
    log({ level: 'error', event: 'leader.worker_failed', reason })
    for (const listener of [...failureListeners]) listener(reason)
  }

  const spawn = () => {
    restartTimer = undefined
    if (closed) return
    const lifetimeLock = leaderWorkerLockName(tabId, ++starts)
    const worker = options.dedicatedWorker(leaderWorkerName(HUB_PROTOCOL_VERSION, tabId))
    const entry: OwnWorker = { worker, lifetimeLock, startedAt: undefined, watch: new AbortController() }
    own = entry
    worker.addEventListener('message', (event: MessageEvent) => {
      const message = readFromLeaderWorker(event.data)
      if (own !== entry || !message) return
      if (message.type === 'refused') return failOwn(entry, `the leader worker refused: ${message.reason}`)
      entry.startedAt = clock.now()
      ownFailure = undefined
      whenFree(locks, lifetimeLock, entry.watch.signal).then(
        () => died(entry),
        () => {}, // aborted: closed or replaced
      )
    })
    worker.addEventListener('error', (event: Event) => {
      if (own !== entry) return
      const detail = 'message' in event && event.message ? String(event.message) : 'its script did not load'
      // Before it started, an error is a load failure; after, an uncaught error it survives.
      if (entry.startedAt === undefined) failOwn(entry, `the leader worker failed to start: ${detail}`)
      else log({ level: 'warn', event: 'leader.worker_error', error: detail })
    })
    const start: LeaderWorkerStart = {
      type: 'start',
      protocolVersion: HUB_PROTOCOL_VERSION,
      tabId,
      config,
      lifetimeLock,
    }
    worker.postMessage(start)
  }

  /** The worker's lifetime lock came free: it closed or crashed. Start another, after a jittered wait. */
  const died = (entry: OwnWorker) => {
    if (own !== entry || closed) return
    own = undefined
    entry.worker.terminate()
    if (entry.startedAt !== undefined && clock.now() - entry.startedAt >= STABLE_MS) restarts = 0
    const delay = nextDelay(restarts++, DEFAULT_BACKOFF, options.random)
    log({ level: 'warn', event: 'leader.worker_died', restartInMs: delay })
    restartTimer = clock.setTimeout(spawn, delay)
  }

  /** The newest leader not seen gone; rejects when none is heard in time, or this tab's worker cannot start. */
  const waitForLeader = () =>
    new Promise<LeaderAnnouncement>((resolve, reject) => {
      const controller = new AbortController()
      const finish = (error?: unknown) => {
        clock.clearTimeout(timer)
        failureListeners.delete(onFailure)
        controller.abort()
        if (error) reject(error)
      }
      const onFailure = (reason: string) => finish(hubError('unavailable', reason))
      const timer = clock.setTimeout(
        () =>
          finish(
            hubError(
              'unavailable',
              `no leader tab announced itself within ${options.startTimeoutMs} ms${ownFailure ? ` (${ownFailure})` : ''}`,
            ),
          ),
        options.startTimeoutMs,
      )
      failureListeners.add(onFailure)
      follower
        .next((leader) => !gone.has(leader.leaderId), controller.signal)
        .then(
          (leader) => {
            finish()
            resolve(leader)
          },
          () => {}, // aborted by finish()
        )
      if (ownFailure) onFailure(ownFailure)
    })

  const linkTo = (leader: LeaderAnnouncement): HubLink => {
    const watch = new AbortController()
    const never = () => new Promise<string>(() => {}) // aborted: this link was closed
    const gonePromise = Promise.race([
      follower
        .newerThan(leader.epoch, watch.signal)
        .then((next) => `a newer leader took over (tab ${next.tabId})`, never),
      whenFree(locks, hubLockName(leader.leaderId), watch.signal).then(
        () => `the leader tab's hub stopped (tab ${leader.tabId})`,
        never,
      ),
    ]).then((reason) => {
      gone.add(leader.leaderId)
      return reason
    })
    const link = createLeaderLink({
      tabId,
      leader,
      calls,
      newId: options.newId,
      gone: gonePromise,
      log,
      onClose: () => {
        watch.abort()
        if (links.get(leader.epoch) === link) links.delete(leader.epoch)
      },
    })
    links.get(leader.epoch)?.close()
    links.set(leader.epoch, link)
    return link
  }

  return {
    mode: 'leader-tab',
    async open() {
      if (closed) throw hubError('unavailable', 'the leader-tab dialer is closed')
      if (!own && restartTimer === undefined) spawn()
      return linkTo(await waitForLeader())
    },
    close() {
      if (closed) return
      closed = true
      clock.clearTimeout(restartTimer)
      for (const link of [...links.values()]) link.close()
      own?.watch.abort()
      own?.worker.terminate()
      own = undefined
      follower.close()
      calls.close()
      tabChannel.close()
    },
  }
}
