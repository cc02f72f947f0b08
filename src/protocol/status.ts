/**
 * Connection status of one project's stream (DESIGN.md §4), one discriminated union.
 */

/** @public The status of a project channel as tabs see it. */
export type ConnectionStatus =
  | { status: 'connecting' }
  | { status: 'connected' }
  /** Backing off after a network error, 5xx, wrong content type or a silent stream. */
  | { status: 'reconnecting'; attempt: number; retryAt: number; reason: string }
  /** `navigator.onLine` is false; retried as soon as the browser is back online. */
  | { status: 'offline' }
  /** 401/403: no request until the app calls `reconnect()`. */
  | { status: 'auth_failed'; code: number; reason: string }
  /** 429: retried at `retryAt` (from `Retry-After`). */
  | { status: 'rate_limited'; retryAt: number }
  | { status: 'disconnected' }

/** @public The status names, as rendered in `data-status`. */
export type ConnectionStatusName = ConnectionStatus['status']
