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

  // Every row starts from one clone of the common markup (meta: author, time; the text bubble),
  // not elements built and classed one by one: this runs for every live message in every tab.
  plainTemplate ??= templateOf(
    '<div class="msg__meta"><span class="msg__author"></span><time class="msg__time"></time></div>' +
      '<div class="msg__text msg__bubble" data-testid="message-text"></div>',
  )
  const parts = plainTemplate.content.cloneNode(true) as DocumentFragment
  const meta = parts.firstChild as HTMLElement
  const author = meta.firstChild as HTMLElement
  // The bubble is the text element itself: one node less per row adds up at 5,000 rows.
  const text = meta.nextSibling as HTMLElement
  author.textContent = message.user_id
  fillTime(author.nextSibling as HTMLElement, message.created_at)
  text.textContent = message.text

  const build = buildEventOf(message)
  if (build) {
    text.className = 'msg__text card__text'
    parts.append(buildCard(build, text, message.text))
  }
  if (entry) meta.append(h('span', { className: 'msg__state', text: failed ? 'not sent' : 'sending…' }))
  if (failed)
    parts.append(
      h('div', { className: 'msg__error', attrs: { role: 'alert' } }, [
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
      ]),
    )
  element.replaceChildren(parts)
}

let plainTemplate: HTMLTemplateElement | undefined

/** A template of fixed markup (data never goes in as HTML: see dom.ts). */
function templateOf(markup: string): HTMLTemplateElement {
  const template = document.createElement('template')
  template.innerHTML = markup
  return template
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

/** Fill a row's `<time>` from an ISO timestamp: the time (with the day unless today), and the full date as its title. */
function fillTime(time: HTMLElement, iso: string): void {
  const at = Date.parse(iso)
  if (Number.isNaN(at)) return
  time.textContent = shortText(at)
  time.setAttribute('datetime', iso)
  time.title = fullText(at)
}

/**
 * Formatting is the costly part of a row, and the rows of a list mostly share their minute
 * and second: each format keeps its last answer, and "today" is a range worked out once a day.
 */
let today = { start: 0, end: 0 }
let lastMinute = { key: Number.NaN, text: '' }
let lastSecond = { key: Number.NaN, text: '' }

function shortText(at: number): string {
  const now = Date.now()
  if (now >= today.end || now < today.start) {
    const start = new Date(now)
    start.setHours(0, 0, 0, 0)
    const end = new Date(start)
    end.setDate(end.getDate() + 1)
    today = { start: start.getTime(), end: end.getTime() }
    lastMinute = { key: Number.NaN, text: '' }
  }
  // A minute never spans midnight, so its text holds for the whole minute.
  const minute = Math.floor(at / 60_000)
  if (minute !== lastMinute.key) {
    const format = at >= today.start && at < today.end ? timeFormat : dateTimeFormat
    lastMinute = { key: minute, text: format.format(at) }
  }
  return lastMinute.text
}

function fullText(at: number): string {
  const second = Math.floor(at / 1000)
  if (second !== lastSecond.key) lastSecond = { key: second, text: fullFormat.format(at) }
  return lastSecond.text
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
