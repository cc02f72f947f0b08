/**
 * How a tab reaches a hub, whatever the mode. A dialer opens links; a link is one connection to
 * one running hub and dies at most once. The attachment (src/client/attach/) builds everything
 * else on these two — time limits, hello, resubscribing, retries, continuity — the same for the
 * SharedWorker, a leader tab and the page. Type-only.
 */
import type { HubApi, HubMode } from './hub-api'

/** @public One connection to one running hub. */
export interface HubLink {
  readonly mode: HubMode
  /**
   * The hub's methods, untimed: the attachment limits them. `hello`'s listeners are plain
   * functions; the link carries them across (a comlink proxy, posts on a channel).
   */
  readonly api: HubApi
  /** Settles once, with why, when the transport sees this hub go (the worker's `error`, a newer leader). Never rejects. */
  readonly lost: Promise<string>
  /** Stop using this link (release its port or channels); its pending calls are abandoned. */
  close(): void
}

/** @public Reaches the hub of one mode. */
export interface HubDialer {
  readonly mode: HubMode
  /** A link to the mode's current hub, starting one if needed. Rejects, with why, when the mode cannot start. */
  open(): Promise<HubLink>
  /** Stop for good: workers this dialer started end. */
  close(): void
}
