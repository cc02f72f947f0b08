/** Structured request logs of the proxy: one JSON object per request, never secrets. */

/**
 * @public One log line. Holds no cookies, signatures, secrets, query strings or bodies:
 * only what identifies the request and its outcome.
 */
export interface ProxyLogEntry {
  /** ISO 8601. */
  time: string
  event: 'request' | 'stream.closed'
  method: string
  /** The matched route path, e.g. `/api/persistent-chat/stream`, or `unmatched`. */
  route: string
  status: number
  /** Time to the response headers; for `stream.closed`, how long the stream was open. */
  ms: number
  userId?: string | undefined
  projectId?: string | undefined
  upstreamStatus?: number | undefined
  /** Why a stream ended (`stream.closed` only). */
  reason?: string | undefined
  error?: string | undefined
}

/** @public Where log entries go. */
export type ProxyLogger = (entry: ProxyLogEntry) => void

/** @public Writes each entry as one JSON line to stdout. */
export const jsonLineLogger: ProxyLogger = (entry) => {
  console.log(JSON.stringify(entry))
}
