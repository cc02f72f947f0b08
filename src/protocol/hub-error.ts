/**
 * `HubError`s built and read in one place. Errors cross comlink and `BroadcastChannel` as plain
 * `{code, message}` (classes and extra fields are dropped), so every side reads what it
 * receives back through `asHubError`. Pure.
 */
import type { HubError } from './hub-api'

const HUB_ERROR_CODES: ReadonlySet<string> = new Set<HubError['code']>([
  'unauthenticated',
  'timeout',
  'unknown_tab',
  'invalid_argument',
  'not_found',
  'unavailable',
])

/** @public A `HubError`. */
export function hubError(code: HubError['code'], message: string): HubError {
  return { code, message }
}

/** @public Whether `value` is a `HubError` with a known code. */
export function isHubError(value: unknown): value is HubError {
  return (
    typeof value === 'object' &&
    value !== null &&
    'code' in value &&
    typeof value.code === 'string' &&
    HUB_ERROR_CODES.has(value.code)
  )
}

/** @public Anything thrown or received, as a plain `HubError` (unknown shapes become `unavailable`). */
export function asHubError(error: unknown): HubError {
  const message =
    typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error)
  return isHubError(error) ? { code: error.code, message } : { code: 'unavailable', message }
}
