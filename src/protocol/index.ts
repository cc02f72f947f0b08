/** Protocol entry: the wire format, message shape, status and limits. */

export * from './limits'
export type * from './message'
export type * from './status'
export type * from './wire'
