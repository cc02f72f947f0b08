/**
 * Input rules of the proxy routes (DESIGN.md §3): pure functions from query strings and
 * parsed JSON to validated values or a 400/413 description. No I/O, so every rule runs
 * before any upstream call.
 */
import { CLIENT_MSG_ID_PATTERN } from '../../protocol'
import { isCursor, isProjectId, MAX_HISTORY_LIMIT, MAX_TEXT_BYTES } from '../../protocol/limits'
import type { PresenceRequest, PresenceStatus, SendMessageRequest } from '../../protocol/wire'
import type { ProxyErrorCode } from './errors'

/** @public `client_msg_id`: 1..128 characters that need no escaping in URLs, headers or logs. */

/** @public `mode`: a short identifier such as `build` or `plan`. */
export const MODE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** @public A rejected input: what to answer instead of calling upstream. */
export interface Invalid {
  ok: false
  status: 400 | 413
  code: Extract<ProxyErrorCode, 'bad_request' | 'payload_too_large'>
  message: string
}

/** @public The outcome of a validation. */
export type Validated<T> = { ok: true; value: T } | Invalid

/** @public A validated stream request. */
export interface StreamQuery {
  projectId: string
  /** Canonical decimal cursor from `from_seq`, when given. */
  fromSeq: string | undefined
  /** Canonical decimal cursor from `Last-Event-ID`, when given. */
  lastEventId: string | undefined
}

/** @public A validated history request; `search` is rebuilt from validated values only. */
export interface HistoryQuery {
  projectId: string
  search: URLSearchParams
}

/** @public A validated send: the project and the backend's body. */
export interface SendInput {
  projectId: string
  message: SendMessageRequest
}

/** @public A validated presence update. */
export interface PresenceInput {
  projectId: string
  presence: PresenceRequest
}

const PRESENCE_STATUSES: readonly string[] = ['online', 'away', 'offline'] satisfies PresenceStatus[]

function isPresenceStatus(value: unknown): value is PresenceStatus {
  return typeof value === 'string' && PRESENCE_STATUSES.includes(value)
}

function invalid(message: string): Invalid {
  return { ok: false, status: 400, code: 'bad_request', message }
}

/** Reads a query parameter that may appear at most once; repeated parameters are ambiguous. */
function single(search: URLSearchParams, name: string): Validated<string | undefined> {
  const values = search.getAll(name)
  if (values.length > 1) return invalid(`Query parameter "${name}" must appear at most once.`)
  return { ok: true, value: values[0] }
}

function projectIdFrom(search: URLSearchParams): Validated<string> {
  const projectId = single(search, 'projectId')
  if (!projectId.ok) return projectId
  if (!isProjectId(projectId.value)) {
    return invalid('projectId must match ^[A-Za-z0-9_-]{1,64}$.')
  }
  return { ok: true, value: projectId.value }
}

function cursorFrom(search: URLSearchParams, name: string): Validated<string | undefined> {
  const cursor = single(search, name)
  if (!cursor.ok || cursor.value === undefined) return cursor
  if (!isCursor(cursor.value)) return invalid(`${name} must be a non-negative integer.`)
  return cursor
}

/**
 * @public Validates `GET /api/persistent-chat/stream?projectId=X[&from_seq=N]` and its
 * `Last-Event-ID` header (`null` when absent).
 */
export function validateStreamQuery(
  search: URLSearchParams,
  lastEventId: string | null,
): Validated<StreamQuery> {
  const projectId = projectIdFrom(search)
  if (!projectId.ok) return projectId
  const fromSeq = cursorFrom(search, 'from_seq')
  if (!fromSeq.ok) return fromSeq
  if (lastEventId !== null && !isCursor(lastEventId)) {
    return invalid('Last-Event-ID must be a non-negative integer.')
  }
  return {
    ok: true,
    value: { projectId: projectId.value, fromSeq: fromSeq.value, lastEventId: lastEventId ?? undefined },
  }
}

