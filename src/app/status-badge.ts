/**
 * The connection status badge (`[data-testid=connection-status]`, `data-status` = the status
 * name) with a readable label and a live "retrying in N s" countdown while waiting to retry.
 */
import type { ConnectionStatus } from '../client'
import { h, setAttr, setText } from './dom'

/** @internal */
export interface StatusBadge {
  render(status: ConnectionStatus): void
}

/** @internal Mount the badge in `element` (the hook element from index.html). */
export function createStatusBadge(element: HTMLElement, options: { onRetryNow(): void }): StatusBadge {
  const label = h('span', { className: 'status__label' })
  // The countdown ticks every second: kept out of the accessibility tree so the live status
  // region announces the state, not each tick.
  const countdown = h('span', { attrs: { 'aria-hidden': 'true' } })
  element.replaceChildren(
    h('span', { className: 'status__dot', attrs: { 'aria-hidden': 'true' } }),
    label,
    countdown,
  )
  const retryNow = h('button', {
    className: 'button button--small button--quiet status-retry',
    text: 'Retry now',
    attrs: { type: 'button' },
  })
  retryNow.hidden = true
  retryNow.addEventListener('click', () => options.onRetryNow())
  element.after(retryNow)

  let current: ConnectionStatus = { status: 'connecting' }
  let ticker: ReturnType<typeof setInterval> | undefined

  const paint = () => {
    setText(label, labelOf(current))
    setText(countdown, countdownOf(current, Date.now()))
    const waiting = current.status === 'reconnecting' || current.status === 'rate_limited'
    if (waiting && ticker === undefined) ticker = setInterval(paint, 1000)
    if (!waiting && ticker !== undefined) {
      clearInterval(ticker)
      ticker = undefined
    }
  }

  return {
    render(status) {
      if (sameStatus(status, current) && label.textContent !== '') return
      current = status
      setAttr(element, 'data-status', status.status)
      element.className = `status status--${status.status}`
      if (status.status === 'reconnecting') setAttr(element, 'title', status.reason)
      else element.removeAttribute('title')
      retryNow.hidden = !(status.status === 'reconnecting' || status.status === 'disconnected')
      paint()
    },
  }
}

/** @internal The readable label of a status. */
export function labelOf(status: ConnectionStatus): string {
  switch (status.status) {
    case 'connecting':
      return 'Connecting…'
    case 'connected':
      return 'Connected'
    case 'reconnecting':
      return 'Reconnecting'
    case 'offline':
      return 'Offline'
    case 'auth_failed':
      return status.code === 403 ? 'No access' : 'Signed out'
    case 'rate_limited':
      return 'Too many connections'
    case 'disconnected':
      return 'Disconnected'
  }
}

/** @internal " — retrying in N s" while waiting to retry at `retryAt` (unix ms), as of `now`. */
export function countdownOf(status: ConnectionStatus, now: number): string {
  if (status.status !== 'reconnecting' && status.status !== 'rate_limited') return ''
  const seconds = Math.ceil((status.retryAt - now) / 1000)
  return seconds > 0 ? ` — retrying in ${seconds} s` : '…'
}

function sameStatus(a: ConnectionStatus, b: ConnectionStatus): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
