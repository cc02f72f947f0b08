/**
 * Fake hubs that die and restart, for the attach protocol in Node: a world with one message log
 * and hub instances that serve it (each holds a liveness lock in a fake lock manager while it
 * lives), dialers that reach the world's current instance (starting one when none runs), and a
 * tab that renders with the client's own `applyChanges`. Time is a fake clock.
 */
import {
  type Attachment,
  type AttachmentOptions,
  createAttachment,
} from '../../../src/client/attach/attachment'
import { applyChanges, EMPTY_VIEW, type ProjectView } from '../../../src/client/message-list'
import { holdLock, whenFree } from '../../../src/leader/platform'
import {
  type BatchListener,
  type ChannelChange,
  HUB_PROTOCOL_VERSION,
  type HubApi,
  type HubDialer,
  type HubError,
  type HubLink,
  type HubMode,
  type HubStats,
  hubError,
  hubLockName,
  type LogEntry,
  type PersistentChatMessage,
  type SessionEvent,
  type SessionListener,
} from '../../../src/protocol'
import { createFakeClock, type FakeClock } from '../../helpers/fake-clock'
import { createFakeLocks, type FakeLocks } from '../../leader/fakes'

/** @internal A message of the world's one project log. */
export function message(
  seq: number,
  text = `message ${seq}`,
  clientMsgId: string | null = null,
): PersistentChatMessage {
  return {
    id: `m${seq}`,
    seq,
    text,
    message_type: 'user',
    user_id: 'u1',
    project_id: 'p',
    client_msg_id: clientMsgId,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    build_id: null,
    response_data: null,
    mode: undefined,
    actor_type: 'client',
  }
}

/** @internal One running hub. */
export interface FakeHub {
  id: string
  mode: HubMode
  /** What it was asked, in order (`ping` left out). */
  calls: string[]
  alive: boolean
  /** Its thread ends: nothing answers any more, and its liveness lock comes free. */
  die(): void
  /** Methods that get no answer while this holds (a wedged or dead hub). */
  silent: Set<keyof HubApi>
  /** It forgets every tab, as a worker restarted with fresh state would. */
  forget(): void
}

/** @internal The world: one log, the hubs that served it, and what they are made to do. */
export interface World {
  clock: FakeClock
  locks: FakeLocks
  hubs: FakeHub[]
  /** The log the hubs serve, seq 1… in order. */
  log: PersistentChatMessage[]
  /** The backend got a new message: every live hub pushes it to its subscribers. */
  publish(text: string, clientMsgId?: string | null): PersistentChatMessage
  /** The live hub of `mode`, if one runs. */
  live(mode?: HubMode): FakeHub | undefined
  /** A dialer of `mode`: reaches the live hub of that mode, starting one if none runs. */
  dialer(mode: HubMode, behaviour?: DialerBehaviour): HubDialer & { opened: number; closed: boolean }
}

/** @internal What a dialer is made to do, per `open()` (the n-th open, 1-based). */
export interface DialerBehaviour {
  /** Reject this open with why (a worker that cannot be constructed). */
  refuse?: ((open: number) => string | undefined) | undefined
  /** The link dies at once with why (the worker's `error` event). */
  breaks?: ((open: number) => string | undefined) | undefined
  /** The hub never answers ping (a worker that loads but hangs). */
  mute?: ((open: number) => boolean) | undefined
  /** Hold no liveness lock (a browser without Web Locks). */
  noLiveness?: boolean | undefined
  /** Its hello refuses with this (the preflight refused: not signed in). */
  refuseHello?: (() => HubError | undefined) | undefined
}

interface Attached {
  onBatch: BatchListener
  onSession: SessionListener
  projects: Set<string>
}