/**
 * @public Validates `GET /api/persistent-chat/messages?projectId=X&after_seq=N|before_seq=N&limit=L`.
 * At most one of `after_seq` and `before_seq`; `limit` is 1..MAX_HISTORY_LIMIT.
 */
export function validateHistoryQuery(search: URLSearchParams): Validated<HistoryQuery> {
  const projectId = projectIdFrom(search)
  if (!projectId.ok) return projectId
  const afterSeq = cursorFrom(search, 'after_seq')
  if (!afterSeq.ok) return afterSeq
  const beforeSeq = cursorFrom(search, 'before_seq')
  if (!beforeSeq.ok) return beforeSeq
  if (afterSeq.value !== undefined && beforeSeq.value !== undefined) {
    return invalid('Give after_seq or before_seq, not both.')
  }
  const limit = cursorFrom(search, 'limit')
  if (!limit.ok) return limit
  if (limit.value !== undefined && (Number(limit.value) < 1 || Number(limit.value) > MAX_HISTORY_LIMIT)) {
    return invalid(`limit must be between 1 and ${MAX_HISTORY_LIMIT}.`)
  }

  const upstream = new URLSearchParams()
  if (afterSeq.value !== undefined) upstream.set('after_seq', afterSeq.value)
  if (beforeSeq.value !== undefined) upstream.set('before_seq', beforeSeq.value)
  if (limit.value !== undefined) upstream.set('limit', limit.value)
  return { ok: true, value: { projectId: projectId.value, search: upstream } }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const utf8 = new TextEncoder()

/**
 * @public Validates the body of `POST /api/persistent-chat/messages`:
 * `{projectId, client_msg_id, text, mode?, target?}`. Unknown fields are dropped, not forwarded.
 */
export function validateSendBody(body: unknown): Validated<SendInput> {
  if (!isRecord(body)) return invalid('Body must be a JSON object.')
  const { projectId, client_msg_id, text, mode, target } = body
  if (!isProjectId(projectId)) return invalid('projectId must match ^[A-Za-z0-9_-]{1,64}$.')
  if (typeof client_msg_id !== 'string' || !CLIENT_MSG_ID_PATTERN.test(client_msg_id)) {
    return invalid('client_msg_id must be 1..128 characters of A-Z a-z 0-9 _ . : -')
  }
  if (typeof text !== 'string' || text.length === 0) return invalid('text must be a non-empty string.')
  if (utf8.encode(text).byteLength > MAX_TEXT_BYTES) {
    return {
      ok: false,
      status: 413,
      code: 'payload_too_large',
      message: `text exceeds ${MAX_TEXT_BYTES} bytes.`,
    }
  }
  if (mode !== undefined && (typeof mode !== 'string' || !MODE_PATTERN.test(mode))) {
    return invalid('mode must match ^[A-Za-z0-9_-]{1,64}$.')
  }
  if (target !== undefined && target !== 'ai' && target !== 'team') {
    return invalid('target must be "ai" or "team".')
  }

  const message: SendMessageRequest = { client_msg_id, text }
  if (mode !== undefined) message.mode = mode
  if (target !== undefined) message.target = target
  return { ok: true, value: { projectId, message } }
}

/** @public Validates the body of `POST /api/persistent-chat/presence`: `{projectId, status}`. */
export function validatePresenceBody(body: unknown): Validated<PresenceInput> {
  if (!isRecord(body)) return invalid('Body must be a JSON object.')
  const { projectId, status } = body
  if (!isProjectId(projectId)) return invalid('projectId must match ^[A-Za-z0-9_-]{1,64}$.')
  if (!isPresenceStatus(status)) return invalid('status must be "online", "away" or "offline".')
  return { ok: true, value: { projectId, presence: { status } } }
}

/**
 * @public Whether `userId`, as returned by an `authenticate` function, is safe to send in the
 * `x-user-id` header and to sign: visible ASCII only, so no line breaks can split the V2
 * signature's fields.
 */
export function isSignableUserId(userId: unknown): userId is string {
  return typeof userId === 'string' && /^[\x21-\x7e]{1,256}$/.test(userId)
}
