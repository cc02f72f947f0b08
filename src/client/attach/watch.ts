/**
 * One link and everything that can end it (its own `lost`, or what the attachment finds: a
 * liveness lock come free, an unanswered ping, a hub that forgot the tab), and steps on it that
 * settle: each either answers, times out, or rejects with `LinkLost` when the link dies first.
 */
import type { Clock } from '../../hub'
import { type HubApi, type HubLink, hubError } from '../../protocol'

/** @internal */
export interface Watch {
  link: HubLink
  /** Resolves once, with the first reason: the link's own, or one the attachment found. */
  lost: Promise<string>
  lose(reason: string): void
  /** Called once the link is lost (in a microtask if it is already); returns a function that stops listening. */
  listen(listener: (reason: string) => void): () => void
}

/** @internal What a step rejects with when its link died meanwhile. */
export interface LinkLost {
  lost: string
}

/** @internal */
export const isLost = (value: unknown): value is LinkLost =>
  typeof value === 'object' && value !== null && 'lost' in value && typeof value.lost === 'string'

/** @internal Watch `link`. */
export function watchLink(link: HubLink): Watch {
  const listeners = new Set<(reason: string) => void>()
  let ended: string | undefined
  let settle: (reason: string) => void = () => {}
  const lost = new Promise<string>((resolve) => {
    settle = resolve
  })
  const lose = (reason: string) => {
    if (ended !== undefined) return
    ended = reason
    settle(reason)
    for (const listener of [...listeners]) listener(reason)
    listeners.clear()
  }
  void link.lost.then(lose)
  return {
    link,
    lost,
    lose,
    listen(listener) {
      const reason = ended
      if (reason !== undefined) {
        queueMicrotask(() => listener(reason))
        return () => {}
      }
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/** @internal `promise`, unless the link dies first (rejects with `LinkLost`) or it takes longer than `limitMs`. */
export function step<T>(
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
  watch: Watch,
  promise: Promise<T>,
  limitMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      done()
      reject(hubError('timeout', `${what} got no answer from the hub within ${limitMs} ms`))
    }, limitMs)
    const unlisten = watch.listen((reason) => {
      done()
      reject({ lost: reason } satisfies LinkLost)
    })
    function done() {
      clock.clearTimeout(timer)
      unlisten()
    }
    promise.then(
      (value) => {
        done()
        resolve(value)
      },
      (error: unknown) => {
        done()
        reject(error)
      },
    )
  })
}

/** @internal Call `method` on the watched link's hub as a step with `limitMs`. */
export function callOn<K extends keyof HubApi>(
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
  watch: Watch,
  method: K,
  args: Parameters<HubApi[K]>,
  limitMs: number,
): ReturnType<HubApi[K]> {
  const call = Promise.resolve().then(() => (watch.link.api[method] as (...a: unknown[]) => unknown)(...args))
  return step(clock, watch, call, limitMs, `${method}()`) as ReturnType<HubApi[K]>
}
