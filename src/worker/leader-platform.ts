/**
 * The two platform features leader-tab mode stands on, narrowed to what it uses so Node tests
 * can pass their own: named broadcast channels and Web Locks.
 */

/** @public A named broadcast channel: every other channel of that name hears `post`, never itself. */
export interface Channel {
  post(message: unknown): void
  /** Replaces any earlier listener. */
  listen(listener: (data: unknown) => void): void
  close(): void
}

/** @public Opens a channel by name. */
export type OpenChannel = (name: string) => Channel

/** @public The subset of `LockManager` leader election needs. */
export interface LocksLike {
  request(
    name: string,
    options: { steal?: boolean; signal?: AbortSignal },
    callback: () => Promise<void> | void,
  ): Promise<void>
  query(): Promise<{ held?: Array<{ name?: string; clientId?: string }> | undefined }>
}

/** @public `BroadcastChannel` (page, worker or Node 18+) as a `Channel`. */
export const broadcastChannel: OpenChannel = (name) => {
  const channel = new BroadcastChannel(name)
  return {
    post: (message) => channel.postMessage(message),
    listen(listener) {
      channel.onmessage = (event: MessageEvent) => listener(event.data)
    },
    close: () => channel.close(),
  }
}

/** @public Whether this context has what leader-tab mode needs. */
export function canElectLeader(): boolean {
  return 'BroadcastChannel' in globalThis && typeof navigator !== 'undefined' && 'locks' in navigator
}
