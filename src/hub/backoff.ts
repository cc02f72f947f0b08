/** Reconnect delays; they live in the pure core (`core/backoff.ts`). */
export * from './core/backoff'
