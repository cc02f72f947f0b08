/**
 * A tab's view of one project: confirmed messages in seq order, then optimistic ones, updated
 * by the hub's changes. Pure: no DOM, no hub.
 */
import type {
  ChannelChange,
  ConnectionStatus,
  OutboxEntry,
  PersistentChatMessage,
  PresenceStatus,
  SeqRange,
} from '../protocol'

/** @public Who is on a project: `{ [userId]: status }`, the user's own entry included. */
export type PresenceMap = Readonly<Record<string, PresenceStatus>>

/** @public A project's state as a tab renders it. */
export interface ProjectView {
  /** Confirmed messages ascending by seq, then optimistic ones (no seq) oldest first. */
  messages: readonly PersistentChatMessage[]
  /** Queued sends, keyed for their state (pending, failed with a reason). */
  outbox: readonly OutboxEntry[]
  status: ConnectionStatus
  range: SeqRange | null
  hasOlder: boolean
  /** True once the hub's snapshot has arrived (before that the view shows the cache). */
  live: boolean
  /** Every user seen on the project with their last status; kept across a `reset`. */
  presence: PresenceMap
}

/** @public The view before anything is known. */
export const EMPTY_VIEW: ProjectView = {
  messages: [],
  outbox: [],
  status: { status: 'connecting' },
  range: null,
  hasOlder: false,
  live: false,
  presence: {},
}

/** @public An outbox entry rendered as a message. */
export function optimisticMessage(entry: OutboxEntry): PersistentChatMessage {
  const at = new Date(entry.createdAt).toISOString()
  return {
    id: entry.client_msg_id,
    text: entry.text,
    message_type: 'user',
    user_id: entry.userId,
    project_id: entry.projectId,
    client_msg_id: entry.client_msg_id,
    created_at: at,
    updated_at: at,
    build_id: null,
    response_data: null,
    mode: entry.mode,
    actor_type: 'client',
  }
}

/**
 * @public Apply the hub's changes, in order. Returns a new view; the old one is untouched. What
 * a batch leaves alone stays the same object (the message list when only the status changed,
 * the outbox when no send was echoed), and a live message costs one copy of the list: this
 * runs in every tab for every batch, on lists of thousands.
 */
export function applyChanges(view: ProjectView, changes: readonly ChannelChange[]): ProjectView {
  const held = confirmedPrefix(view.messages)
  let confirmed: readonly PersistentChatMessage[] = held
  let outbox: readonly OutboxEntry[] = view.outbox
  let { status, range, hasOlder, live, presence } = view

  for (const change of changes) {
    switch (change.type) {
      case 'reset':
        confirmed = change.snapshot.messages
        outbox = change.snapshot.outbox
        status = change.snapshot.status
        range = change.snapshot.range
        hasOlder = change.snapshot.hasOlder
        live = true
        break
      case 'messages': {
        confirmed = mergeBySeq(confirmed, change.messages)
        range = change.range
        outbox = withoutEchoes(outbox, change.messages)
        break
      }
      case 'outbox': {
        const removed = new Set(change.remove)
        const confirmedIds = new Set(confirmed.map((m) => m.client_msg_id))
        const next = outbox.filter((e) => !removed.has(e.client_msg_id))
        for (const entry of change.upsert) {
          if (confirmedIds.has(entry.client_msg_id)) continue
          const at = next.findIndex((e) => e.client_msg_id === entry.client_msg_id)
          if (at >= 0) next[at] = entry
          else next.push(entry)
        }
        next.sort((a, b) => a.createdAt - b.createdAt)
        outbox = next
        break
      }
      case 'status':
        status = change.status
        break
      case 'presence':
        // The same map while nothing changed, so a presence hook does not re-render.
        if (presence[change.userId] !== change.status)
          presence = { ...presence, [change.userId]: change.status }
        break
    }
  }
  const unchanged = confirmed === held && outbox === view.outbox
  return {
    messages: unchanged
      ? view.messages
      : outbox.length === 0
        ? confirmed
        : [...confirmed, ...outbox.map(optimisticMessage)],
    outbox,
    status,
    range,
    hasOlder,
    live,
    presence,
  }
}

/** @public Prepend older messages (scrollback). */
export function prependOlder(
  view: ProjectView,
  older: readonly PersistentChatMessage[],
  hasOlder: boolean,
  beforeSeq?: number | undefined,
): ProjectView {
  const confirmed = view.messages.filter((m) => m.seq !== undefined)
  const first = confirmed[0]?.seq
  // An answer to an older question: the view has moved on (a new window arrived meanwhile).
  // Prepending it would join two windows with a hole between them.
  if (first === undefined || (beforeSeq !== undefined && beforeSeq !== first)) return view
  const below = older.filter((m) => m.seq !== undefined && m.seq < first)
  if (below.length === 0) return beforeSeq === undefined ? view : { ...view, hasOlder }
  if (below.at(-1)?.seq !== first - 1) return view
  const outbox = withoutEchoes(view.outbox, below)
  const optimistic =
    outbox === view.outbox ? view.messages.filter((m) => m.seq === undefined) : outbox.map(optimisticMessage)
  return { ...view, messages: [...below, ...confirmed, ...optimistic], outbox, hasOlder }
}

/**
 * The outbox without the sends `messages` echo (an echo replaces its optimistic row, however it
 * arrives); the same object when none is echoed.
 */
function withoutEchoes(outbox: readonly OutboxEntry[], messages: readonly PersistentChatMessage[]) {
  if (outbox.length === 0) return outbox
  const echoed = new Set(messages.map((m) => m.client_msg_id))
  return outbox.some((e) => echoed.has(e.client_msg_id))
    ? outbox.filter((e) => !echoed.has(e.client_msg_id))
    : outbox
}

/** The confirmed messages of a view's list (they come first, optimistic ones follow). */
function confirmedPrefix(messages: readonly PersistentChatMessage[]): readonly PersistentChatMessage[] {
  let count = messages.length
  while (count > 0 && messages[count - 1]?.seq === undefined) count--
  return count === messages.length ? messages : messages.slice(0, count)
}

/**
 * Merge two ascending lists, dropping repeated seqs. The common case — every new seq above the
 * last one held — is an append.
 */
function mergeBySeq(
  held: readonly PersistentChatMessage[],
  incoming: readonly PersistentChatMessage[],
): PersistentChatMessage[] {
  const last = held.at(-1)?.seq ?? Number.NEGATIVE_INFINITY
  const first = incoming[0]?.seq ?? Number.POSITIVE_INFINITY
  if (first > last) return [...held, ...incoming]
  const bySeq = new Map<number, PersistentChatMessage>()
  for (const m of held) bySeq.set(m.seq ?? 0, m)
  for (const m of incoming) if (!bySeq.has(m.seq ?? 0)) bySeq.set(m.seq ?? 0, m)
  return [...bySeq.values()].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
}
