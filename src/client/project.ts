/**
 * One project as one tab sees it: the `ChatProject` handle an app holds, and the view it keeps
 * current from the hub's batches (painted from the cache first).
 */
import type { ChannelBatch, HubError, OutboxEntry, SendDraft } from '../protocol'
import { newClientMsgId } from '../protocol'
import { paintFromCache } from './cached-paint'
import type { HubConnection } from './connect'
import { applyChanges, EMPTY_VIEW, type PresenceMap, type ProjectView, prependOlder } from './message-list'

/**
 * @public A project as one tab sees it. Each `client.project(id)` call returns a handle of its
 * own: `close()` releases that one (its listeners stop), and the tab's subscription to the project
 * ends when the last handle of it is closed, so one component unmounting cuts off no other.
 */
export interface ChatProject {
  readonly id: string
  /** The current view; `subscribe` tells of every change. */
  readonly view: ProjectView
  /** Who is on the project, `{ [userId]: 'online' | 'away' | 'offline' }` (the same as `view.presence`). */
  readonly presence: PresenceMap
  /** Calls `listener` with the view now and after every change; returns the unsubscribe function. */
  subscribe(listener: (view: ProjectView) => void): () => void
  /** Calls `listener` when the presence map changes (not now); returns the unsubscribe function. */
  onPresence(listener: (presence: PresenceMap) => void): () => void
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
  /**
   * Release this handle: its listeners stop and its methods throw. The last handle of the project
   * closed ends the tab's subscription (after the current task, so a StrictMode remount keeps it).
   */
  close(): Promise<void>
}

/** @internal A project's state in the client: its handles, the cache paint, the hub's batches. */
export interface ProjectState {
  /** A new handle (one more reference). */
  acquire(): ChatProject
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
  /** Every open handle's view listeners; one handle's close removes only its own. */
  const listeners = new Set<(view: ProjectView) => void>()
  let references = 0
  let released = false

  const publish = (next: ProjectView) => {
    view = next
    for (const listener of [...listeners]) listener(view)
  }

  /** The last send whose call failed: the hub may have queued it anyway. */
  let unconfirmed: { text: string; clientMsgId: string } | undefined

  const shared = {
    async send(text: string, draft: Omit<SendDraft, 'text'> = {}): Promise<OutboxEntry> {
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
    retry: (id: string) => call((hub) => hub.api.retrySend(tabId, id)),
    discard: (id: string) => call((hub) => hub.api.discardSend(tabId, id)),
    async loadOlder(limit = 100): Promise<number> {
      const first = view.messages.find((m) => m.seq !== undefined)?.seq
      if (first === undefined || !view.hasOlder) return 0
      const older = await call((hub) => hub.api.loadOlder(tabId, projectId, first, limit))
      const before = view.messages.length
      const next = prependOlder(view, older.messages, older.hasOlder, first)
      if (next !== view) publish(next)
      return next.messages.length - before
    },
    reconnect: () => call((hub) => hub.api.reconnect(tabId, projectId)),
  }

  /** The last reference went: unsubscribe after this task unless a new handle came meanwhile. */
  const release = async () => {
    await Promise.resolve()
    if (references > 0 || released) return
    released = true
    forget()
    await call((hub) => hub.api.unsubscribe(tabId, projectId)).catch(() => {})
  }

  const acquire = (): ChatProject => {
    references++
    const own = new Set<(view: ProjectView) => void>()
    let closed = false
    const open = () => {
      if (closed)
        throw new Error(
          `persistent-chat: this handle of project ${projectId} is closed; call client.project() again`,
        )
    }
    const listen = (listener: (view: ProjectView) => void) => {
      open()
      own.add(listener)
      listeners.add(listener)
      return () => {
        own.delete(listener)
        listeners.delete(listener)
      }
    }
    return {
      id: projectId,
      get view() {
        return view
      },
      get presence() {
        return view.presence
      },
      subscribe(listener) {
        const stop = listen(listener)
        listener(view)
        return stop
      },
      onPresence(listener) {
        let last = view.presence
        return listen((next) => {
          if (next.presence === last) return
          last = next.presence
          listener(last)
        })
      },
      send(text, draft) {
        open()
        return shared.send(text, draft)
      },
      retry(id) {
        open()
        return shared.retry(id)
      },
      discard(id) {
        open()
        return shared.discard(id)
      },
      loadOlder(limit) {
        open()
        return shared.loadOlder(limit)
      },
      reconnect() {
        open()
        return shared.reconnect()
      },
      async close() {
        if (closed) return
        closed = true
        for (const listener of own) listeners.delete(listener)
        own.clear()
        if (--references === 0) await release()
      },
    }
  }

  return {
    acquire,
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
        const { code, message, httpStatus } = asHubError(error)
        publish({
          ...view,
          status:
            code === 'unauthenticated'
              ? // The server's own answer: a preflight refused with 403 (a foreign Origin) is not a 401.
                { status: 'auth_failed', code: httpStatus ?? 401, reason: message }
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
    const httpStatus =
      'httpStatus' in error && typeof error.httpStatus === 'number' ? error.httpStatus : undefined
    return { code: error.code as HubError['code'], message: String(error.message), httpStatus }
  }
  return { code: 'unavailable', message: String(error) }
}
