/**
 * One simulation run: a seed picks a backend from the family, fault rates, the hub's config and
 * a plan of actions (peers posting, tabs opening, reloading, closing, hiding, sending, scrolling
 * back, the network going away, a backend data reset, the wall clock jumping). The plan runs
 * with faults on and the invariants checked after every step; then the faults stop, and every
 * tab must show the log's latest messages within a bounded virtual time, every send once.
 */
import { createRandom } from '../helpers/random'
import { type BackendVariant, createModelBackend, type FaultRates, type ModelBackend } from './backend'
import { createModelHub, type ModelHub } from './hub'
import { checkBudget, checkSends, checkStore, checkTab, SimViolation, unsettled } from './invariants'
import { createModelMux, type MuxRates } from './mux'
import { createOutbox, type Outbox } from './outbox'
import { createModelStore } from './store'
import { openTab, type SimTab, type TabWorld } from './tabs'
import { createWorld } from './world'

/** @internal One planned action: the input trace a failing seed shrinks. */
export type Action =
  | { at: number; kind: 'append'; project: number; count: number }
  | { at: number; kind: 'open' | 'reload' | 'close' | 'hide' | 'show' | 'older'; slot: number }
  | { at: number; kind: 'send'; slot: number }
  | { at: number; kind: 'offline'; ms: number }
  | { at: number; kind: 'reset'; project: number; fresh: number }
  | { at: number; kind: 'clock'; jumpMs: number }

/** @internal */
export interface SimPlan {
  variant: BackendVariant
  rates: FaultRates
  config: {
    pageSize: number
    maxBackfill: number
    windowSize: number
    maxTabBackfill: number
    prefetchHistory: boolean
    closeWhenAllHiddenMs: number | null
  }
  projects: string[]
  slots: Array<{ project: number }>
  /** One stream per project, or one multiplexed stream for all (with its own faults). */
  transport: { kind: 'per-project' } | { kind: 'mux'; rates: MuxRates }
  faultMs: number
  actions: Action[]
}

/** @internal */
export interface SimResult {
  seed: number
  ok: boolean
  violation?: string | undefined
  /** Virtual ms when it broke, and the step's label. */
  at?: { ms: number; step: string } | undefined
  steps: number
  faults: number
  messages: number
  virtualMs: number
  plan: SimPlan
}

const QUIET_MS = 20 * 60_000

