/**
 * The demo app entry: reads the URL, creates the chat client (hub in a SharedWorker, or in an
 * elected leader tab's worker where SharedWorker is missing) and wires the parts of the page
 * to the project's view. Wiring only.
 */
import { createChatClient, type ProjectView } from '../client'
import LeaderWorker from '../worker/leader-worker?worker'
import ChatWorker from '../worker/shared-worker?sharedworker'
import { createBanners } from './banners'
import { createComposer } from './composer'
import { byId } from './dom'
import { createFrameScheduler } from './frame-scheduler'
import { createHubPanel } from './hub-panel'
import { createMessageListView } from './message-list-view'
import { createPresenceList } from './presence-list'
import { createProjectSwitcher } from './project-switcher'
import { registerServiceWorker } from './register-sw'
import { watchSession } from './session'
import { createStatusBadge } from './status-badge'
import { loginUrl, projectUrl, readUrlConfig } from './url-config'

/** Renders at most this often; see frame-scheduler.ts. */
const RENDER_INTERVAL_MS = 50

const config = readUrlConfig(new URL(location.href))
const { projectId } = config
if (config.projectMissing)
  history.replaceState(history.state, '', projectUrl(new URL(location.href), projectId))
document.title = `#${projectId} · persistent-chat`

const client = createChatClient({
  sharedWorker: (name) => new ChatWorker({ name }),
  // Browsers without SharedWorker (Chrome on Android) elect a leader tab that hosts the hub.
  dedicatedWorker: (name) => new LeaderWorker({ name }),
  mode: config.mode,
  config: config.hub,
})
const project = client.project(projectId)
const reconnect = () => void project.reconnect().catch(() => {})

const banners = createBanners(byId('banners'), {
  projectId,
  signInUrl: loginUrl(new URL(location.href)),
  onRetry: reconnect,
})
const badge = createStatusBadge(byId('connection-status'), { onRetryNow: reconnect })
const list = createMessageListView({
  scroller: byId('message-list'),
  jumpButton: byId<HTMLButtonElement>('jump-latest'),
  projectId,
  onLoadOlder: () => project.loadOlder(100),
  onRetry: (id) => void project.retry(id).catch(() => {}),
  onDiscard: (id) => void project.discard(id).catch(() => {}),
})
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

let latest: ProjectView = project.view
const frame = createFrameScheduler(
  () => {
    list.render(latest)
    badge.render(latest.status)
    banners.setStatus(latest.status)
    hubPanel.noteView(latest)
    presence.render(latest.presence)
  },
  { minIntervalMs: RENDER_INTERVAL_MS },
)
project.subscribe((view) => {
  latest = view
  frame.schedule()
})

addEventListener('online', () => banners.setNetwork(true))
addEventListener('offline', () => banners.setNetwork(false))

registerServiceWorker({ onUpdateReady: (reload) => banners.showUpdate(reload) }).catch((error: unknown) => {
  console.warn('persistent-chat: service worker registration failed', error)
})
