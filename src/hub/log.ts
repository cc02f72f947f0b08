/**
 * The one logger every side builds on: levels, a console sink, and fan-out. The SharedWorker,
 * a leader worker, the in-page hub and the tab all log through it, so the same entry reads the
 * same everywhere (and `createChatClient({ logLevel, onLog })` sees the hub's entries too).
 */
import { atLeast, type LogEntry, type LogLevel, type LogListener } from '../protocol'

/** @public Entries from `minimum` up, to the console of the context it runs in. */
export function consoleLogger(minimum: LogLevel): LogListener {
  return (entry) => {
    if (!atLeast(entry.level, minimum)) return
    // One string first, so the console line (and a test's capture of it) names the event.
    console[entry.level](`persistent-chat ${entry.event}`, entry)
  }
}

/** @public Entries from `minimum` up, to `listener`. */
export function atLevel(minimum: LogLevel, listener: LogListener): LogListener {
  return (entry) => {
    if (atLeast(entry.level, minimum)) listener(entry)
  }
}

/** @public Every entry to each listener; one that throws does not stop the others. */
export function fanOut(...listeners: Array<LogListener | undefined>): LogListener {
  const present = listeners.filter((listener): listener is LogListener => listener !== undefined)
  return (entry: LogEntry) => {
    for (const listener of present) {
      try {
        listener(entry)
      } catch {
        // a log sink that fails must not break what it logs
      }
    }
  }
}