/** @internal Everything a seed decides before the run. */
export function planFor(seed: number, options: { faultMs?: number | undefined } = {}): SimPlan {
  const r = createRandom(seed ^ 0x5eed)
  const pick = <T>(values: readonly T[]): T => values[Math.floor(r() * values.length)] as T
  const heavy = r() < 0.3
  const rate = (p: number) => (heavy ? p * 2.5 : p) * r()
  const variant: BackendVariant = {
    replayLimit: pick([200, 200, 50, 0]),
    heartbeatMs: pick([5_000, 5_000, null]),
    historyCap: pick([200, 200, 50, 7]),
    totalAvailable: pick(['exact', 'exact', 'over'] as const),
    noCursor: pick(['newest', 'oldest'] as const),
    resetCutsStreams: r() < 0.5,
  }
  const rates: Omit<FaultRates, 'history429'> = {
    streamStatus: rate(0.3),
    stream429: rate(0.05),
    stream401: rate(0.01),
    cut: rate(0.04),
    stall: rate(0.01),
    malformed: rate(0.03),
    duplicate: rate(0.05),
    earlier: rate(0.03),
    unknown: rate(0.03),
    split: rate(0.1),
    historyStatus: rate(0.2),
    sendStatus: rate(0.2),
    sendLost: rate(0.1),
    maxDelayMs: pick([20, 80, 400]),
  }
  const config = {
    pageSize: pick([200, 200, 50]),
    maxBackfill: pick([10_000, 10_000, 300, 60]),
    windowSize: pick([500, 500, 100]),
    closeWhenAllHiddenMs: pick([null, null, 20_000]),
  }
  const projects =
    r() < 0.3 ? (r() < 0.5 ? ['sim_a', 'sim_b'] : ['sim_a', 'sim_b', 'sim_c', 'sim_d']) : ['sim_a']
  const transport: SimPlan['transport'] =
    r() < 0.5
      ? { kind: 'per-project' }
      : { kind: 'mux', rates: { open: rate(0.3), control: rate(0.1), cut: rate(0.02), stall: rate(0.005) } }
  const slotCount = r() < 0.15 ? 8 : 1 + Math.floor(r() * 5)
  const slots = Array.from({ length: slotCount }, () => ({ project: Math.floor(r() * projects.length) }))
  const faultMs = options.faultMs ?? 60_000 * (1 + Math.floor(r() * 4))
  const actions: Action[] = []
  const at = () => Math.floor(r() * faultMs)
  // Some history before any tab opens, so empty caches start mid-log.
  for (const [project] of projects.entries())
    actions.push({ at: 0, kind: 'append', project, count: Math.floor(r() * pick([0, 50, 600])) })
  for (const [slot] of slots.entries()) actions.push({ at: 10 + Math.floor(r() * 3000), kind: 'open', slot })
  const messages = 20 + Math.floor(r() * pick([100, 400, 1500]))
  for (let i = 0; i < messages; i++)
    actions.push({ at: at(), kind: 'append', project: Math.floor(r() * projects.length), count: 1 })
  for (let i = Math.floor(r() * 3); i > 0; i--)
    actions.push({
      at: at(),
      kind: 'append',
      project: Math.floor(r() * projects.length),
      count: 50 + Math.floor(r() * 400),
    })
  const tabActions = [
    'reload',
    'reload',
    'close',
    'open',
    'hide',
    'show',
    'send',
    'send',
    'send',
    'older',
    'older',
  ] as const
  for (let i = 5 + Math.floor(r() * 60); i > 0; i--)
    actions.push({ at: at(), kind: pick(tabActions), slot: Math.floor(r() * slotCount) })
  for (let i = Math.floor(r() * 3); i > 0; i--)
    actions.push({ at: at(), kind: 'offline', ms: 1000 + Math.floor(r() * 60_000) })
  if (r() < 0.1)
    actions.push({
      at: at(),
      kind: 'reset',
      project: Math.floor(r() * projects.length),
      fresh: Math.floor(r() * 300),
    })
  if (r() < 0.1) actions.push({ at: at(), kind: 'clock', jumpMs: pick([-3_600_000, 3_600_000, -30_000]) })
  actions.sort((a, b) => a.at - b.at)
  // Picked last, so that every earlier pick (and the scenarios of recorded seeds) stays as it was.
  const maxTabBackfill = pick([5_000, 5_000, 400, 60])
  const prefetchHistory = pick([true, true, false])
  const history429 = r() < 0.3 ? 0 : rate(0.05)
  return {
    variant,
    rates: { ...rates, history429 },
    config: { ...config, maxTabBackfill, prefetchHistory },
    projects,
    slots,
    transport,
    faultMs,
    actions,
  }
}

