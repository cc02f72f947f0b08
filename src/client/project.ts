/**
 * One project as one tab sees it: the `ChatProject` handle an app holds, and the view it keeps
 * current from the hub's batches (painted from the cache first).
 */
import type { ChannelBatch, HubError, OutboxEntry, SendDraft } from '../protocol'
import { newClientMsgId } from '../protocol'
import { paintFromCache } from './cached-paint'
import type { HubConnection } from './connect'
import { applyChanges, EMPTY_VIEW, type ProjectView, prependOlder } from './message-list'

/** @public A project as one tab sees it. */
export interface ChatProject {
  readonly id: string
  /** The current view; `subscribe` tells of every change. */
  readonly view: ProjectView
  subscribe(listener: (view: ProjectView) => void): () => void
  /**
   * Queue a message; it shows at once as optimistic in every tab and is sent until acknowledged.
   * When the call fails (a hub too busy to answer may still have queued it), sending the same
   * text again reuses its `client_msg_id`, so it lands once.
   */
  send(text: string, options?: Omit<SendDraft, 'text'>): Promise<OutboxEntry>
  retry(clientMsgId: string): Promise<void>
  discard(clientMsgId: string): Promise<void>
  /** Load up to `limit` older messages into the view; resolves with how many were added. */
  loadOlder(limit?: number): Promise<number>
  /** Retry now, also after `auth_failed`. */
  reconnect(): Promise<void>
  /** Stop following the project in this tab. */
  close(): Promise<void>
}

/** @internal A project's state in the client: its handle, the cache paint, the hub's batches. */
export interface ProjectState {
  handle: ChatProject
  start(lastUserId: string | undefined, cachedPaint: number): Promise<void>
  apply(batch: ChannelBatch): void
}

export function createProjectState(
  tabId: string,
  projectId: string,
  call: <T>(use: (hub: HubConnection) => Promise<T>) => Promise<T>,
  forget: () => void,
): ProjectState {
  let view: ProjectView = EMPTY_VIEW
  const listeners = new Set<(view: ProjectView) => void>()

  const publish = (next: ProjectView) => {
    view = next
    for (const listener of listeners) listener(view)
  }

  /** The last send whose call failed: the hub may have queued it anyway. */
  let unconfirmed: { text: string; clientMsgId: string } | undefined

  const handle: ChatProject = {
    id: projectId,
    get view() {
      return view
    },
    subscribe(listener) {
      listeners.add(listener)
      listener(view)
      return () => listeners.delete(listener)
    },
    async send(text, draft = {}) {
      // The id is chosen here, so repeating the call (a timeout, a new leader) cannot queue it
      // twice; a send that failed unconfirmed (the hub may still queue it) keeps its id for the
      // next send of the same text.
      const clientMsgId =
        draft.client_msg_id ?? (unconfirmed?.text === text ? unconfirmed.clientMsgId : newClientMsgId())
      try {
        const entry = await call((hub) =>
          hub.api.send(tabId, projectId, { ...draft, text, client_msg_id: clientMsgId }),
        )
        if (unconfirmed?.clientMsgId === clientMsgId) unconfirmed = undefined
        return entry
      } catch (error) {
        unconfirmed = { text, clientMsgId }
        throw error
      }
    },
    retry: (id) => call((hub) => hub.api.retrySend(tabId, id)),
    discard: (id) => call((hub) => hub.api.discardSend(tabId, id)),
    async loadOlder(limit = 100) {
      const first = view.messages.find((m) => m.seq !== undefined)?.seq
      if (first === undefined || !view.hasOlder) return 0
      const older = await call((hub) => hub.api.loadOlder(tabId, projectId, first, limit))
      const before = view.messages.length
      const next = prependOlder(view, older.messages, older.hasOlder, first)
      if (next !== view) publish(next)
      return next.messages.length - before
    },
    reconnect: () => call((hub) => hub.api.reconnect(tabId, projectId)),
    async close() {
      forget()
      listeners.clear()
      await call((hub) => hub.api.unsubscribe(tabId, projectId)).catch(() => {})
    },
  }

  return {
    handle,
    async start(lastUserId, cachedPaint) {
      // Paint from the cache first: no network, no hub round trip.
      if (lastUserId !== undefined)
        void paintFromCache(lastUserId, projectId, cachedPaint, (messages) => {
          if (!view.live) publish({ ...view, messages, hasOlder: (messages[0]?.seq ?? 1) > 1 })
        })
      try {
        await call((hub) => hub.api.subscribe(tabId, projectId))
      } catch (error) {
        // Not signed in (or the hub is unreachable): say so in the view instead of failing silently.
        const { code, message } = asHubError(error)
        publish({
          ...view,
          status:
            code === 'unauthenticated'
              ? { status: 'auth_failed', code: 401, reason: message }
              : { status: 'disconnected' },
        })
      }
    },
    apply(batch) {
      publish(applyChanges(view, batch.changes))
    },
  }
}

function asHubError(error: unknown): HubError {
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error) {
    return { code: error.code as HubError['code'], message: String(error.message) }
  }
  return { code: 'unavailable', message: String(error) }
}
