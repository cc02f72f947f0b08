/**
 * How a tab learns that its hub is gone, the same in every mode: the Web Lock the hub's host
 * holds while the hub lives comes free (a tab queued on it is granted it at once), or — where
 * there are no Web Locks — a `ping` goes unanswered; a `ping` answered by another instance
 * means the hub was replaced. (A link's own signals — a worker's `error`, a newer leader — end
 * its watch too.)
 */
import type { Clock } from '../../hub'
import type { HubApi, HubWelcome } from '../../protocol'
import { callOn, isLost, type Watch } from './watch'

/** @internal What watching liveness needs. */
export interface LivenessOptions {
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>
  whenFree?: ((name: string, signal: AbortSignal) => Promise<void>) | undefined
  timeLimit(method: keyof HubApi): number
  pingEveryMs: number
}

/** @internal Ping the watched hub once: no answer, or another instance's, ends the watch. */
export function probe(options: LivenessOptions, watch: Watch, hubId: string | undefined): void {
  callOn(options.clock, watch, 'ping', [], options.timeLimit('ping')).then(
    (pong) => {
      if (hubId !== undefined && pong.hubId !== hubId) watch.lose('the hub was replaced by another instance')
    },
    (error: unknown) => {
      if (!isLost(error)) watch.lose('the hub stopped answering ping()')
    },
  )
}

/** @internal Resolves with why the hub that gave `welcome` is gone. */
export async function untilLost(
  options: LivenessOptions,
  watch: Watch,
  welcome: HubWelcome,
): Promise<string> {
  const { clock } = options
  const controller = new AbortController()
  let timer: unknown
  if (welcome.liveness && options.whenFree) {
    options.whenFree(welcome.liveness, controller.signal).then(
      () => watch.lose('its liveness lock came free: the hub stopped'),
      () => {}, // aborted: this link ended otherwise
    )
  } else if (watch.link.mode !== 'in-page') {
    const beat = () => {
      probe(options, watch, welcome.hubId)
      timer = clock.setTimeout(beat, options.pingEveryMs)
    }
    timer = clock.setTimeout(beat, options.pingEveryMs)
  }
  const reason = await watch.lost
  controller.abort()
  clock.clearTimeout(timer)
  return reason
}
