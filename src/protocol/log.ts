/**
 * Structured log entries, the same shape on every side of the tab ↔ hub wire: the hub's, a
 * leader worker's and the tab's own entries reach an app's `onLog` unchanged. Pure.
 */

/** @public Severity, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** @public One log line: a level, a dotted event name and plain details (never message text or credentials). */
export type LogEntry = { level: LogLevel; event: string } & Record<string, unknown>

/** @public Receives log entries. */
export type LogListener = (entry: LogEntry) => void

/** @public Every level, lowest first. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

/** @public Whether an entry at `level` passes a `minimum`. */
export function atLeast(level: LogLevel, minimum: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(minimum)
}

/** @public Whether `value` names a level. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value)
}
