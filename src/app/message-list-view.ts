/**
 * The message list, rendered incrementally: rows are keyed by seq (confirmed) or
 * `client_msg_id` (optimistic), so a render adds, updates or removes only the rows that
 * changed, and an optimistic row turns into its confirmed copy in place. Also keeps the list's
 * DESIGN.md §5 attributes, the scroll position (follow the bottom, keep the reading position
 * when older messages arrive above) and the "load older" control.
 */
import type { PersistentChatMessage, ProjectView } from '../client'
import { h, setAttr, setText } from './dom'
import { createMessageRow, type MessageRow, setRowOwner, updateMessageRow } from './message-row'
import { createRowChunks } from './row-chunks'

/** @internal Options of `createMessageListView`. */
export interface MessageListOptions {
  /** `[data-testid=message-list]`: the scrolling element. */
  scroller: HTMLElement
  /** Shown while the reader is away from the newest message. */
  jumpButton: HTMLButtonElement
  projectId: string
  onLoadOlder(): Promise<number>
  onRetry(clientMsgId: string): void
  onDiscard(clientMsgId: string): void
}

/** @internal */
export interface MessageListView {
  /** Bring the DOM in line with `view` (call at most once per frame). */
  render(view: ProjectView): void
  /** Style the signed-in user's messages as their own. */
  setOwnUser(userId: string): void
  /** Scroll to the newest message and keep following it. */
  scrollToLatest(): void
}

/**
 * Above this many confirmed messages only the newest are in the DOM (DESIGN.md §5 allows it);
 * the list's attributes still describe the whole list.
 */
export const MAX_ROWS = 5_000

/** Closer than this to the bottom counts as "at the bottom". */
const BOTTOM_SLACK_PX = 48
/** Closer than this to the top loads older messages. */
const TOP_SLACK_PX = 120
/** A scroll this soon after the reader's own input is theirs. */
const INPUT_WINDOW_MS = 300

