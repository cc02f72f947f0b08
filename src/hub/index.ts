/** Hub entry: the runtime-neutral core a SharedWorker, leader tab or page wires up. */
export * from './backoff'
export * from './deps'
export * from './hub'
export * from './log'
