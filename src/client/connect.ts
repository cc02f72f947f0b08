/**
 * Which hubs a tab may reach, in order: the SharedWorker when the browser has one; else the hub
 * of the leader tab elected with Web Locks, over `BroadcastChannel`; else a hub in this page. A
 * mode that fails to start hands over to the next. Whatever the mode, the tab gets one
 * `HubApi` (the attachment's) whose calls settle within a time limit and survive the hub's death.
 */
import { type HubConfig, type Logger, systemClock } from '../hub'
import { broadcastChannel, canElectLeader, whenFree } from '../leader/platform'
import { callTimeLimit, type HubApi, type HubDialer, type HubMode, hubError } from '../protocol'
import { createAttachment, type ModeChange } from './attach/attachment'
import { createInPageDialer } from './attach/in-page-dialer'
import { createSharedWorkerDialer } from './attach/shared-worker-dialer'

/** @public How a tab reaches the hub. */
export interface HubConnection {
  /** The hub as the tab calls it, whichever hub answers now. */
  api: HubApi
  /** The mode of the hub the tab attaches to (it changes when a mode fails to start). */
  readonly mode: HubMode
  /** Detach for good: workers this tab started end. */
  close(): void
}

/** @public Options of `connectHub`. */
export interface ConnectOptions {
  /**
   * `auto`: the SharedWorker when available; else a leader tab (Web Locks, `BroadcastChannel` and
   * a `dedicatedWorker` factory needed); else in the page, one hub per tab. A named mode is tried
   * first; if it cannot start, the ones after it are.
   */
  mode: 'auto' | HubMode
  /**
   * Creates the SharedWorker. Bundlers only see a worker written as
   * `new SharedWorker(new URL('persistent-chat/worker', import.meta.url), { type: 'module', name })`,
   * so the app passes that expression in.
   */
  sharedWorker?: ((name: string) => SharedWorker) | undefined
  /** Creates this tab's leader worker (`persistent-chat/leader-worker`) for browsers without SharedWorker. */
  dedicatedWorker?: ((name: string) => Worker) | undefined
  /** The tab's id (names its leader worker in leader-tab mode). */
  tabId: string
  config: Partial<HubConfig>
  /** Time limit of a call (slow calls get 3 ×); also how long a new hub may take to answer. */
  callTimeoutMs: number
  log: Logger
  onModeChange?: ((change: ModeChange) => void) | undefined
}

/** @public Start attaching (nothing is reached before the tab's `hello`). Throws on a mode without its worker factory. */
export function connectHub(options: ConnectOptions): HubConnection {
  const attachment = createAttachment({
    dialers: chooseDialers(options),
    clock: systemClock,
    random: Math.random,
    whenFree: 'locks' in navigator ? (name, signal) => whenFree(navigator.locks, name, signal) : undefined,
    timeLimit: (method) => callTimeLimit(method, options.callTimeoutMs),
    startTimeoutMs: options.callTimeoutMs,
    waitLimitMs: options.callTimeoutMs * 3,
    pingEveryMs: 2_000,
    minUptimeMs: 5_000,
    log: options.log,
    onModeChange: options.onModeChange,
  })
  return {
    api: attachment.api,
    get mode() {
      return attachment.mode
    },
    close: () => attachment.close(),
  }
}

function chooseDialers(options: ConnectOptions): HubDialer[] {
  const { mode, sharedWorker, dedicatedWorker } = options
  if (mode === 'shared-worker' && !sharedWorker) {
    throw new Error(
      'persistent-chat: mode "shared-worker" needs the `sharedWorker` option (a SharedWorker factory)',
    )
  }
  if (mode === 'leader-tab' && !dedicatedWorker) {
    throw new Error(
      'persistent-chat: mode "leader-tab" needs the `dedicatedWorker` option (a Worker factory)',
    )
  }
  const dialers: HubDialer[] = []
  // `auto` skips what the browser lacks; a named mode is tried anyway and fails over with the reason.
  if (sharedWorker && (mode === 'auto' || mode === 'shared-worker')) {
    if ('SharedWorker' in globalThis) dialers.push(createSharedWorkerDialer(sharedWorker))
    else if (mode === 'shared-worker')
      dialers.push(unavailable('shared-worker', 'this browser has no SharedWorker'))
  }
  if (dedicatedWorker && mode !== 'in-page') {
    if (canElectLeader() && 'Worker' in globalThis) {
      // Loaded only when needed: SharedWorker browsers never fetch leader-tab code.
      dialers.push(
        lazily('leader-tab', async () => {
          const { createLeaderDialer } = await import('../leader/dialer')
          return createLeaderDialer({
            tabId: options.tabId,
            config: options.config,
            dedicatedWorker,
            openChannel: broadcastChannel,
            locks: navigator.locks,
            clock: systemClock,
            random: Math.random,
            newId: () => crypto.randomUUID(),
            log: options.log,
            startTimeoutMs: options.callTimeoutMs,
          })
        }),
      )
    } else if (mode === 'leader-tab') {
      dialers.push(unavailable('leader-tab', 'this browser lacks Web Locks, BroadcastChannel or Worker'))
    }
  }
  dialers.push(createInPageDialer(options.config))
  return dialers
}

/** A dialer built on its first `open()`. */
function lazily(mode: HubMode, load: () => Promise<HubDialer>): HubDialer {
  let loading: Promise<HubDialer> | undefined
  let closed = false
  return {
    mode,
    async open() {
      loading ??= load()
      const dialer = await loading
      if (closed) throw hubError('unavailable', `the ${mode} dialer is closed`)
      return dialer.open()
    },
    close() {
      closed = true
      void loading?.then((dialer) => dialer.close())
    },
  }
}

/** A mode the app asked for that this browser cannot run: it fails to start, with why. */
function unavailable(mode: HubMode, reason: string): HubDialer {
  return {
    mode,
    open: () => Promise.reject(hubError('unavailable', reason)),
    close() {},
  }
}