/** @internal Mount the list in `options.scroller`. */
export function createMessageListView(options: MessageListOptions): MessageListView {
  const { scroller, jumpButton } = options
  const loadOlderButton = h('button', {
    className: 'button button--quiet load-older',
    text: 'Load older messages',
    attrs: { type: 'button' },
  })
  const caption = h('p', { className: 'list-caption' })
  const top = h('div', { className: 'list-top' }, [loadOlderButton, caption])
  const confirmedBox = h('div', { className: 'rows__confirmed', attrs: { role: 'none' } })
  const pendingBox = h('div', { className: 'rows__pending', attrs: { role: 'none' } })
  const list = h('div', { className: 'rows', attrs: { role: 'list', 'aria-label': 'Messages' } }, [
    confirmedBox,
    pendingBox,
  ])
  const empty = h('div', { className: 'list-empty' })
  scroller.replaceChildren(top, list, empty)
  const chunks = createRowChunks(confirmedBox)

  /** Rows by key: `#<seq>` confirmed, `~<client_msg_id>` optimistic. */
  const rows = new Map<string, MessageRow>()
  const optimisticKeys = new Set<string>()
  let ownUserId: string | undefined
  let view: ProjectView | undefined
  let windowStart = 0
  /** The first and last confirmed messages of the last render (the view's own objects). */
  let renderedFirst: PersistentChatMessage | undefined
  let renderedLast: PersistentChatMessage | undefined
  let following = true
  scroller.classList.add('is-following')
  let loadingOlder = false
  let olderError = false
  /** The list changed since the last scroll event (so that scroll may not be the reader's). */
  let contentChanged = false
  /** When the reader last used wheel, touch, keys or pointer on the list. */
  let lastInput = Number.NEGATIVE_INFINITY

  const putRow = (key: string, row: MessageRow) => {
    rows.set(key, row)
    if (key.startsWith('~')) optimisticKeys.add(key)
  }

  /** Forget a row without touching the DOM. */
  const forgetRow = (key: string) => {
    rows.delete(key)
    optimisticKeys.delete(key)
  }

  const dropRow = (key: string) => {
    const row = rows.get(key)
    forgetRow(key)
    if (row?.element.parentElement === pendingBox) row.element.remove()
    else if (row) chunks.remove(row.element)
  }

  const stickToBottom = () => {
    scroller.scrollTop = scroller.scrollHeight
  }

  const distanceToBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight

  /**
   * Following the bottom, the list pins itself (and the browser's scroll anchoring is off, as
   * it would fight the pinning); reading further up, scroll anchoring keeps the rows in view
   * still while rows above render at their real height.
   */
  const setFollowing = (value: boolean) => {
    if (value === following) return
    following = value
    jumpButton.hidden = value
    scroller.classList.toggle('is-following', value)
  }

  const renderTop = () => {
    const current = view
    const confirmed = current ? confirmedCount(current.messages) : 0
    loadOlderButton.hidden = !(current?.hasOlder === true && windowStart === 0)
    loadOlderButton.disabled = loadingOlder
    setText(
      loadOlderButton,
      loadingOlder ? 'Loading…' : olderError ? 'Couldn’t load — try again' : 'Load older messages',
    )
    let text = ''
    if (windowStart > 0) {
      text = `Showing the newest ${(confirmed - windowStart).toLocaleString()} of ${confirmed.toLocaleString()} messages`
    } else if (current && !current.hasOlder && confirmed > 0) {
      text = `This is the beginning of #${options.projectId}`
    }
    setText(caption, text)
    caption.hidden = text === ''
  }

  const loadOlder = () => {
    if (loadingOlder || !view?.hasOlder || windowStart > 0) return
    loadingOlder = true
    olderError = false
    renderTop()
    options
      .onLoadOlder()
      .catch(() => {
        olderError = true
      })
      .finally(() => {
        loadingOlder = false
        renderTop()
      })
  }

  loadOlderButton.addEventListener('click', loadOlder)

  for (const type of ['wheel', 'touchstart', 'touchmove', 'keydown', 'pointerdown'] as const) {
    scroller.addEventListener(type, () => (lastInput = performance.now()), { passive: true })
  }
  scroller.addEventListener(
    'scroll',
    () => {
      // Rows added, trimmed or settling to their real height move the scroll position too
      // (clamping it); only a move of the reader's own stops following.
      const byReader = !contentChanged || performance.now() - lastInput < INPUT_WINDOW_MS
      contentChanged = false
      if (distanceToBottom() < BOTTOM_SLACK_PX) setFollowing(true)
      else if (byReader) setFollowing(false)
      else if (following) stickToBottom()
      if (!following && scroller.scrollTop < TOP_SLACK_PX) loadOlder()
    },
    { passive: true },
  )

  // New rows, rows settling to their real height after they first render (content-visibility)
  // and the composer growing while typing all resize these: stay pinned to the bottom.
  const resize = new ResizeObserver(() => {
    contentChanged = true
    if (following) stickToBottom()
  })
  resize.observe(list)
  resize.observe(scroller)

  jumpButton.addEventListener('click', () => {
    setFollowing(true)
    stickToBottom()
  })

  scroller.addEventListener('click', (event) => {
    const button = (event.target as Element).closest('button[data-action]')
    const id = button?.closest('[data-testid=message]')?.getAttribute('data-client-msg-id')
    if (!button || !id) return
    if (button.getAttribute('data-action') === 'retry') options.onRetry(id)
    else options.onDiscard(id)
  })

  /**
   * Bring the confirmed rows in line with `messages[start, confirmed)`. Returns whether every
   * row was reconciled: anything but the common render (new rows after the last one shown, the
   * window's top trimmed) may have put rows in above the ones shown.
   */
  const renderConfirmed = (
    messages: readonly PersistentChatMessage[],
    start: number,
    confirmed: number,
  ): boolean => {
    let from = start
    const kept = keptPrefix(messages, start, confirmed)
    if (kept !== undefined) {
      // Only the window's top moved: drop the rows it left behind.
      for (let seq = kept.dropFrom; seq < kept.dropTo; seq++) dropRow(`#${seq}`)
      from = kept.next
    } else {
      const wanted = new Set<string>()
      for (let i = start; i < confirmed; i++) wanted.add(keyOf(at(messages, i)))
      for (const key of [...rows.keys()]) if (!key.startsWith('~') && !wanted.has(key)) dropRow(key)
    }
    adoptConfirmedCopies(messages, from, confirmed)
    for (let i = from; i < confirmed; i++) {
      const message = at(messages, i)
      const seq = message.seq ?? 0
      const key = keyOf(message)
      const row = rows.get(key)
      if (!row) {
        const created = createMessageRow(message, undefined, ownUserId)
        putRow(key, created)
        chunks.insert(seq, created.element)
        continue
      }
      updateMessageRow(row, message, undefined, ownUserId)
      // An adopted optimistic row still sits among the pending ones.
      if (row.element.parentElement === pendingBox) chunks.insert(seq, row.element)
    }
    return kept === undefined
  }

  /** Bring the optimistic rows in line with `messages[confirmed…]`, in order. */
  const renderPending = (view: ProjectView, confirmed: number) => {
    const { messages } = view
    const entries = new Map(view.outbox.map((entry) => [entry.client_msg_id, entry]))
    const wanted = new Set<string>()
    for (let i = confirmed; i < messages.length; i++) wanted.add(keyOf(at(messages, i)))
    for (const key of [...optimisticKeys]) if (!wanted.has(key)) dropRow(key)
    let cursor: Element | null = pendingBox.firstElementChild
    for (let i = confirmed; i < messages.length; i++) {
      const message = at(messages, i)
      const key = keyOf(message)
      const entry = entries.get(message.client_msg_id ?? '')
      let row = rows.get(key)
      if (row) {
        updateMessageRow(row, message, entry, ownUserId)
      } else {
        row = createMessageRow(message, entry, ownUserId)
        putRow(key, row)
      }
      if (row.element === cursor) cursor = cursor.nextElementSibling
      else pendingBox.insertBefore(row.element, cursor)
    }
  }

  return {
    render(next) {
      view = next
      contentChanged = true
      const { messages } = next
      const confirmed = confirmedCount(messages)
      windowStart = windowStartOf(messages, confirmed, next)

      // Reading further up: keep the rows in view still while rows are added or removed above
      // them. Done by hand (the browser does not anchor at scrollTop 0, where older messages
      // arrive), with the browser's anchoring off meanwhile so the two never add up.
      const anchor = following ? undefined : chunks.lastChunk()
      if (anchor) scroller.style.overflowAnchor = 'none'
      const anchorTop = anchor?.getBoundingClientRect().top ?? 0

      const shown = renderedLast !== undefined
      const reconciled = renderConfirmed(messages, windowStart, confirmed)
      renderPending(next, confirmed)

      const first = confirmed > 0 ? at(messages, 0).seq : undefined
      const last = confirmed > 0 ? at(messages, confirmed - 1) : undefined
      setAttr(scroller, 'data-count', String(confirmed))
      setAttr(scroller, 'data-first-seq', first === undefined ? '' : String(first))
      setAttr(scroller, 'data-last-seq', last?.seq === undefined ? '' : String(last.seq))
      renderedFirst = confirmed > windowStart ? at(messages, windowStart) : undefined
      renderedLast = last

      empty.hidden = messages.length > 0
      if (messages.length === 0) {
        setText(
          empty,
          next.live
            ? `No messages in #${options.projectId} yet. Say hello — or try “/build the landing page”.`
            : 'Loading messages…',
        )
      }
      renderTop()

      // Following, new rows at the bottom: the ResizeObserver scrolls once layout has run
      // anyway, so no layout is forced here. But rows put in above the ones shown (the hub's
      // first view under the cached rows, a new window) would hold the old scroll position
      // until then: the browser would find a new chunk there on screen and lay all its rows
      // out, font fallback and all, before the scroll moved it away. So the list is pinned now,
      // while the new chunks are still skipped at their estimated size.
      if (following && shown && reconciled) stickToBottom()
      if (anchor?.isConnected) {
        const shift = anchor.getBoundingClientRect().top - anchorTop
        if (shift !== 0) scroller.scrollTop += shift
      }
      if (anchor) scroller.style.overflowAnchor = ''
    },

    setOwnUser(userId) {
      if (userId === ownUserId) return
      ownUserId = userId
      for (const row of rows.values()) setRowOwner(row, userId)
    },

    scrollToLatest() {
      setFollowing(true)
      stickToBottom()
    },
  }

  /**
   * A confirmed message whose optimistic row is still shown takes that row over, so the row
   * (and anything pointing at it) stays while its seq fills in.
   */
  function adoptConfirmedCopies(messages: readonly PersistentChatMessage[], from: number, to: number) {
    if (optimisticKeys.size === 0) return
    const orphans = new Map<string, string>()
    for (const key of optimisticKeys) orphans.set(key.slice(1), key)
    for (let i = to - 1; i >= from && orphans.size > 0; i--) {
      const message = at(messages, i)
      const orphanKey = orphans.get(message.client_msg_id ?? '')
      const row = orphanKey === undefined ? undefined : rows.get(orphanKey)
      if (orphanKey === undefined || !row || rows.has(keyOf(message))) continue
      orphans.delete(message.client_msg_id ?? '')
      forgetRow(orphanKey)
      putRow(keyOf(message), row)
    }
  }

  /**
   * The common render: the confirmed rows already shown are unchanged, at most trimmed at the
   * top by the window, and only new messages follow. The client keeps a message's object
   * across views, so checking both ends by identity (seqs being contiguous) proves the
   * middle. Returns where the new messages start and which seqs to drop, or `undefined` to
   * reconcile everything.
   */
  function keptPrefix(
    messages: readonly PersistentChatMessage[],
    start: number,
    confirmed: number,
  ): { next: number; dropFrom: number; dropTo: number } | undefined {
    const first = messages[start]
    const firstSeq = first?.seq
    const oldFirst = renderedFirst?.seq
    const oldLast = renderedLast?.seq
    if (!first || firstSeq === undefined || oldFirst === undefined || oldLast === undefined) return undefined
    if (start >= confirmed || firstSeq < oldFirst || firstSeq > oldLast) return undefined
    if (rows.get(keyOf(first))?.message !== first) return undefined
    const lastIndex = start + (oldLast - firstSeq)
    if (lastIndex >= confirmed || messages[lastIndex] !== renderedLast) return undefined
    return { next: lastIndex + 1, dropFrom: oldFirst, dropTo: firstSeq }
  }
}

