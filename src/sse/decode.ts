/**
 * Wire payloads to typed values: checks SSE event data and HTTP API bodies against the
 * contract (DESIGN.md §2) and describes the first mismatch. Never throws.
 */
import type {
  BackendEvent,
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
  type Checked,
  dateString,
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

const messageData: Validator<MessageData> = object({
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
  const { id } = event
  switch (event.event) {
    case 'connection.established':
      return decodeData(event, connectionEstablished, (data) => ({
        type: 'connection.established',
        id,
        data,
      }))
    case 'message.replay':
      return decodeData(event, messageData, (data) => ({ type: 'message.replay', id, data }))
    case 'message.new':
      return decodeData(event, messageData, (data) => ({ type: 'message.new', id, data }))
    case 'replay.end':
      return decodeData(event, replayEnd, (data) => ({ type: 'replay.end', id, data }))
    case 'presence.updated':
      return decodeData(event, presenceUpdated, (data) => ({ type: 'presence.updated', id, data }))
    default:
      return { ok: true, event: { type: 'unknown', event: event.event, id, data: event.data } }
  }
}

/** @public Checks a parsed `GET …/chat/messages` response body. Never throws. */
export function decodeHistoryResponse(json: unknown): DecodeHistoryResult {
  const checked = historyResponse(json, '')
  return checked.ok
    ? { ok: true, history: checked.value }
    : { ok: false, error: describeMismatch(checked, 'history response') }
}

/** @public Checks one parsed `MessageData`. Never throws. */
export function decodeMessageData(json: unknown): DecodeMessageResult {
  const checked = messageData(json, '')
  return checked.ok
    ? { ok: true, message: checked.value }
    : { ok: false, error: describeMismatch(checked, 'message') }
}

/** @public Checks a parsed `POST …/chat/messages` response body. Never throws. */
export function decodeSendMessageResponse(json: unknown): DecodeSendResult {
  const checked = sendMessageResponse(json, '')
  return checked.ok
    ? { ok: true, response: checked.value }
    : { ok: false, error: describeMismatch(checked, 'send message response') }
}

function decodeData<T>(
  event: ServerSentEvent,
  validator: Validator<T>,
  toEvent: (data: T) => BackendEvent,
): DecodeEventResult {
  const context: DecodeErrorContext = { event: event.event, id: event.id }
  const label = event.id === undefined ? `${event.event} data` : `${event.event} (id ${event.id}) data`
  let json: unknown
  try {
    json = JSON.parse(event.data)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return {
      ok: false,
      error: { type: 'invalid-json', message: `${label} is not valid JSON: ${reason}`, ...context },
    }
  }
  const checked = validator(json, '')
  return checked.ok
    ? { ok: true, event: toEvent(checked.value) }
    : { ok: false, error: describeMismatch(checked, label, context) }
}

/** Turns a mismatch into a `DecodeError` whose message reads `label: path must be …, got …`. */
function describeMismatch(
  checked: Extract<Checked<unknown>, { ok: false }>,
  label: string,
  context: DecodeErrorContext = {},
): DecodeError {
  const { mismatch } = checked
  const subject = mismatch.field === '' ? label : `${label}: ${mismatch.field}`
  if (mismatch.type === 'missing-field') {
    return { ...mismatch, message: `${subject} is missing`, ...context }
  }
  return {
    ...mismatch,
    message: `${subject} must be ${mismatch.expected}, got ${mismatch.received}`,
    ...context,
  }
}
