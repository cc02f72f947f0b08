/**
 * The channel core: the delivery rules of one (user, project) channel as a pure state machine
 * (`step`), and what is derived from its state. The shells that run it: `../project-channel.ts`
 * (the hub) and `test/sim` (the simulation).
 */
export * from './backoff'
export { createChannelState, messageAt, sameStatus, snapshotOf, statusOf } from './state'
export type { StepEnv, StepResult } from './step'
export { step } from './step'
export type * from './types'
