/** Store entry: the per-user IndexedDB cache of messages, ranges and the outbox. */
export * from './chat-store'
export * from './idb-store'
export * from './schema'
