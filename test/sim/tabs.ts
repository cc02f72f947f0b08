/**
 * Model tabs, running the real tab-side view code (`src/client/message-list.ts`): a tab paints
 * its project from the store first, subscribes, applies every batch, scrolls back, sends, hides,
 * reloads and closes — and asks to reconnect when it shows `auth_failed`, as a user would.
 */

import { applyChanges, EMPTY_VIEW, type ProjectView, prependOlder } from '../../src/client/message-list'
import type { OlderAnswer } from '../../src/hub/core'
import type { ChannelChange } from '../../src/protocol'
import type { HubTab, ModelHub } from './hub'
import type { Outbox } from './outbox'
import type { ModelStore } from './store'
import type { World } from './world'

/** @internal */
export interface SimTab extends HubTab {
  alive: boolean
  visible: boolean
  view: ProjectView
  /** Tabs whose view changed since the last `takeDirty`. */
  dirty: boolean
  loadOlder(): void
  send(text: string): void
  close(): void
  setVisible(visible: boolean): void
}

/** @internal Everything a tab reaches. */
export interface TabWorld {
  world: World
  hub: ModelHub
  store: ModelStore
  outbox: Outbox
  random: () => number
  /** Messages painted from the cache before the hub answers (the client's `cachedPaint`). */
  cachedPaint: number
}

let nextTab = 1

/** @internal Open a tab on a project: cached paint, then hello and subscribe. */
export function openTab(w: TabWorld, projectId: string): SimTab {
  let olderPending: number | undefined
  let authWait = false
  const tab: SimTab = {
    id: `tab_${nextTab++}`,
    projectId,
    alive: true,
    visible: true,
    view: EMPTY_VIEW,
    dirty: true,
    apply(changes: readonly ChannelChange[]) {
      if (!tab.alive) return
      tab.view = applyChanges(tab.view, changes)
      tab.dirty = true
      if (tab.view.status.status === 'auth_failed' && !authWait) {
        // The user sees "Sign in again" / "Retry" and clicks it after a while.
        authWait = true
        w.world.after(1000 + Math.floor(w.random() * 4000), 'tab retries auth', () => {
          authWait = false
          if (tab.alive && tab.view.status.status === 'auth_failed') w.hub.reconnect(projectId)
        })
      }
    },
    olderAnswered(answer: OlderAnswer) {
      const asked = olderPending
      olderPending = undefined
      if (!tab.alive || !answer.ok || asked === undefined) return
      tab.view = prependOlder(tab.view, answer.messages, answer.hasOlder, asked)
      tab.dirty = true
    },
    loadOlder() {
      const first = tab.view.messages.find((m) => m.seq !== undefined)?.seq
      if (olderPending !== undefined || first === undefined || !tab.view.hasOlder) return
      olderPending = first
      w.hub.loadOlder(tab, first, 50 + Math.floor(w.random() * 100))
    },
    send(text) {
      w.outbox.enqueue(projectId, text)
    },
    close() {
      if (!tab.alive) return
      tab.alive = false
      w.hub.unsubscribe(tab)
    },
    setVisible(visible) {
      tab.visible = visible
      w.hub.visibilityChanged()
    },
  }
  // Paint from the cache first: no hub round trip.
  w.world.after(w.store.latency(), 'cached paint', () => {
    const { messages } = w.store.loadProject(projectId, w.cachedPaint)
    if (!tab.alive || tab.view.live || messages.length === 0) return
    tab.view = { ...tab.view, messages, hasOlder: (messages[0]?.seq ?? 1) > 1 }
    tab.dirty = true
  })
  w.world.after(2 + Math.floor(w.random() * 30), 'hello + subscribe', () => {
    if (tab.alive) w.hub.subscribe(tab)
  })
  return tab
}
