/**
 * Limits and identifier rules shared by backend, proxy and client (DESIGN.md §2, §3).
 * Pure constants and predicates: no I/O.
 */

/** @public Project ids the proxy and backend accept. */
export const PROJECT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** @public Whether `value` is a valid project id. */
export function isProjectId(value: unknown): value is string {
  return typeof value === 'string' && PROJECT_ID_PATTERN.test(value)
}

/** @public Whether `value` is a cursor: the decimal spelling of a non-negative safe integer. */
export function isCursor(value: unknown): value is string {
  return (
    typeof value === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(value) && Number.isSafeInteger(Number(value))
  )
}

/**
 * @public The response header in which the proxy names the user it authenticated, so the hub
 * notices when the cookie now belongs to someone else and never mixes two users' data.
 */
export const AUTHENTICATED_USER_HEADER = 'x-persistent-chat-user'

/** @public `client_msg_id`s the proxy accepts (and the hub checks before queueing). */
export const CLIENT_MSG_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/

/** @public Messages replayed on a stream before `replay.end`. */
export const MAX_REPLAY = 200
/** @public Largest `limit` of the history API. */
export const MAX_HISTORY_LIMIT = 200
/** @public Default `limit` of the history API. */
export const DEFAULT_HISTORY_LIMIT = 100
/** @public Largest message text, in UTF-8 bytes (413 beyond). */
export const MAX_TEXT_BYTES = 32 * 1024
/** @public Concurrent open streams per user before 429. */
export const MAX_STREAMS_PER_USER = 10
/** @public Allowed clock skew of signed requests, in seconds. */
export const SIGNATURE_SKEW_SECONDS = 300
/** @public Default backend heartbeat interval. */
export const DEFAULT_HEARTBEAT_MS = 20_000
