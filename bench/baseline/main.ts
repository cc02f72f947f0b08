/**
 * The baseline: the design users have today (the seed's `use-persistent-live`), without a
 * framework. Each tab runs an auth preflight, then opens its own `EventSource` to
 * `/api/persistent-chat/stream?projectId=X&from_seq=N` through the same proxy (cookie auth),
 * keeps the last seq in `localStorage` and tells the other tabs over `BroadcastChannel`, and
 * renders the DESIGN.md §5 hooks. Like the seed it cannot see status codes: a 429 (the
 * backend's 11th stream of a user) is just an error, retried with exponential backoff. It
 * never pages the history API, so it sees at most the 200 messages a stream replays.
 *
 * Rows are appended as each event arrives (no framework, no batching): a cheap lower bound
 * for the naive design's rendering cost.
 */

import { transformBackendMessage, type WireMessage } from '../seed-message'

type Message = ReturnType<typeof transformBackendMessage>

const projectId = new URLSearchParams(location.search).get('project') ?? 'general'
const statusElement = document.querySelector('[data-testid=connection-status]') as HTMLElement
const list = document.querySelector('[data-testid=message-list]') as HTMLElement
const rows = new Map<number, HTMLElement>()
let firstSeq: number | undefined
let lastSeq: number | undefined
let lastSeenSeq = 0
let storageKey = ''
let attempt = 0
let scrollQueued = false

const setStatus = (status: string) => {
  statusElement.dataset['status'] = status
  statusElement.textContent = status
}

const render = (message: Message) => {
  if (rows.has(message.seq)) return
  const row = document.createElement('div')
  row.className = 'msg'
  row.dataset['testid'] = 'message'
  row.dataset['seq'] = String(message.seq)
  row.dataset['messageId'] = message.id
  row.dataset['clientMsgId'] = message.client_msg_id ?? ''
  const author = document.createElement('div')
  author.className = 'msg__author'
  author.textContent = message.user_id
  const text = document.createElement('div')
  text.dataset['testid'] = 'message-text'
  text.textContent = message.text
  row.append(author, text)
  // Events arrive in seq order on one stream; a replay after a reconnect may not.
  const later = lastSeq !== undefined && message.seq < lastSeq
  list.insertBefore(row, later ? nextRow(message.seq) : null)
  rows.set(message.seq, row)
  firstSeq = firstSeq === undefined ? message.seq : Math.min(firstSeq, message.seq)
  lastSeq = lastSeq === undefined ? message.seq : Math.max(lastSeq, message.seq)
  list.dataset['count'] = String(rows.size)
  list.dataset['firstSeq'] = String(firstSeq)
  list.dataset['lastSeq'] = String(lastSeq)
  if (!scrollQueued) {
    scrollQueued = true
    requestAnimationFrame(() => {
      scrollQueued = false
      list.scrollTop = list.scrollHeight
    })
  }
}

const nextRow = (seq: number): HTMLElement | null => {
  let best: number | undefined
  for (const candidate of rows.keys())
    if (candidate > seq && (best === undefined || candidate < best)) best = candidate
  return best === undefined ? null : (rows.get(best) ?? null)
}

const channel = new BroadcastChannel(`pc:${projectId}`)
channel.onmessage = (event: MessageEvent<{ type: string; seq: number }>) => {
  if (event.data.type === 'seq' && event.data.seq > lastSeenSeq) lastSeenSeq = event.data.seq
}

/** The seed's auth preflight: EventSource cannot see a 401/403, so ask first. */
const preflight = async (): Promise<string | undefined> => {
  try {
    const response = await fetch('/api/persistent-chat/stream', { method: 'POST' })
    if (!response.ok) return undefined
    return ((await response.json()) as { userId: string }).userId
  } catch {
    return undefined
  }
}

const connect = async () => {
  setStatus(attempt === 0 ? 'connecting' : 'reconnecting')
  const userId = await preflight()
  if (userId === undefined) {
    setStatus('auth_failed')
    return
  }
  storageKey = `last-seq:${userId}:${projectId}`
  lastSeenSeq = Math.max(lastSeenSeq, Number(localStorage.getItem(storageKey) ?? 0))
  const from = lastSeenSeq > 0 ? `&from_seq=${lastSeenSeq}` : ''
  const source = new EventSource(
    `/api/persistent-chat/stream?projectId=${encodeURIComponent(projectId)}${from}`,
  )

  const onMessage = (event: MessageEvent<string>) => {
    try {
      const message = transformBackendMessage(JSON.parse(event.data) as WireMessage)
      if (message.seq > lastSeenSeq) {
        lastSeenSeq = message.seq
        localStorage.setItem(storageKey, String(message.seq))
        channel.postMessage({ type: 'seq', seq: message.seq })
      }
      render(message)
    } catch (error) {
      console.error('baseline: bad event', error)
    }
  }
  source.addEventListener('message.new', onMessage)
  source.addEventListener('message.replay', onMessage)
  source.addEventListener('connection.established', () => {
    attempt = 0
    setStatus('connected')
  })
  source.addEventListener('replay.end', (event: MessageEvent<string>) => {
    const data = JSON.parse(event.data) as { lastReplayedSeq: number; totalAvailable: number }
    list.dataset['replayedTo'] = String(data.lastReplayedSeq)
    list.dataset['totalAvailable'] = String(data.totalAvailable)
  })
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) {
      setStatus('reconnecting')
      return
    }
    // A non-200 answer (429, 5xx) closes the EventSource for good: back off and start over.
    attempt++
    setStatus('reconnecting')
    setTimeout(() => void connect(), Math.min(1000 * 2 ** attempt, 30_000))
  }
}

void connect()