/**
 * The first confirmed message with a row: the newest `MAX_ROWS` of them — and while the hub
 * catches up to `latestSeq`, past the ones its next pages will push out of the window (the list
 * holds more than `MAX_ROWS` then, so it windows anyway; main.ts holds the render until one of
 * them has arrived). Confirmed seqs are contiguous.
 */
function windowStartOf(
  messages: readonly PersistentChatMessage[],
  confirmed: number,
  view: ProjectView,
): number {
  const start = Math.max(0, confirmed - MAX_ROWS)
  const firstSeq = messages[0]?.seq
  const finalStart = finalWindowStart(view)
  if (start === 0 || finalStart === undefined || firstSeq === undefined) return start
  return Math.min(confirmed - 1, Math.max(start, finalStart - firstSeq))
}

/** @internal While the hub catches up: the first seq of the window the list will end with. */
export function finalWindowStart(view: ProjectView): number | undefined {
  const latestSeq = view.range?.latestSeq
  return latestSeq === undefined ? undefined : latestSeq - MAX_ROWS + 1
}

/** Confirmed messages come first; optimistic ones (no seq) follow them. */
function confirmedCount(messages: readonly PersistentChatMessage[]): number {
  let count = messages.length
  while (count > 0 && messages[count - 1]?.seq === undefined) count--
  return count
}

function keyOf(message: PersistentChatMessage): string {
  return message.seq === undefined ? `~${message.client_msg_id ?? message.id}` : `#${message.seq}`
}

function at<T>(list: readonly T[], index: number): T {
  return list[index] as T
}
