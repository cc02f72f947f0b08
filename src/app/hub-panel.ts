/**
 * The hub panel (`[data-testid=hub-stats]` with `data-connections` and `data-tabs`): streams
 * held, tabs attached, mode, storage health and the current project's seq range. While the
 * panel can be seen (the tab is shown and the panel is laid out, not folded away on a narrow
 * screen) it refreshes every second, and soon after a view change the hub's figures would show
 * (the stream's status, the outbox, the snapshot arriving), with at most one `stats()` call in
 * flight; a new message alone asks nothing, as the range and count it changes come from the
 * view (10 shown tabs at 20 messages a second would otherwise ask up to 40 times a second).
 * Out of sight it asks the hub nothing and catches up the moment it is seen again.
 */
import type { HubStats, ProjectView } from '../client'
import { h, setAttr, setText } from './dom'

/** @internal */
export interface HubPanel {
  /** The project view changed: show its range now, and refresh the hub's figures soon. */
  noteView(view: ProjectView): void
}

/** @internal Options of `createHubPanel`. */
export interface HubPanelOptions {
  projectId: string
  stats(): Promise<HubStats>
  /** Shows and hides the panel where it does not fit beside the list (narrow screens). */
  toggle: HTMLButtonElement
}

const REFRESH_MS = 1000
/** Refreshes caused by view changes are at least this far apart. */
const MIN_GAP_MS = 250

/** `toLocaleString()` makes a number format per call; this one is made once. */
const counts = new Intl.NumberFormat()

const MODE_LABELS: Record<HubStats['mode'], string> = {
  'shared-worker': 'SharedWorker',
  'leader-tab': 'Leader tab',
  'in-page': 'In this page',
}

/** @internal Mount the panel in `element` (the hook element from index.html). */
export function createHubPanel(element: HTMLElement, options: HubPanelOptions): HubPanel {
  const field = () => h('dd', { text: '—' })
  const mode = h('span', { className: 'chip', text: '…' })
  const connections = field()
  const tabs = field()
  const storage = field()
  const status = field()
  const range = field()
  const inTab = field()
  const reconnects = field()
  const outbox = field()
  const projectList = h('ul', { className: 'project-stats' })

  element.replaceChildren(
    h('h2', { className: 'panel__title' }, [h('span', { text: 'Hub' }), mode]),
    definitions([
      ['Streams held', connections],
      ['Tabs attached', tabs],
      ['Storage', storage],
    ]),
    h('h3', { className: 'panel__subtitle', text: `#${options.projectId}` }),
    definitions([
      ['Stream', status],
      ['Seq range', range],
      ['In this tab', inTab],
      ['Reconnects', reconnects],
      ['Outbox', outbox],
    ]),
    h('h3', { className: 'panel__subtitle', text: 'Projects in the hub' }),
    projectList,
  )

  options.toggle.addEventListener('click', () => {
    const open = element.classList.toggle('is-open')
    options.toggle.setAttribute('aria-expanded', String(open))
  })

  let view: ProjectView | undefined
  let lastStats: HubStats | undefined
  let inFlight = false
  let again = false
  let lastStart = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let projectsKey = ''

  /** The figures the view gives (range, count): on every view change, so kept to two text writes. */
  const paintView = () => {
    // The hub's range only until the view has one of its own.
    const known = view?.range ?? lastStats?.projects.find((p) => p.projectId === options.projectId)
    const low = known?.lowSeq ?? null
    const high = known?.highSeq ?? null
    setText(range, low === null || high === null || high < low ? '—' : `${low} – ${high}`)
    if (view) {
      const confirmed = view.messages.length - view.outbox.length
      setText(inTab, `${counts.format(confirmed)} message${confirmed === 1 ? '' : 's'}`)
    }
  }

  /** The hub's figures: when `stats()` answers. */
  const paintStats = (stats: HubStats) => {
    const project = stats.projects.find((p) => p.projectId === options.projectId)
    setAttr(element, 'data-connections', String(stats.connections))
    setAttr(element, 'data-tabs', String(stats.tabs))
    setText(mode, MODE_LABELS[stats.mode])
    setText(connections, String(stats.connections))
    setText(tabs, `${stats.tabs} (${stats.visibleTabs} visible, ${stats.hiddenTabs} hidden)`)
    setText(storage, stats.degraded ? 'Memory only (degraded)' : 'IndexedDB')
    storage.classList.toggle('is-warning', stats.degraded)
    setText(status, project ? `${project.status}${project.streaming ? '' : ' (no stream)'}` : '—')
    setText(reconnects, project ? `${project.reconnects} (gap fills ${project.gapFills})` : '—')
    setText(outbox, project ? `${project.outboxDepth} queued` : '—')

    const key = JSON.stringify(stats.projects.map((p) => [p.projectId, p.status, p.subscribers]))
    if (key !== projectsKey) {
      projectsKey = key
      projectList.replaceChildren(
        ...stats.projects.map((p) =>
          h('li', { className: p.projectId === options.projectId ? 'is-current' : undefined }, [
            h('span', { className: 'project-stats__id', text: `#${p.projectId}` }),
            h('span', {
              className: 'project-stats__detail',
              text: `${p.status} · ${p.subscribers} tab${p.subscribers === 1 ? '' : 's'}`,
            }),
          ]),
        ),
      )
    }
  }

  const refresh = async () => {
    timer = undefined
    if (inFlight) {
      again = true
      return
    }
    inFlight = true
    lastStart = Date.now()
    try {
      lastStats = await options.stats()
      paintStats(lastStats)
      paintView()
    } catch {
      // Not signed in yet, or the hub is busy: the next tick tries again.
    } finally {
      inFlight = false
      if (again) {
        again = false
        request()
      }
    }
  }

  const request = () => {
    if (timer !== undefined) return
    timer = setTimeout(refresh, Math.max(0, lastStart + MIN_GAP_MS - Date.now()))
  }

  let ticker: ReturnType<typeof setInterval> | undefined
  let laidOut = true
  const seen = () => laidOut && document.visibilityState === 'visible'
  const follow = () => {
    if (!seen()) {
      clearInterval(ticker)
      ticker = undefined
      return
    }
    if (ticker !== undefined) return
    ticker = setInterval(request, REFRESH_MS)
    request()
  }
  document.addEventListener('visibilitychange', follow)
  // Reports the panel leaving and entering the layout (the narrow screens' toggle, a resize).
  new IntersectionObserver((entries) => {
    laidOut = entries.at(-1)?.isIntersecting ?? laidOut
    follow()
  }).observe(element)
  follow()

  return {
    noteView(next) {
      const before = view
      view = next
      paintView()
      if (seen() && changesHubFigures(before, next)) request()
    },
  }
}

/** Whether the hub's figures for the project (status, reconnects, outbox) may differ after this change. */
function changesHubFigures(before: ProjectView | undefined, next: ProjectView): boolean {
  return (
    before === undefined ||
    before.status !== next.status ||
    before.outbox !== next.outbox ||
    before.live !== next.live
  )
}

function definitions(items: Array<[string, HTMLElement]>): HTMLDListElement {
  return h(
    'dl',
    { className: 'stats' },
    items.map(([term, value]) => h('div', { className: 'stats__row' }, [h('dt', { text: term }), value])),
  )
}
