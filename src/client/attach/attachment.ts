/**
 * The attach protocol, one for every mode: the tab's durable `HubApi` over whichever hub it can
 * reach. Dialers differ only in how a hub is reached (SharedWorker, leader tab, page); time
 * limits, hello, resubscribing, retries, continuity, liveness and mode fallback live here.
 *
 *   idle ─hello()─▶ starting ─ping ok─▶ attaching ─hello, subscribe each project─▶ attached
 *                    │   ▲                  │ lost, or failed after greeting          │ lost (liveness lock
 *                    │   │                  ▼                                         │ free, newer leader,
 *                    │   └──────────── waiting (full-jitter backoff; views say ◀──────┘ ping unanswered,
 *                    │                  `reconnecting`)                                 unknown_tab)
 *                    └─ failed to start ─▶ the next mode (onModeChange), or `failed` when none is left
 *   a re-attach the server refuses (401) ─▶ suspended until `reconnect()`;  close() ─▶ closed
 *
 * A hub that worked in this tab and then fails to start is retried a few times before the
 * next mode is tried (a closing SharedWorker may still be matched by name for a moment).
 */
import { type Clock, DEFAULT_BACKOFF, type Logger, nextDelay } from '../../hub'
import {
  HUB_PROTOCOL_VERSION,
  type HubApi,
  type HubDialer,
  type HubError,
  type HubMode,
  type HubWelcome,
  hubError,
  isHubError,
} from '../../protocol'
import { createCallQueue } from './calls'
import { createDelivery } from './delivery'
import { probe, untilLost } from './liveness'
import { createTabApi, type Registration, type TabApiHost } from './tab-api'
import { callOn as callOnLink, isLost, step, type Watch, watchLink } from './watch'

/** @public Where the attachment stands. */
export type AttachState =
  | { state: 'idle' }
  | { state: 'starting'; mode: HubMode }
  | { state: 'attaching'; mode: HubMode }
  | { state: 'attached'; mode: HubMode; hubId: string }
  | { state: 'waiting'; mode: HubMode; attempt: number; retryAt: number; reason: string }
  | { state: 'suspended'; error: HubError }
  | { state: 'failed'; error: HubError }
  | { state: 'closed' }

/** @public A mode failed to start and the next one is tried. */
export interface ModeChange {
  mode: HubMode
  previous: HubMode
  reason: string
}

/** @public What an attachment is built from. */
export interface AttachmentOptions {
  /** Ways to reach a hub, preferred first: the next is tried when one fails to start. */
  dialers: readonly HubDialer[]
  clock: Clock
  random: () => number
  /** Resolves once the Web Lock `name` comes free; absent where there are no Web Locks. */
  whenFree?: ((name: string, signal: AbortSignal) => Promise<void>) | undefined
  timeLimit(method: keyof HubApi): number
  /** A new hub must answer `ping` (and a dialer find one) within this. */
  startTimeoutMs: number
  /** A call waits at most this long for a hub before it settles with `unavailable`. */
  waitLimitMs: number
  /** Where no liveness lock tells of a hub's death, it is pinged this often. */
  pingEveryMs: number
  /** A hub that stayed attached this long resets the backoff. */
  minUptimeMs: number
  log: Logger
  onModeChange?: ((change: ModeChange) => void) | undefined
}

/** @public */
export interface Attachment {
  /** Calls made through it survive the hub's death: they wait, go again, or settle clearly. */
  readonly api: HubApi
  readonly mode: HubMode
  readonly state: AttachState
  close(): void
}

/** A hub that worked here may fail to start this many times in a row before the next mode. */
const RESTARTS_BEFORE_FALLBACK = 3

