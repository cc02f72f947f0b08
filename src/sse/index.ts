/**
 * The `persistent-chat/sse` entry: the pure SSE layer (parse, decode bytes, check payloads,
 * transform messages). No I/O; usable in any JavaScript runtime.
 */
export type {
  DecodeEventResult,
  DecodeHistoryResult,
  DecodeMessageResult,
  DecodeSendResult,
} from './decode'
export { decodeEvent, decodeHistoryResponse, decodeMessageData, decodeSendMessageResponse } from './decode'
export type { DecodeError, DecodeErrorContext, DecodeErrorType, ParseError } from './errors'
export { createParser } from './parse'
export { createEventStreamDecoder } from './stream'
export { toPersistentChatMessage } from './transform'
export type {
  EventStreamDecoder,
  EventStreamParser,
  ParserCallbacks,
  ServerSentEvent,
  TextDecoderConstructorLike,
  TextDecoderLike,
} from './types'
