/**
 * Wire payloads to typed values: checks SSE event data and HTTP API bodies against the
 * contract (DESIGN.md §2) and describes the first mismatch. Never throws.
 */
import type {
  BackendEvent,
  BackendEventName,
  ConnectionEstablishedData,
  HistoryResponse,
  MessageData,
  PresenceUpdatedData,
  ReplayEndData,
  SendMessageResponse,
} from '../protocol/wire'
import type { DecodeError, DecodeErrorContext } from './errors'
import type { ServerSentEvent } from './types'
import {
  array,
  boolean,
  countKeys,
  dateString,
  isDate,
  isPlainObject,
  Mismatch,
  nonEmptyString,
  nonNegativeInteger,
  nullable,
  object,
  oneOf,
  optional,
  plainObject,
  positiveInteger,
  string,
  type Validator,
} from './validate'

/** @public The outcome of {@link decodeEvent}. */
export type DecodeEventResult = { ok: true; event: BackendEvent } | { ok: false; error: DecodeError }

/** @public The outcome of {@link decodeHistoryResponse}. */
export type DecodeHistoryResult = { ok: true; history: HistoryResponse } | { ok: false; error: DecodeError }

/** @public The outcome of {@link decodeMessageData}. */
export type DecodeMessageResult = { ok: true; message: MessageData } | { ok: false; error: DecodeError }

/** @public The outcome of {@link decodeSendMessageResponse}. */
export type DecodeSendResult = { ok: true; response: SendMessageResponse } | { ok: false; error: DecodeError }

const checkedMessageData: Validator<MessageData> = object({
  seq: positiveInteger,
  messageId: nonEmptyString,
  client_msg_id: nullable(nonEmptyString),
  projectId: nonEmptyString,
  userId: nonEmptyString,
  content: object({
    text: string,
    type: oneOf(['user', 'assistant', 'system']),
    mode: optional(string),
    actor_type: oneOf(['client', 'assistant', 'system']),
  }),
  timestamp: dateString,
  metadata: object({
    build_id: nullable(string),
    response_data: nullable(plainObject),
  }),
})

/**
 * Every message of every stream and history page is a `MessageData`, so its common case is
 * decided in one pass with no call per field: a payload holding exactly the contract's fields,
 * each valid, is accepted as it is. Anything else (a bad or missing field, an extra one, a
 * `null` mode to drop) goes to `checkedMessageData`, which decides alike and says what is wrong
 * (test/sse/decode.test.ts checks that the two agree). bench/decoding.mjs measures the gain.
 */
function isExactMessageData(value: unknown): value is MessageData {
  if (!isPlainObject(value) || countKeys(value) !== 8) return false
  const { seq, messageId, client_msg_id, projectId, userId, content, timestamp, metadata } = value
  if (
    !(
      typeof seq === 'number' &&
      Number.isSafeInteger(seq) &&
      seq > 0 &&
      isIdentifier(messageId) &&
      (client_msg_id === null || isIdentifier(client_msg_id)) &&
      isIdentifier(projectId) &&
      isIdentifier(userId) &&
      typeof timestamp === 'string' &&
      isDate(timestamp) &&
      isPlainObject(content) &&
      isPlainObject(metadata)
    )
  )
    return false
  const { text, type, mode, actor_type } = content
  const { build_id, response_data } = metadata
  return (
    typeof text === 'string' &&
    (type === 'user' || type === 'assistant' || type === 'system') &&
    (actor_type === 'client' || actor_type === 'assistant' || actor_type === 'system') &&
    (mode === undefined ? countKeys(content) === 3 : typeof mode === 'string' && countKeys(content) === 4) &&
    countKeys(metadata) === 2 &&
    (build_id === null || typeof build_id === 'string') &&
    (response_data === null || isPlainObject(response_data))
  )
}

const isIdentifier = (value: unknown): boolean => typeof value === 'string' && value !== ''

const messageData: Validator<MessageData> = (value) =>
  isExactMessageData(value) ? value : checkedMessageData(value)

const connectionEstablished: Validator<ConnectionEstablishedData> = object({
  projectId: nonEmptyString,
  from_seq: nonNegativeInteger,
  connection_id: nonEmptyString,
  timestamp: dateString,
})

const replayEnd: Validator<ReplayEndData> = object({
  message: string,
  lastReplayedSeq: nonNegativeInteger,
  projectId: nonEmptyString,
  totalAvailable: nonNegativeInteger,
})

