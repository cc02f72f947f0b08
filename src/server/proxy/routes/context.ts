/** What every proxy route receives: the authenticated request and the shared effects. */
import type { Upstream } from '../upstream'

/** @internal Fields a route adds to its request's log line. */
export interface RouteLogFields {
  projectId?: string | undefined
  upstreamStatus?: number | undefined
  error?: string | undefined
}

/** @internal The input of a route handler, after routing, Origin check and authentication. */
export interface RouteContext {
  request: Request
  url: URL
  userId: string
  upstream: Upstream
  heartbeatMs: number
  /** Aborted when the proxy shuts down: open streams end, new ones get 503. */
  shutdown: AbortSignal
  /** Mutable: the route fills in what the log line should say. */
  log: RouteLogFields
  /** Called once when a relayed stream ends, for the stream's closing log line. */
  onStreamClosed(reason: StreamCloseReason, durationMs: number): void
}

/** @internal Why a relayed stream ended. */
export type StreamCloseReason = 'client_gone' | 'upstream_end' | 'upstream_error' | 'shutdown'

/** @internal A route handler. */
export type Route = (context: RouteContext) => Promise<Response>