/** @public Start nothing yet: attaching begins with the tab's `hello`. */
export function createAttachment(options: AttachmentOptions): Attachment {
  const { clock, dialers, log } = options
  let state: AttachState = { state: 'idle' }
  let modeIndex = 0
  const worked = new Set<number>()
  let startFailures = 0
  let attempt = 0
  let attachedAt: number | undefined
  let current: Watch | undefined
  let welcome: HubWelcome | undefined
  let registration: Registration | undefined
  let greeting: { resolve(welcome: HubWelcome): void; reject(error: HubError): void } | undefined
  /** The loop runs; `again`: it was asked to run while ending, so it starts over. */
  let looping = false
  let again = false
  let wake: (() => void) | undefined
  let lastLoss = 'the hub is starting'
  let closed = false

  const modeNow = () => dialers[modeIndex]?.mode ?? 'in-page'

  const callOn = <K extends keyof HubApi>(watch: Watch, method: K, args: Parameters<HubApi[K]>) =>
    callOnLink(clock, watch, method, args, options.timeLimit(method))

  const queue = createCallQueue({
    clock,
    timeLimit: options.timeLimit,
    waitLimitMs: options.waitLimitMs,
    waitReason: () => lastLoss,
    onForgotten(link) {
      if (current?.link !== link || registration?.loggedOut) return false
      current.lose('the hub no longer knows this tab (it restarted with fresh state)')
      return true
    },
    onTimeout(link) {
      if (current?.link === link) probe(options, current, welcome?.hubId)
    },
  })

  const delivery = createDelivery({
    onBatch: (batch) => registration?.onBatch(batch),
    loadOlder: (projectId, beforeSeq, limit) => {
      if (!current || !registration) return Promise.reject(hubError('unavailable', 'no hub'))
      return callOn(current, 'loadOlder', [registration.hello.tabId, projectId, beforeSeq, limit])
    },
    log,
  })

  const canRun = () =>
    !closed &&
    registration !== undefined &&
    !registration.leaving &&
    state.state !== 'suspended' &&
    state.state !== 'failed'

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clock.clearTimeout(timer)
        wake = undefined
        resolve()
      }
      const timer = clock.setTimeout(done, ms)
      wake = done
    })

  const everyProject = (status: Parameters<typeof delivery.status>[1]) => {
    for (const projectId of registration?.projects ?? []) void delivery.status(projectId, status)
  }

  /** The hub is gone (or never came): views say `reconnecting`, then wait a jittered while. */
  const lostAndWait = async (reason: string) => {
    if (attachedAt !== undefined && clock.now() - attachedAt >= options.minUptimeMs) attempt = 0
    attachedAt = undefined
    const delay = nextDelay(attempt++, DEFAULT_BACKOFF, options.random)
    const retryAt = clock.now() + delay
    lastLoss = reason
    log({ level: 'warn', event: 'attach.hub_lost', mode: modeNow(), reason, retryInMs: delay })
    state = { state: 'waiting', mode: modeNow(), attempt, retryAt, reason }
    if (registration) delivery.failover(registration.projects)
    everyProject({ status: 'reconnecting', attempt, retryAt, reason: `no hub: ${reason}` })
    await sleep(delay)
  }

  const fail = (error: HubError) => {
    state = { state: 'failed', error }
    log({ level: 'error', event: 'attach.failed', reason: error.message })
    greeting?.reject(error)
    greeting = undefined
    queue.rejectAll(error)
    everyProject({ status: 'disconnected' })
  }

  const onStartFailed = async (index: number, reason: string) => {
    const dialer = dialers[index]
    if (!dialer) return fail(hubError('unavailable', 'no way to reach a hub'))
    log({ level: 'error', event: 'attach.start_failed', mode: dialer.mode, reason })
    if (worked.has(index) && ++startFailures < RESTARTS_BEFORE_FALLBACK) return lostAndWait(reason)
    const next = dialers[index + 1]
    if (!next) return fail(hubError('unavailable', `no hub could start (${dialer.mode}: ${reason})`))
    dialer.close()
    modeIndex = index + 1
    startFailures = 0
    log({ level: 'error', event: 'attach.mode_fallback', from: dialer.mode, to: next.mode, reason })
    options.onModeChange?.({ mode: next.mode, previous: dialer.mode, reason })
  }

  const start = async (dialer: HubDialer): Promise<Watch> => {
    const watch = watchLink(await dialer.open())
    try {
      const pong = await step(clock, watch, watch.link.api.ping(), options.startTimeoutMs, 'ping()')
      if (pong.protocolVersion !== HUB_PROTOCOL_VERSION) {
        throw hubError(
          'unavailable',
          `the hub speaks protocol ${pong.protocolVersion}, this tab ${HUB_PROTOCOL_VERSION} (another build's worker still runs)`,
        )
      }
      return watch
    } catch (error) {
      watch.link.close()
      throw isLost(error) ? hubError('unavailable', error.lost) : error
    }
  }

  /** Hello, then every shown project, on `watch`'s hub. */
  const attach = async (watch: Watch, tab: Registration): Promise<HubWelcome> => {
    const { link } = watch
    const mine = () => current === watch
    const answer = await callOn(watch, 'hello', [
      { ...tab.hello },
      (batch) => (mine() ? delivery.deliver(batch) : undefined),
      (event) => {
        if (!mine()) return
        if (event.type === 'logged_out') tab.loggedOut = true
        tab.onSession(event)
      },
      (entry) => {
        if (mine()) tab.onLog?.(entry)
      },
    ])
    const projects = [...tab.projects]
    const subscribed = await Promise.allSettled(
      projects.map((projectId) => callOn(watch, 'subscribe', [tab.hello.tabId, projectId])),
    )
    for (const [i, result] of subscribed.entries()) {
      if (result.status === 'fulfilled') continue
      // A project the hub refuses (a bad id) is dropped, as its first subscribe would have been.
      if (isHubError(result.reason) && result.reason.code === 'invalid_argument') {
        tab.projects.delete(projects[i] ?? '')
      } else throw result.reason
    }
    log({ level: 'info', event: 'attach.attached', mode: link.mode, hubId: answer.hubId })
    return answer
  }

  /** The loop: reach a hub, attach, wait for its end, and again, while the tab wants a hub. */
  const run = async () => {
    while (canRun() && registration) {
      const tab = registration
      const index = modeIndex
      const dialer = dialers[index]
      if (!dialer) return fail(hubError('unavailable', 'no way to reach a hub'))
      state = { state: 'starting', mode: dialer.mode }
      let watch: Watch
      try {
        watch = await start(dialer)
      } catch (error) {
        if (canRun()) await onStartFailed(index, isHubError(error) ? error.message : String(error))
        continue
      }
      if (!canRun()) return watch.link.close()
      current = watch
      state = { state: 'attaching', mode: dialer.mode }
      const covered = queue.nextOrder
      let answer: HubWelcome
      try {
        answer = await attach(watch, tab)
      } catch (error) {
        current = undefined
        queue.orphan(watch.link)
        watch.link.close()
        if (!canRun()) return
        if (isLost(error)) await lostAndWait(error.lost)
        else if (isHubError(error) && error.code === 'timeout') await onStartFailed(index, error.message)
        else if (!tab.greeted) {
          // The first hello failed (not signed in, offline with no known user): the tab hears it.
          registration = undefined
          greeting?.reject(isHubError(error) ? error : hubError('unavailable', String(error)))
          greeting = undefined
          state = { state: 'idle' }
          return
        } else if (isHubError(error) && error.code === 'unauthenticated') {
          // No retry loop on a refused session: tell the tab once and wait for `reconnect()`.
          state = { state: 'suspended', error }
          queue.rejectAll(error)
          tab.onSession({ type: 'auth_failed', code: 401, reason: error.message })
          return
        } else await lostAndWait(isHubError(error) ? error.message : String(error))
        continue
      }
      welcome = answer
      attachedAt = clock.now()
      worked.add(index)
      startFailures = 0
      state = { state: 'attached', mode: dialer.mode, hubId: answer.hubId }
      if (!tab.greeted) {
        tab.greeted = true
        greeting?.resolve(answer)
        greeting = undefined
      }
      queue.restored(covered)
      queue.pump(watch.link)
      const reason = await untilLost(options, watch, answer)
      current = undefined
      queue.orphan(watch.link)
      watch.link.close()
      if (canRun()) await lostAndWait(reason)
    }
  }

  const kick = () => {
    if (looping) {
      again = true
      return
    }
    looping = true
    void run()
      .catch((error: unknown) => log({ level: 'error', event: 'attach.loop_failed', error: String(error) }))
      .finally(() => {
        looping = false
        if (again) {
          again = false
          kick()
        }
      })
  }

  const invoke = (method: keyof HubApi, args: unknown[]): Promise<unknown> => {
    if (closed) return Promise.reject(hubError('unavailable', 'the chat client is closed'))
    if (!registration) {
      return Promise.reject(hubError('unknown_tab', `${method}() before hello(): call hello() first`))
    }
    if (state.state === 'suspended' || state.state === 'failed') {
      if (method !== 'reconnect') return Promise.reject(state.error)
      state = { state: 'idle' }
      kick()
    }
    if (method === 'reconnect') wake?.() // skip the backoff wait too
    const pending = queue.add(method, args)
    if (state.state === 'attached' && current) queue.pump(current.link)
    return pending
  }

  const register: TabApiHost['register'] = async (hello, onBatch, onSession, onLog) => {
    if (closed) throw hubError('unavailable', 'the chat client is closed')
    if (registration && registration.hello.tabId !== hello.tabId) {
      throw hubError('invalid_argument', 'one attachment serves one tab: hello() with the same tabId')
    }
    if (registration?.greeted && welcome) {
      Object.assign(registration, { hello: { ...hello }, onBatch, onSession, onLog })
      return welcome
    }
    registration = {
      hello: { ...hello },
      onBatch,
      onSession,
      onLog,
      projects: new Set(),
      greeted: false,
      loggedOut: false,
      leaving: false,
    }
    const greeted = new Promise<HubWelcome>((resolve, reject) => {
      greeting = { resolve, reject }
    })
    kick()
    return greeted
  }

  const api = createTabApi({
    registration: () => registration,
    register,
    invoke,
    forget: (projectId) => delivery.forget(projectId),
    leave() {
      if (!registration) return false
      registration.leaving = true
      wake?.()
      return state.state === 'attached'
    },
  })

  return {
    api,
    get mode() {
      return modeNow()
    },
    get state() {
      return state
    },
    close() {
      if (closed) return
      closed = true
      state = { state: 'closed' }
      const error = hubError('unavailable', 'the chat client is closed')
      greeting?.reject(error)
      greeting = undefined
      queue.rejectAll(error)
      current?.lose('closed')
      wake?.()
      for (const dialer of dialers) dialer.close()
    },
  }
}