const presenceUpdated: Validator<PresenceUpdatedData> = object({
  projectId: nonEmptyString,
  userId: nonEmptyString,
  status: oneOf(['online', 'away', 'offline']),
})

const historyResponse: Validator<HistoryResponse> = object({
  messages: array(messageData),
  hasMore: boolean,
  latestSeq: nonNegativeInteger,
})

const sendMessageResponse: Validator<SendMessageResponse> = object({
  message: messageData,
  duplicate: boolean,
})

/**
 * @public Decodes one parsed SSE event into a {@link BackendEvent}: the JSON data of the five
 * known event names is checked field by field. Any other name is `{ type: 'unknown' }` with
 * the raw data, not an error (DESIGN.md §2: clients ignore unknown events). Never throws.
 */
export function decodeEvent(event: ServerSentEvent): DecodeEventResult {
  switch (event.event) {
    case 'connection.established':
      return checkData(event, 'connection.established', connectionEstablished)
    case 'message.replay':
      return checkData(event, 'message.replay', messageData)
    case 'message.new':
      return checkData(event, 'message.new', messageData)
    case 'replay.end':
      return checkData(event, 'replay.end', replayEnd)
    case 'presence.updated':
      return checkData(event, 'presence.updated', presenceUpdated)
    default:
      return { ok: true, event: { type: 'unknown', event: event.event, id: event.id, data: event.data } }
  }
}

/** @public Checks a parsed `GET …/chat/messages` response body. Never throws. */
export function decodeHistoryResponse(json: unknown): DecodeHistoryResult {
  const checked = historyResponse(json)
  return checked instanceof Mismatch
    ? { ok: false, error: describeMismatch(checked, 'history response') }
    : { ok: true, history: checked }
}

/** @public Checks one parsed `MessageData`. Never throws. */
export function decodeMessageData(json: unknown): DecodeMessageResult {
  const checked = messageData(json)
  return checked instanceof Mismatch
    ? { ok: false, error: describeMismatch(checked, 'message') }
    : { ok: true, message: checked }
}

/** @public Checks a parsed `POST …/chat/messages` response body. Never throws. */
export function decodeSendMessageResponse(json: unknown): DecodeSendResult {
  const checked = sendMessageResponse(json)
  return checked instanceof Mismatch
    ? { ok: false, error: describeMismatch(checked, 'send message response') }
    : { ok: true, response: checked }
}

/** Each known event name's data type: ties `checkData`'s name to its validator. */
type DataOf = { [E in BackendEvent as E['type']]: E['data'] }

/**
 * Parses and checks an event's JSON data into the decoded event named `type`, with no result
 * in between (one object less per event of every stream); the error's label and context are
 * built only on failure.
 */
function checkData<K extends BackendEventName>(
  event: ServerSentEvent,
  type: K,
  validator: Validator<DataOf[K]>,
): DecodeEventResult {
  let json: unknown
  try {
    json = JSON.parse(event.data)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return {
      ok: false,
      error: {
        type: 'invalid-json',
        message: `${eventLabel(event)} is not valid JSON: ${reason}`,
        ...contextOf(event),
      },
    }
  }
  const checked = validator(json)
  if (checked instanceof Mismatch)
    return { ok: false, error: describeMismatch(checked, eventLabel(event), contextOf(event)) }
  // The validator passed for `type`'s data, so this is the union member of `type`.
  return { ok: true, event: { type, id: event.id, data: checked } as Extract<BackendEvent, { type: K }> }
}

function eventLabel(event: ServerSentEvent): string {
  return event.id === undefined ? `${event.event} data` : `${event.event} (id ${event.id}) data`
}

function contextOf(event: ServerSentEvent): DecodeErrorContext {
  return { event: event.event, id: event.id }
}

/** Turns a mismatch into a `DecodeError` whose message reads `label: path must be …, got …`. */
function describeMismatch(mismatch: Mismatch, label: string, context: DecodeErrorContext = {}): DecodeError {
  const { type, field, expected, received } = mismatch
  const subject = field === '' ? label : `${label}: ${field}`
  if (type === 'missing-field') {
    return { type, field, message: `${subject} is missing`, ...context }
  }
  return {
    type,
    field,
    expected,
    received,
    message: `${subject} must be ${expected}, got ${received}`,
    ...context,
  }
}
