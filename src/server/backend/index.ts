/** The reference backend's entry: re-exports only. */

export type { AppendOptions, BackendOptions, RunningBackend } from './backend'
export { startBackend } from './backend'
