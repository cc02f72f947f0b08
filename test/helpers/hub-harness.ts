/**
 * Run the real hub core in Node against the real proxy + reference backend over loopback:
 * fake-indexeddb for the store, a cookie-carrying fetch, and tabs modelled with the client's
 * own `applyChanges`, so tests read exactly what a tab would render.
 */
import 'fake-indexeddb/auto'
import { applyChanges, EMPTY_VIEW, type ProjectView, prependOlder } from '../../src/client/message-list'
import { type Clock, createHub, type FetchLike, type Hub, type HubConfig, systemClock } from '../../src/hub'
import type { ChannelBatch, SessionEvent } from '../../src/protocol'
import { type ChatStore, deleteChatStore, openChatStore } from '../../src/store'
import { waitFor } from './servers'

/** @internal */
export interface TestHub {
  hub: Hub
  /** Every request the hub made, as `METHOD path`. */
  requests: string[]
  /** Swap the session cookie (e.g. for a bad one) mid-test. */
  setCookie(cookie: string): void
  setOnline(online: boolean): void
  tab(tabId: string): TestTab
}

/** @internal A tab as the hub sees it, with the views it would render. */
export interface TestTab {
  id: string
  hello(): Promise<string>
  views: Map<string, ProjectView>
  sessionEvents: SessionEvent[]
  batches: ChannelBatch[]
  view(projectId: string): ProjectView
  /**
   * Scroll back to the project's first message, as a reader would: older pages from the hub
   * prepended to the view while it has older ones.
   */
  scrollBack(projectId: string): Promise<void>
  /** Waits until `predicate` holds for the project's view. */
  until(projectId: string, predicate: (view: ProjectView) => boolean, timeoutMs?: number): Promise<void>
}

/** @internal */
export function createTestHub(options: {
  baseUrl: string
  cookie: string
  config?: Partial<HubConfig>
  clock?: Clock
  /** The user's store; fake-indexeddb's by default (a test wraps it to make writes fail). */
  openStore?: (userId: string) => Promise<ChatStore>
}): TestHub {
  let cookie = options.cookie
  let online = true
  const requests: string[] = []
  const fetchLike: FetchLike = (url, init) => {
    requests.push(`${init.method} ${url}`)
    return fetch(options.baseUrl + url, {
      method: init.method,
      headers: { ...init.headers, cookie, origin: options.baseUrl },
      body: init.body ?? null,
      signal: init.signal ?? null,
    })
  }
  const hub = createHub({
    fetch: fetchLike,
    clock: options.clock ?? systemClock,
    random: Math.random,
    openStore: options.openStore ?? ((userId) => openChatStore({ userId })),
    deleteStore: deleteChatStore,
    isOnline: () => online,
    mode: 'in-page',
    config: { closeGraceMs: 200, ...options.config },
  })

  return {
    hub,
    requests,
    setCookie(next) {
      cookie = next
    },
    setOnline(next) {
      online = next
      hub.setOnline(next)
    },
    tab(tabId) {
      const tab: TestTab = {
        id: tabId,
        views: new Map(),
        sessionEvents: [],
        batches: [],
        async hello() {
          const welcome = await hub.hello(
            { tabId, visible: true },
            (batch) => {
              tab.batches.push(batch)
              tab.views.set(batch.projectId, applyChanges(tab.view(batch.projectId), batch.changes))
            },
            (event) => {
              tab.sessionEvents.push(event)
            },
          )
          return welcome.userId
        },
        view: (projectId) => tab.views.get(projectId) ?? EMPTY_VIEW,
        async scrollBack(projectId) {
          for (let view = tab.view(projectId); view.hasOlder; view = tab.view(projectId)) {
            const first = seqsOf(view)[0]
            if (first === undefined) return
            const older = await hub.loadOlder(tabId, projectId, first, 200)
            const current = tab.view(projectId)
            const next = prependOlder(current, older.messages, older.hasOlder, first)
            if (next === current)
              throw new Error(`tab ${tabId}: scrolling back from seq ${first} of ${projectId} got nowhere`)
            tab.views.set(projectId, next)
          }
        },
        until: (projectId, predicate, timeoutMs = 10_000) =>
          waitFor(() => predicate(tab.view(projectId)), timeoutMs, `tab ${tabId} view of ${projectId}`).then(
            () => undefined,
          ),
      }
      return tab
    },
  }
}

/** @internal The seqs a view shows, confirmed ones only. */
export function seqsOf(view: ProjectView): number[] {
  return view.messages.flatMap((m) => (m.seq === undefined ? [] : [m.seq]))
}

/** @internal 1..n */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)
}

/**
 * @internal What a user's IndexedDB holds for a project, as `[seq, text]`. The hub tells the tabs
 * before the write lands (the persisted range follows), so poll it rather than read it once.
 */
export async function storedMessages(userId: string, projectId: string): Promise<Array<[number, string]>> {
  const store = await openChatStore({ userId })
  try {
    const { messages } = await store.loadProject(projectId, 100_000)
    return messages.map((m) => [m.seq, m.text])
  } finally {
    store.close()
  }
}
