/** Protocol entry: the wire format, message shape, status, tab ↔ hub contract and limits. */
export type * from './events'
export type * from './hub-api'
export { HUB_METHODS, HUB_PROTOCOL_VERSION } from './hub-api'
export * from './limits'
export type * from './message'
export type * from './outbox'
export type * from './status'
export type * from './wire'
