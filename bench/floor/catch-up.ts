/**
 * The catch-up floor: the least a page must do to hold a missed range in IndexedDB. It pages
 * `/api/persistent-chat/messages?after_seq=…&limit=200` from `?after=` up to `?to=`, maps each
 * row to the UI shape and writes each page in one transaction (the same schema and key as the
 * hub's store), one page after another. No stream, no ordering rules, no rendering, no tabs.
 * The result lands in `window.__floor`.
 */
import { transformBackendMessage, type WireMessage } from '../seed-message'
import { openFloorDb } from './db'

const params = new URLSearchParams(location.search)
const projectId = params.get('project') ?? ''
const to = Number(params.get('to'))
let highSeq = Number(params.get('after'))
const lowSeq = highSeq + 1

const run = async () => {
  const db = await openFloorDb(params.get('db') ?? 'floor')
  let pages = 0
  while (highSeq < to) {
    const response = await fetch(
      `/api/persistent-chat/messages?projectId=${encodeURIComponent(projectId)}&after_seq=${highSeq}&limit=200`,
    )
    const page = (await response.json()) as { messages: WireMessage[]; hasMore: boolean }
    if (page.messages.length === 0) break
    const rows = page.messages.map(transformBackendMessage)
    highSeq = rows[rows.length - 1]?.seq ?? highSeq
    const tx = db.transaction(['messages', 'projects'], 'readwrite')
    const messages = tx.objectStore('messages')
    for (const row of rows) messages.put(row)
    tx.objectStore('projects').put({ projectId, lowSeq, highSeq, latestSeq: highSeq, updatedAt: Date.now() })
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error)
    })
    pages++
  }
  db.close()
  return { done: performance.timeOrigin + performance.now(), pages, lowSeq, highSeq }
}

;(window as unknown as { __floor: Promise<unknown> }).__floor = run()