/** @internal Run a seed (or a plan, e.g. a shrunk one). */
export function runSeed(
  seed: number,
  plan: SimPlan = planFor(seed),
  inspect?: (parts: { hub: ModelHub; outbox: Outbox; tabs: SimTab[]; backend: ModelBackend }) => void,
  inspectTrace?: (line: string) => void,
): SimResult {
  const world = createWorld()
  const random = createRandom(seed)
  const backend = createModelBackend(world, plan.variant, plan.rates, createRandom(seed + 1))
  const store = createModelStore(world, createRandom(seed + 2))
  store.commitFailure = plan.rates.historyStatus / 4
  const outbox = createOutbox(world, backend, createRandom(seed + 3))
  let clockOffset = 0
  let violation: string | undefined
  const transport =
    plan.transport.kind === 'mux'
      ? createModelMux(world, backend, plan.transport.rates, createRandom(seed + 6), 5_000)
      : backend
  const hub = createModelHub({
    world,
    backend,
    transport,
    store,
    outbox,
    config: { ...plan.config, minUptimeMs: 5_000, closeGraceMs: 5_000, heartbeatMs: 5_000 },
    random: createRandom(seed + 4),
    clockOffset: () => clockOffset,
    violation: (message) => {
      violation ??= message
    },
    trace: inspectTrace,
  })
  const tabWorld: TabWorld = { world, hub, store, outbox, random: createRandom(seed + 5), cachedPaint: 200 }
  const slots: Array<SimTab | undefined> = plan.slots.map(() => undefined)
  const allTabs: SimTab[] = []
  const open = (slot: number) => {
    const projectIndex = plan.slots[slot]?.project ?? 0
    const tab = openTab(tabWorld, plan.projects[projectIndex] ?? 'sim_a')
    slots[slot] = tab
    allTabs.push(tab)
  }
  let messages = 0
  const perform = (action: Action) => {
    const tab = 'slot' in action ? slots[action.slot] : undefined
    const alive = tab?.alive ? tab : undefined
    switch (action.kind) {
      case 'append':
        for (let i = 0; i < action.count; i++)
          backend.append(plan.projects[action.project] ?? 'sim_a', 'user_peer', `peer ${messages++}`)
        return
      case 'open':
        if (!alive) open(action.slot)
        return
      case 'reload':
        alive?.close()
        world.after(50 + Math.floor(random() * 2000), 'reopen', () => {
          if (!slots[action.slot]?.alive) open(action.slot)
        })
        return
      case 'close':
        return alive?.close()
      case 'hide':
      case 'show':
        return alive?.setVisible(action.kind === 'show')
      case 'send':
        return alive?.send(`typed ${messages++}`)
      case 'older':
        return alive?.loadOlder()
      case 'offline':
        hub.setOnline(false)
        world.after(action.ms, 'online', () => hub.setOnline(true))
        return
      case 'reset':
        backend.reset(plan.projects[action.project] ?? 'sim_a', action.fresh)
        return
      case 'clock':
        clockOffset += action.jumpMs
        return
    }
  }
  for (const action of plan.actions) world.after(action.at, `action ${action.kind}`, () => perform(action))

  let at: SimResult['at']
  const check = (label: string) => {
    if (violation) throw new SimViolation(violation)
    for (const tab of allTabs) {
      if (!tab.dirty) continue
      tab.dirty = false
      if (tab.alive) checkTab(backend, tab)
    }
    for (const projectId of store.takeDirty()) checkStore(backend, store, projectId)
    at = { ms: world.now, step: label }
  }
  try {
    world.run(plan.faultMs, check)
    backend.heal()
    store.faultsOn = false
    hub.setOnline(true)
    for (const [slot] of plan.slots.entries()) {
      const tab = slots[slot]
      if (!tab?.alive) open(slot)
      else tab.setVisible(true)
    }
    for (const projectId of plan.projects) backend.append(projectId, 'user_peer', 'after the storm')
    messages += plan.projects.length
    const settled = world.run(
      plan.faultMs + QUIET_MS,
      check,
      () => unsettled(backend, allTabs, outbox) === undefined,
    )
    if (!settled)
      throw new SimViolation(
        `not settled ${QUIET_MS / 60_000} virtual minutes after the faults stopped: ${unsettled(backend, allTabs, outbox)}`,
      )
    checkSends(backend, outbox)
    const logged = plan.projects.reduce(
      (n, p) => n + backend.logs(p).reduce((m, log) => m + log.length, 0),
      0,
    )
    checkBudget(hub, logged, Math.min(plan.config.pageSize, plan.variant.historyCap))
  } catch (error) {
    if (!(error instanceof SimViolation)) throw error
    violation = error.message
  }
  inspect?.({ hub, outbox, tabs: allTabs, backend })
  return {
    seed,
    ok: violation === undefined,
    violation,
    at: violation === undefined ? undefined : at && { ms: world.now, step: at.step },
    steps: world.steps,
    faults: Object.values(backend.faults).reduce((sum, n) => sum + n, 0),
    messages: backend.log(plan.projects[0] ?? 'sim_a').length,
    virtualMs: world.now,
    plan,
  }
}
