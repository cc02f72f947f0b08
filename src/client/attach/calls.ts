/**
 * The tab's calls to the hub while hubs come and go: each waits for an attached hub, then has a
 * time limit there (`callTimeLimit`, the same in every mode). A call whose hub dies before
 * answering waits for the next hub and goes again — or settles, when re-attaching restores its
 * effect by itself (hello carries visibility and network, then every shown project is
 * subscribed). A call that waits too long for any hub settles with a clear `unavailable`.
 */
import type { Clock } from '../../hub'
import type { HubApi, HubError, HubLink } from '../../protocol'
import { asHubError, hubError } from '../../protocol'

/** Calls whose effect a new attachment restores by itself: after a loss they settle instead of going again. */
const RESTORED_BY_ATTACH: ReadonlySet<keyof HubApi> = new Set<keyof HubApi>([
  'subscribe',
  'unsubscribe',
  'setVisibility',
  'setNetwork',
])

/** How often one call may meet a hub that forgot the tab before it fails (no re-attach loop). */
const MAX_TRIES = 3

/** @internal What the queue is built from. */
export interface CallQueueOptions {
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>
  timeLimit(method: keyof HubApi): number
  /** A call waits at most this long for a hub. */
  waitLimitMs: number
  /** Why there is no hub now, for the error of a call that waited too long. */
  waitReason(): string
  /**
   * The hub answered `unknown_tab`: it forgot this tab (restarted with fresh state). True when
   * the tab attaches again (the call then waits for that), false to fail the call.
   */
  onForgotten(link: HubLink): boolean
  /** A call got no answer in time: the hub may be dead. */
  onTimeout(link: HubLink): void
}

interface Call {
  method: keyof HubApi
  args: unknown[]
  /** Creation order: an attachment covers the restorable calls made before it started. */
  order: number
  resolve(value: unknown): void
  reject(error: HubError): void
  link: HubLink | undefined
  timer: unknown
  waitTimer: unknown
  tries: number
}

/** @internal */
export interface CallQueue {
  /** The order the next call gets (an attachment notes it before it starts). */
  readonly nextOrder: number
  /** Queue a call; it goes out at the next `pump` with a link. */
  add(method: keyof HubApi, args: unknown[]): Promise<unknown>
  /** Post every waiting call to the attached hub. */
  pump(link: HubLink): void
  /** `link`'s hub is gone: its unanswered calls wait for the next hub. */
  orphan(link: HubLink): void
  /** An attachment that began at `order` is done: settle the restorable calls made before it. */
  restored(order: number): void
  /** Settle every call (waiting or posted) with `error`. */
  rejectAll(error: HubError): void
}

/** @internal */
export function createCallQueue(options: CallQueueOptions): CallQueue {
  const { clock } = options
  const calls = new Set<Call>()
  let order = 0

  const finish = (call: Call) => {
    calls.delete(call)
    clock.clearTimeout(call.timer)
    clock.clearTimeout(call.waitTimer)
  }

  const wait = (call: Call) => {
    call.link = undefined
    clock.clearTimeout(call.timer)
    clock.clearTimeout(call.waitTimer)
    call.waitTimer = clock.setTimeout(() => {
      finish(call)
      call.reject(
        hubError(
          'unavailable',
          `${call.method}() waited ${options.waitLimitMs} ms for a hub: ${options.waitReason()}`,
        ),
      )
    }, options.waitLimitMs)
  }

  const post = (call: Call, link: HubLink) => {
    clock.clearTimeout(call.waitTimer)
    call.link = link
    const limit = options.timeLimit(call.method)
    call.timer = clock.setTimeout(() => {
      if (call.link !== link) return
      finish(call)
      call.reject(hubError('timeout', `${call.method}() got no answer from the hub within ${limit} ms`))
      options.onTimeout(link)
    }, limit)
    const method = link.api[call.method] as (...args: unknown[]) => Promise<unknown>
    let answer: Promise<unknown>
    try {
      answer = Promise.resolve(Reflect.apply(method, link.api, call.args))
    } catch (error) {
      answer = Promise.reject(error)
    }
    answer.then(
      (value) => {
        if (call.link !== link) return // orphaned meanwhile: it goes (or went) elsewhere
        finish(call)
        call.resolve(value)
      },
      (error: unknown) => {
        if (call.link !== link) return
        const failure = asHubError(error)
        if (failure.code === 'unknown_tab' && ++call.tries < MAX_TRIES && options.onForgotten(link)) {
          wait(call)
          return
        }
        finish(call)
        call.reject(failure)
      },
    )
  }

  return {
    get nextOrder() {
      return order + 1
    },
    add: (method, args) =>
      new Promise((resolve, reject) => {
        const call: Call = {
          method,
          args,
          order: ++order,
          resolve,
          reject,
          link: undefined,
          timer: undefined,
          waitTimer: undefined,
          tries: 0,
        }
        calls.add(call)
        wait(call)
      }),
    pump(link) {
      for (const call of [...calls]) if (call.link === undefined) post(call, link)
    },
    orphan(link) {
      for (const call of [...calls]) {
        if (call.link !== link) continue
        if (call.method === 'bye') {
          finish(call) // the hub it said bye to is gone anyway
          call.resolve(undefined)
        } else wait(call)
      }
    },
    restored(before) {
      for (const call of [...calls]) {
        if (call.link === undefined && call.order < before && RESTORED_BY_ATTACH.has(call.method)) {
          finish(call)
          call.resolve(undefined)
        }
      }
    },
    rejectAll(error) {
      for (const call of [...calls]) {
        finish(call)
        call.reject(error)
      }
    },
  }
}
