/**
 * The demo app, loaded by boot.ts once the first paint is on screen: creates the chat client
 * (hub in a SharedWorker, or in an elected leader tab's worker where SharedWorker is missing),
 * takes over the first paint's message list and wires the parts of the page to the project's
 * view. Wiring only.
 */
import './later-styles'
import { createChatClient, type ProjectView } from '../client'
import LeaderWorker from '../worker/leader-worker?worker'
import ChatWorker from '../worker/shared-worker?sharedworker'
import { createBanners } from './banners'
import { createCatchUpHold } from './catch-up-hold'
import { createComposer } from './composer'
import { byId } from './dom'
import { firstPaint } from './first-paint'
import { createHubPanel } from './hub-panel'
import { createPresenceList } from './presence-list'
import { createProjectSwitcher } from './project-switcher'
import { createRenderScheduler } from './render-scheduler'
import { watchSession } from './session'
import { createStatusBadge } from './status-badge'
import { loginUrl, projectUrl, readClientOptions } from './urls'

const page = firstPaint()
const { config, list } = page
const { projectId } = config
if (config.projectMissing)
  history.replaceState(history.state, '', projectUrl(new URL(location.href), projectId))
document.title = `#${projectId} · persistent-chat`

const { mode, hub } = readClientOptions(new URL(location.href))
const client = createChatClient({
  sharedWorker: (name) => new ChatWorker({ name }),
  // Browsers without SharedWorker (Chrome on Android) elect a leader tab that hosts the hub.
  dedicatedWorker: (name) => new LeaderWorker({ name }),
  mode,
  config: hub,
  // first-paint.ts has painted the cache already.
  cachedPaint: 0,
})
const project = client.project(projectId)
const reconnect = () => void project.reconnect().catch(() => {})

const banners = createBanners(byId('banners'), {
  projectId,
  signInUrl: loginUrl(new URL(location.href)),
  onRetry: reconnect,
})
const badge = createStatusBadge(byId('connection-status'), { onRetryNow: reconnect })
const hubPanel = createHubPanel(byId('hub-stats'), {
  projectId,
  stats: () => client.stats(),
  toggle: byId<HTMLButtonElement>('hub-toggle'),
})
const presence = createPresenceList(byId('presence'))
createProjectSwitcher(byId<HTMLFormElement>('project-switcher'), projectId)
createComposer(byId<HTMLFormElement>('composer'), {
  onSend: (text) => {
    list.scrollToLatest()
    return project.send(text)
  },
})
watchSession({
  client,
  banners,
  userLabel: byId('user'),
  logoutButton: byId<HTMLButtonElement>('logout'),
  onUser: (userId) => list.setOwnUser(userId),
})

if (config.invalidProject !== undefined) {
  banners.showProblem(`“${config.invalidProject}” is not a valid project id — showing #${projectId}.`)
}

let latest: ProjectView = page.withCache(project.view)
const catchUp = createCatchUpHold({ wake: () => renders.schedule() })
const renders = createRenderScheduler(() => {
  if (!catchUp.holds(latest)) list.render(latest)
  badge.render(latest.status)
  banners.setStatus(latest.status)
  hubPanel.noteView(latest)
  presence.render(latest.presence)
})
page.takeOver(
  {
    loadOlder: () => project.loadOlder(100),
    retry: (id) => void project.retry(id).catch(() => {}),
    discard: (id) => void project.discard(id).catch(() => {}),
  },
  () => {
    latest = page.withCache(project.view)
    renders.schedule()
  },
)
project.subscribe((view) => {
  latest = page.withCache(view)
  renders.schedule()
})

addEventListener('online', () => banners.setNetwork(true))
addEventListener('offline', () => banners.setNetwork(false))

// workbox-window is needed by no paint: it loads after the app.
import('./register-sw')
  .then(({ registerServiceWorker }) =>
    registerServiceWorker({ onUpdateReady: (reload) => banners.showUpdate(reload) }),
  )
  .catch((error: unknown) => {
    console.warn('persistent-chat: service worker registration failed', error)
  })
