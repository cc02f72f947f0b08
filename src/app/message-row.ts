/**
 * One message as a list row: the DESIGN.md §5 hooks (`data-seq`, `data-message-id`,
 * `data-client-msg-id`, `[data-testid=message-text]`), author, time, pending and failed
 * states, and build events as a card. All data is set as text.
 */
import type { OutboxEntry, PersistentChatMessage } from '../client'
import { h, setAttr } from './dom'

/** @internal How a row is styled. */
export type RowKind = 'own' | 'other' | 'assistant' | 'system' | 'build'

/** @internal A rendered row and what it was rendered from. */
export interface MessageRow {
  readonly element: HTMLDivElement
  message: PersistentChatMessage
  /** The outbox entry of an optimistic message; `undefined` once confirmed. */
  entry: OutboxEntry | undefined
  kind: RowKind
}

/** @internal A build event carried in `response_data`. */
interface BuildEvent {
  buildId: string
  message: string
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' })
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
})
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' })

/** @internal Create the row of `message` (with its outbox entry while optimistic). */
export function createMessageRow(
  message: PersistentChatMessage,
  entry: OutboxEntry | undefined,
  ownUserId: string | undefined,
): MessageRow {
  const element = h('div', { attrs: { 'data-testid': 'message', role: 'listitem' } })
  const row: MessageRow = { element, message, entry, kind: kindOf(message, ownUserId) }
  paint(row)
  return row
}

/**
 * @internal Point `row` at a newer copy of its message (an optimistic row taking its confirmed
 * copy, or a changed outbox state). Repaints only when something visible changed.
 */
export function updateMessageRow(
  row: MessageRow,
  message: PersistentChatMessage,
  entry: OutboxEntry | undefined,
  ownUserId: string | undefined,
): void {
  const unchanged = entry === row.entry && sameContent(row.message, message)
  row.message = message
  row.entry = entry
  if (unchanged) return
  row.kind = kindOf(message, ownUserId)
  paint(row)
}

/** @internal Re-style a row once the signed-in user is known (own vs others). */
export function setRowOwner(row: MessageRow, ownUserId: string | undefined): void {
  const kind = kindOf(row.message, ownUserId)
  if (kind === row.kind) return
  row.element.classList.replace(`msg--${row.kind}`, `msg--${kind}`)
  row.kind = kind
}

function paint(row: MessageRow): void {
  const { element, message, entry, kind } = row
  const failed = entry?.status.state === 'failed' ? entry.status : undefined
  const state = entry === undefined ? '' : failed ? ' msg--failed' : ' msg--pending'
  element.className = `msg msg--${kind}${state}`
  setAttr(element, 'data-seq', message.seq === undefined ? '' : String(message.seq))
  setAttr(element, 'data-message-id', message.id)
  setAttr(element, 'data-client-msg-id', message.client_msg_id ?? '')

  const build = buildEventOf(message)
  // The bubble is the text element itself: one node less per row adds up at 5,000 rows.
  const text = h('div', {
    className: build ? 'msg__text card__text' : 'msg__text msg__bubble',
    text: message.text,
    attrs: { 'data-testid': 'message-text' },
  })
  const body = build ? buildCard(build, text, message.text) : text

  const status =
    entry === undefined
      ? null
      : h('span', { className: 'msg__state', text: failed ? 'not sent' : 'sending…' })
  const meta = h('div', { className: 'msg__meta' }, [
    h('span', { className: 'msg__author', text: message.user_id }),
    timeElement(message.created_at),
    status,
  ])

  const problem = failed
    ? h('div', { className: 'msg__error', attrs: { role: 'alert' } }, [
        h('span', { className: 'msg__reason', text: `Not sent: ${failed.reason} (${failed.code})` }),
        h('button', {
          className: 'button button--small',
          text: 'Retry',
          attrs: { type: 'button', 'data-action': 'retry' },
        }),
        h('button', {
          className: 'button button--small button--quiet',
          text: 'Discard',
          attrs: { type: 'button', 'data-action': 'discard' },
        }),
      ])
    : null

  element.replaceChildren(meta, body, ...(problem ? [problem] : []))
}

function buildCard(build: BuildEvent, text: HTMLElement, messageText: string): HTMLElement {
  return h('div', { className: 'msg__card', attrs: { 'aria-label': 'Build completed' } }, [
    h('div', { className: 'card__title' }, [
      h('span', { className: 'card__icon', text: '✓', attrs: { 'aria-hidden': 'true' } }),
      text,
    ]),
    build.message !== '' && build.message !== messageText
      ? h('div', { className: 'card__message', text: build.message })
      : null,
    build.buildId === ''
      ? null
      : h('div', { className: 'card__detail' }, [
          h('span', { text: 'Build ' }),
          h('code', { className: 'card__id', text: build.buildId }),
        ]),
  ])
}

function timeElement(iso: string): HTMLElement {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return h('time', { className: 'msg__time' })
  const today = new Date().toDateString() === date.toDateString()
  return h('time', {
    className: 'msg__time',
    text: (today ? timeFormat : dateTimeFormat).format(date),
    attrs: { datetime: iso, title: fullFormat.format(date) },
  })
}

function kindOf(message: PersistentChatMessage, ownUserId: string | undefined): RowKind {
  if (buildEventOf(message)) return 'build'
  if (message.message_type === 'assistant') return 'assistant'
  if (message.message_type === 'system') return 'system'
  return message.user_id === ownUserId ? 'own' : 'other'
}

function buildEventOf(message: PersistentChatMessage): BuildEvent | undefined {
  const data = message.response_data
  if (data === null || data['type'] !== 'build_completed') return undefined
  const buildId = data['buildId']
  const text = data['message']
  return {
    buildId: typeof buildId === 'string' ? buildId : (message.build_id ?? ''),
    message: typeof text === 'string' ? text : '',
  }
}

function sameContent(a: PersistentChatMessage, b: PersistentChatMessage): boolean {
  return (
    a.id === b.id &&
    a.seq === b.seq &&
    a.text === b.text &&
    a.user_id === b.user_id &&
    a.message_type === b.message_type &&
    a.created_at === b.created_at &&
    a.updated_at === b.updated_at &&
    a.client_msg_id === b.client_msg_id &&
    (a.response_data === b.response_data ||
      JSON.stringify(a.response_data) === JSON.stringify(b.response_data))
  )
}
