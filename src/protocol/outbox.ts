/**
 * Outbox entries: sends that survive reloads and offline, retried with the same
 * `client_msg_id` until the backend acknowledges them (DESIGN.md §4).
 */

/** @public Where a queued send stands. */
export type OutboxState =
  /** Waiting to be (re)sent; retried with backoff on network errors, 5xx and 429. */
  | { state: 'pending'; attempts: number }
  /** The backend refused it for good (a 4xx other than 401/408/429); retry or discard it. */
  | { state: 'failed'; attempts: number; code: number; reason: string }

/** @public One queued send. Keyed by `client_msg_id`. */
export interface OutboxEntry {
  client_msg_id: string
  projectId: string
  userId: string
  text: string
  mode?: string | undefined
  target?: 'ai' | 'team' | undefined
  /** unix milliseconds; orders the optimistic messages of a project. */
  createdAt: number
  status: OutboxState
}

/** @public What a tab passes to `send()`. */
export interface SendDraft {
  text: string
  mode?: string | undefined
  target?: 'ai' | 'team' | undefined
}