/** @internal */
export function createWorld(): World {
  const clock = createFakeClock()
  const locks = createFakeLocks()
  const hubs: FakeHub[] = []
  const log: PersistentChatMessage[] = []
  const pushers = new Set<(message: PersistentChatMessage) => void>()
  let ids = 0

  const startHub = (
    mode: HubMode,
    behaviour: DialerBehaviour,
    mute: boolean,
  ): { hub: FakeHub; api: HubApi } => {
    const id = `hub-${++ids}`
    const tabs = new Map<string, Attached>()
    const calls: string[] = []
    const silent = new Set<keyof HubApi>()
    if (mute) silent.add('ping')
    const liveness = behaviour.noLiveness ? undefined : hubLockName(id)
    let release: () => void = () => {}
    const held = liveness
      ? holdLock(locks.client(id), liveness).then((free) => {
          release = free
        })
      : Promise.resolve()
    const hub: FakeHub = {
      id,
      mode,
      calls,
      alive: true,
      silent,
      die() {
        hub.alive = false
        pushers.delete(push)
        release()
        locks.crash(id)
      },
      forget: () => tabs.clear(),
    }
    const push = (m: PersistentChatMessage) => {
      for (const tab of tabs.values()) {
        if (tab.projects.has('p'))
          void tab.onBatch({
            projectId: 'p',
            changes: [{ type: 'messages', messages: [m], range: { lowSeq: 1, highSeq: m.seq ?? 0 } }],
          })
      }
    }
    pushers.add(push)
    /** Answers, unless dead or silenced: then the call never settles, as with a dead worker. */
    const answer = <T>(method: keyof HubApi, work: () => T | Promise<T>): Promise<T> => {
      if (!hub.alive || silent.has(method)) return new Promise<T>(() => {})
      return held.then(work)
    }
    const tabOf = (tabId: string) => {
      const tab = tabs.get(tabId)
      if (!tab) throw hubError('unknown_tab', `tab ${tabId} has not said hello`)
      return tab
    }
    const stats: HubStats = {
      connections: 1,
      tabs: 0,
      visibleTabs: 0,
      hiddenTabs: 0,
      degraded: false,
      mode,
      projects: [],
      tabList: [],
      storagePersisted: null,
    }
    const snapshot = (): ChannelChange => ({
      type: 'reset',
      snapshot: {
        projectId: 'p',
        messages: log.slice(-5),
        outbox: [],
        status: { status: 'connected' },
        range: log.length > 0 ? { lowSeq: log[0]?.seq ?? 1, highSeq: log.length } : null,
        hasOlder: log.length > 5,
      },
    })
    const api: HubApi = {
      ping: () => answer('ping', () => ({ protocolVersion: HUB_PROTOCOL_VERSION, hubId: id })),
      hello: (hello, onBatch, onSession) =>
        answer('hello', () => {
          calls.push(`hello visible=${hello.visible}`)
          const refusal = behaviour.refuseHello?.()
          if (refusal) throw refusal
          tabs.set(hello.tabId, { onBatch, onSession, projects: new Set() })
          return {
            userId: 'u1',
            heartbeatMs: 20_000,
            protocolVersion: HUB_PROTOCOL_VERSION,
            verified: true,
            mode,
            hubId: id,
            ...(liveness ? { liveness } : {}),
          }
        }),
      subscribe: (tabId, projectId) =>
        answer('subscribe', async () => {
          calls.push(`subscribe ${projectId}`)
          const tab = tabOf(tabId)
          tab.projects.add(projectId)
          await tab.onBatch({ projectId, changes: [snapshot()] })
        }),
      unsubscribe: (tabId, projectId) =>
        answer('unsubscribe', () => {
          calls.push(`unsubscribe ${projectId}`)
          tabOf(tabId).projects.delete(projectId)
        }),
      send: (tabId, projectId, draft) =>
        answer('send', () => {
          tabOf(tabId)
          calls.push(`send ${draft.text} ${draft.client_msg_id}`)
          // The backend is idempotent by client_msg_id: the same id is the same message.
          const known = log.find((m) => m.client_msg_id === draft.client_msg_id)
          if (!known) world.publish(draft.text, draft.client_msg_id ?? null)
          return {
            client_msg_id: draft.client_msg_id ?? 'none',
            projectId,
            userId: 'u1',
            text: draft.text,
            createdAt: clock.now(),
            status: { state: 'pending', attempts: 0 },
          }
        }),
      retrySend: async () => {},
      discardSend: async () => {},
      loadOlder: (tabId, _projectId, beforeSeq, limit) =>
        answer('loadOlder', () => {
          tabOf(tabId)
          calls.push(`loadOlder ${beforeSeq}`)
          const older = log.filter((m) => (m.seq ?? 0) < beforeSeq)
          return { messages: older.slice(-limit), hasOlder: older.length > limit }
        }),
      reconnect: (tabId) =>
        answer('reconnect', () => {
          tabOf(tabId)
          calls.push('reconnect')
        }),
      setVisibility: (tabId, visible) =>
        answer('setVisibility', () => {
          tabOf(tabId)
          calls.push(`setVisibility ${visible}`)
        }),
      setNetwork: (tabId, online) =>
        answer('setNetwork', () => {
          tabOf(tabId)
          calls.push(`setNetwork ${online}`)
        }),
      stats: () => answer('stats', () => ({ ...stats, tabs: tabs.size })),
      logout: async () => {},
      bye: (tabId) =>
        answer('bye', () => {
          calls.push('bye')
          tabs.delete(tabId)
        }),
    }
    hubs.push(hub)
    return { hub, api }
  }

  const world: World = {
    clock,
    locks,
    hubs,
    log,
    publish(text, clientMsgId = null) {
      const m = message(log.length + 1, text, clientMsgId)
      log.push(m)
      for (const push of [...pushers]) push(m)
      return m
    },
    live: (mode) => hubs.find((h) => h.alive && (mode === undefined || h.mode === mode)),
    dialer(mode, behaviour = {}) {
      const apis = new Map<FakeHub, HubApi>()
      const dialer = {
        mode,
        opened: 0,
        closed: false,
        async open(): Promise<HubLink> {
          const n = ++dialer.opened
          const refused = behaviour.refuse?.(n)
          if (refused) throw hubError('unavailable', refused)
          let hub = world.live(mode)
          if (!hub || behaviour.mute?.(n)) {
            const started = startHub(mode, behaviour, behaviour.mute?.(n) ?? false)
            hub = started.hub
            apis.set(hub, started.api)
          }
          const api = apis.get(hub)
          if (!api) throw new Error('no api')
          const broken = behaviour.breaks?.(n)
          return {
            mode,
            api,
            lost: broken ? Promise.resolve(broken) : new Promise<string>(() => {}),
            close() {},
          }
        },
        close() {
          dialer.closed = true
        },
      }
      return dialer
    },
  }
  return world
}

