/**
 * Who is on the project (DESIGN.md §5): one `[data-testid=presence-user]` per user seen, with
 * `data-user-id` and `data-status`, here first, then away, then gone. Rows are kept per user, so
 * a status change touches one element.
 */
import type { PresenceStatus } from '../protocol'
import { h, setAttr } from './dom'

/** @internal */
export interface PresenceList {
  render(presence: Readonly<Record<string, PresenceStatus>>): void
}

const ORDER: Record<PresenceStatus, number> = { online: 0, away: 1, offline: 2 }
const LABEL: Record<PresenceStatus, string> = { online: 'here', away: 'away', offline: 'gone' }

/** @internal Render presence into `list` (a `<ul>`). */
export function createPresenceList(list: HTMLElement): PresenceList {
  const rows = new Map<string, HTMLElement>()
  let last: Readonly<Record<string, PresenceStatus>> | undefined
  return {
    render(presence) {
      if (presence === last) return
      last = presence
      const users = Object.keys(presence).sort(
        (a, b) => ORDER[presence[a] ?? 'offline'] - ORDER[presence[b] ?? 'offline'] || a.localeCompare(b),
      )
      for (const userId of users) {
        const status = presence[userId] ?? 'offline'
        let row = rows.get(userId)
        if (!row) {
          row = h(
            'li',
            {
              className: 'presence__user',
              attrs: { 'data-testid': 'presence-user', 'data-user-id': userId },
            },
            [
              h('span', { className: 'presence__dot', attrs: { 'aria-hidden': 'true' } }),
              h('span', { className: 'presence__name', text: userId }),
            ],
          )
          rows.set(userId, row)
        }
        setAttr(row, 'data-status', status)
        setAttr(row, 'title', `${userId}: ${LABEL[status]}`)
        list.append(row) // moves it into sorted place
      }
      setAttr(list, 'data-count', String(users.length))
    },
  }
}
