/**
 * What a tab shows before the rest of the app has loaded: the project from the URL, the
 * message list, and the project's newest cached messages read straight from IndexedDB. The rest
 * of the app (main.ts: the chat client, composer, panels) takes the list over when it loads and
 * keeps the cached messages on screen until the hub's snapshot replaces them.
 *
 * This module and what it imports are the tab's entry chunk, loaded before the first paint:
 * keep it to what that paint needs (bench/size.mjs reports the bytes, bench/cold-open.mjs the time).
 */

import type { PersistentChatMessage, ProjectView } from '../client'
import { readCachedMessages } from '../client/cached-paint'
import { readLastUser } from '../client/last-user'
import { byId } from './dom'
import { createMessageListView, type MessageListView } from './message-list-view'
import { readUrlConfig, type UrlConfig } from './url-config'

/**
 * Rows painted from the cache: a tall screen shows about 30. The hub's snapshot, moments later,
 * brings the full window.
 */
const CACHED_ROWS = 50

/** @internal What the list's buttons do, once the client exists. */
export interface ListActions {
  loadOlder(): Promise<number>
  retry(clientMsgId: string): void
  discard(clientMsgId: string): void
}

/** @internal The page as first painted, for main.ts to take over. */
export interface FirstPaint {
  readonly config: UrlConfig
  readonly list: MessageListView
  /** Settles once the cached messages are painted (or there were none to paint). */
  readonly painted: Promise<void>
  /**
   * The app is loaded: the list's buttons now act, and `onCache` is called (instead of the list
   * being rendered here) if the cached messages arrive after this.
   */
  takeOver(actions: ListActions, onCache: () => void): void
  /** `view`, showing the cached messages while the hub has not answered (`live` false). */
  withCache(view: ProjectView): ProjectView
}

let page: FirstPaint | undefined
let cacheRead: CacheRead | undefined

/** The cache read boot.ts starts before the document is parsed. */
interface CacheRead {
  readonly config: UrlConfig
  readonly lastUserId: string | undefined
  readonly messages: Promise<readonly PersistentChatMessage[]>
}

/**
 * @internal Start reading the cached messages; the page needs no DOM for it, so boot.ts calls
 * it the moment the entry chunk runs (it is an async script: the body may still be parsing),
 * and IndexedDB works while the browser parses, styles and lays out the page.
 */
export function startCacheRead(): CacheRead {
  cacheRead ??= readCache()
  return cacheRead
}

function readCache(): CacheRead {
  const config = readUrlConfig(new URL(location.href))
  const lastUserId = readLastUser()
  const messages =
    lastUserId === undefined
      ? Promise.resolve([])
      : readCachedMessages(lastUserId, config.projectId, CACHED_ROWS)
  return { config, lastUserId, messages }
}

/**
 * @internal The page's first paint, started by the first call once the document is parsed
 * (boot.ts makes it first thing then): it needs the list's elements.
 */
export function firstPaint(): FirstPaint {
  page ??= startFirstPaint()
  return page
}

function startFirstPaint(): FirstPaint {
  const { config, lastUserId, messages } = startCacheRead()
  let actions: ListActions | undefined
  let onCache: (() => void) | undefined
  let cached: readonly PersistentChatMessage[] = []

  const list = createMessageListView({
    scroller: byId('message-list'),
    jumpButton: byId<HTMLButtonElement>('jump-latest'),
    projectId: config.projectId,
    onLoadOlder: () => actions?.loadOlder() ?? Promise.resolve(0),
    onRetry: (id) => actions?.retry(id),
    onDiscard: (id) => actions?.discard(id),
  })

  const withCache = (view: ProjectView): ProjectView =>
    view.live || cached.length === 0
      ? view
      : { ...view, messages: cached, hasOlder: (cached[0]?.seq ?? 1) > 1 }

  // Own messages are styled as such from the first paint; the session confirms the user later.
  if (lastUserId !== undefined) list.setOwnUser(lastUserId)
  const painted = messages.then((read) => {
    if (read.length === 0) return
    cached = read
    if (onCache) onCache()
    else list.render(withCache(BEFORE_THE_HUB))
  })

  return {
    config,
    list,
    painted,
    takeOver(listActions, cacheArrived) {
      actions = listActions
      onCache = cacheArrived
    },
    withCache,
  }
}

/**
 * The view while nothing but the cache is known: client/message-list.ts's `EMPTY_VIEW`, spelled
 * out because importing it would pull that module (the client's view logic) into this chunk.
 */
const BEFORE_THE_HUB: ProjectView = {
  messages: [],
  outbox: [],
  status: { status: 'connecting' },
  range: null,
  hasOlder: false,
  live: false,
  presence: {},
}
