/**
 * The two platform features leader-tab mode (and a tab's watch on its hub) stands on, narrowed to
 * what they use so Node tests can pass their own: named broadcast channels and Web Locks.
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

/**
 * @public Hold the lock `name` until the returned function is called; resolves once granted.
 * (A queued request for it, elsewhere, is granted the moment this holder goes: released, closed or crashed.)
 */
export function holdLock(locks: LocksLike, name: string): Promise<() => void> {
  return new Promise((granted, failed) => {
    locks.request(name, {}, () => new Promise<void>((release) => granted(release))).catch(failed)
  })
}

/**
 * @public Resolves when the lock `name` is granted to this context, i.e. once its holder is gone;
 * the lock is released at once. Rejects with an `AbortError` when `signal` aborts first.
 */
export function whenFree(locks: LocksLike, name: string, signal?: AbortSignal | undefined): Promise<void> {
  return locks.request(name, signal ? { signal } : {}, () => {})
}

/** @public Whether this context has what leader-tab mode needs. */
export function canElectLeader(): boolean {
  return 'BroadcastChannel' in globalThis && typeof navigator !== 'undefined' && 'locks' in navigator
}