/** @internal A tab over an attachment to `dialers`: its view of project `p`, its session events and the log. */
export interface FakeTab {
  attachment: Attachment
  api: HubApi
  readonly view: ProjectView
  /** Every status the view went through, in order. */
  statuses: string[]
  sessions: SessionEvent[]
  logs: LogEntry[]
  modeChanges: string[]
  hello(): Promise<unknown>
}

/** @internal Defaults: calls 1 s (slow ones too), start 2 s, wait 6 s, ping every 1 s, backoff draws 0.5. */
export function fakeTab(
  world: World,
  dialers: HubDialer[],
  options: Partial<AttachmentOptions> = {},
): FakeTab {
  let view: ProjectView = EMPTY_VIEW
  const statuses: string[] = []
  const sessions: SessionEvent[] = []
  const logs: LogEntry[] = []
  const modeChanges: string[] = []
  const page = world.locks.client('page')
  const attachment = createAttachment({
    dialers,
    clock: world.clock,
    random: () => 0.5,
    whenFree: (name, signal) => whenFree(page, name, signal),
    timeLimit: () => 1000,
    startTimeoutMs: 2000,
    waitLimitMs: 6000,
    pingEveryMs: 1000,
    minUptimeMs: 5000,
    log: (entry) => logs.push(entry),
    onModeChange: (change) => modeChanges.push(`${change.previous} → ${change.mode}: ${change.reason}`),
    ...options,
  })
  return {
    attachment,
    api: attachment.api,
    get view() {
      return view
    },
    statuses,
    sessions,
    logs,
    modeChanges,
    hello: () =>
      attachment.api.hello(
        { tabId: 't1', visible: true },
        (batch) => {
          view = applyChanges(view, batch.changes)
          for (const change of batch.changes)
            if (change.type === 'status') statuses.push(change.status.status)
          for (const change of batch.changes)
            if (change.type === 'reset') statuses.push(change.snapshot.status.status)
        },
        (event) => sessions.push(event),
        (entry) => logs.push(entry),
      ),
  }
}

/** @internal Let promise chains settle (fake timers do not move). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** @internal The seqs the view shows. */
export const seqs = (view: ProjectView) => view.messages.flatMap((m) => (m.seq === undefined ? [] : [m.seq]))

/**
 * @internal Let `ms` of fake time pass in 10 ms steps, settling promise chains before each step
 * (the fake clock alone fires due timers back to back, ahead of the work they race).
 */
export async function elapse(world: World, ms: number): Promise<void> {
  for (let passed = 0; passed < ms; passed += 10) {
    await settle()
    await world.clock.advance(Math.min(10, ms - passed))
  }
  await settle()
}
