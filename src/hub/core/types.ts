/**
 * The vocabulary of a project channel's core: what it is told (`ChannelInput`), what it asks
 * its shell to do (`ChannelEffect`) and what it remembers (`ChannelState`). Type-only, lib ES.
 */
import type { ChannelChange, HistoryResponse, MessageData, PersistentChatMessage } from '../../protocol'
import type { ServerSentEvent } from '../../sse/types'
import type { CommitBatch } from '../../store/chat-store'
import type { ProjectRecord, StoredMessage } from '../../store/schema'

/** @public Why a request did not succeed (stream, history or send). */
export type RequestFailure =
  /** 401/403: stop until asked. */
  | { kind: 'auth'; code: number; reason: string }
  /** 429: wait as told. */
  | { kind: 'rate_limited'; retryAfterMs: number; reason: string }
  /** Network error, 5xx, 408, a wrong content type, a silent stream: back off and retry. */
  | { kind: 'retry'; reason: string }
  /** Any other 4xx. */
  | { kind: 'rejected'; code: number; reason: string }
  /** We aborted it ourselves: not an error. */
  | { kind: 'aborted' }

/** @public The tunables the core reads (a subset of `HubConfig`). */
export interface CoreConfig {
  /** History page size (≤ 200). */
  pageSize: number
  /** A gap larger than this starts a new window at the latest page instead of paging it all. */
  maxBackfill: number
  /** Messages a snapshot carries; the core keeps at most twice this many in memory. */
  windowSize: number
  /**
   * A catch-up that would grow the tabs' lists by more than this tells them nothing while it
   * pages, and gives them a new window (a `reset`) once it is within `windowSize` of the latest.
   */
  maxTabBackfill: number
  /**
   * Paging a gap, ask for the next page while one is in flight (history.ts): the backend's time
   * for it overlaps ours for the page before. Off, a gap is paged one request at a time.
   */
  prefetchHistory: boolean
  /** A connection must stay up this long before the backoff attempt count resets. */
  minUptimeMs: number
}

/** @public A history request, in one of the two forms DESIGN.md §2 defines. */
export type HistoryQuery = { afterSeq: number; limit: number } | { beforeSeq: number; limit: number }

/** @public The core's timers. Every one is named, so `stop` can clear them all. */
export type TimerName =
  /** The wait before the next stream attempt (backoff, `Retry-After`). */
  | 'reconnect'
  /** No bytes for 2.5 × heartbeat: the stream is silent. */
  | 'stall'
  /** A history request failed or made no progress: try again after a pause. */
  | 'history_retry'
  /** A commit failed: write the same batch again after a pause. */
  | 'commit_retry'

/** @public Everything the shell tells the core. `connection`, `request` and `commit` ids are the ones from the effect. */
export type ChannelInput =
  | { type: 'start'; online: boolean }
  | { type: 'stop' }
  | { type: 'cache_loaded'; record: ProjectRecord | undefined; messages: StoredMessage[] }
  | { type: 'stream_opened'; connection: number; heartbeatMs: number }
  /** One chunk of the body: the events it completed (maybe none) and a `retry:` field if any. */
  | {
      type: 'stream_chunk'
      connection: number
      events: readonly ServerSentEvent[]
      retryMs?: number | undefined
    }
  | { type: 'stream_ended'; connection: number; failure: RequestFailure }
  | { type: 'history_result'; request: number; result: HistoryResult }
  | { type: 'cache_read'; request: number; messages: StoredMessage[] }
  | { type: 'commit_done'; commit: number }
  | { type: 'commit_failed'; commit: number; reason: string }
  | { type: 'timer'; name: TimerName }
  | { type: 'online' }
  | { type: 'offline' }
  /** The app asks: retry now, also after `auth_failed`. */
  | { type: 'reconnect' }
  /** The user session saw a 401 elsewhere: request nothing until `reconnect`. */
  | { type: 'suspend'; code: number; reason: string }
  /** A send's POST answered with its message: delivered in seq order like any other. */
  | { type: 'acknowledged'; data: MessageData }
  /** Scrollback: up to `limit` messages before `beforeSeq`. */
  | { type: 'load_older'; request: number; beforeSeq: number; limit: number }

/** @public A history request's outcome. */
export type HistoryResult = { ok: true; page: HistoryResponse } | { ok: false; failure: RequestFailure }

/** @public What the core asks the shell to do, in order. */
export type ChannelEffect =
  | { type: 'load_cache' }
  | { type: 'open_stream'; connection: number; cursor: number }
  | { type: 'abort_stream'; connection: number }
  | { type: 'fetch_history'; request: number; query: HistoryQuery }
  | { type: 'abort_history'; request: number }
  /** Read cached messages before `beforeSeq` (scrollback). */
  | { type: 'read_cache'; request: number; beforeSeq: number; limit: number }
  | { type: 'commit'; commit: number; batch: CommitBatch }
  /** Changes for every subscribed tab, in order. */
  | { type: 'emit'; changes: ChannelChange[] }
  /** Send every subscribed tab a `reset` with the snapshot as it is after this step. */
  | { type: 'emit_reset' }
  /**
   * These `client_msg_id`s are confirmed (their messages are in the log): their sends are done.
   * `stored`: the commit that wrote the messages removed them from the stored outbox too.
   */
  | { type: 'settle'; clientMsgIds: string[]; stored: boolean }
  | { type: 'answer_older'; request: number; answer: OlderAnswer }
  | { type: 'set_timer'; name: TimerName; ms: number }
  | { type: 'clear_timer'; name: TimerName }
  /** A 401: the whole user session stops until asked. */
  | { type: 'unauthenticated'; code: number; reason: string }
  | {
      type: 'log'
      level: 'debug' | 'info' | 'warn' | 'error'
      event: string
      fields: Record<string, unknown>
    }

/** @public The answer to a `load_older`. */
export type OlderAnswer =
  | { ok: true; messages: PersistentChatMessage[]; hasOlder: boolean }
  | { ok: false; reason: string }

/** @public A message we know is in the log, kept in seq order. */
export type Message = StoredMessage

/**
 * @public Where the connection stands. The tab-visible status is derived from it
 * (`statusOf`), never set on its own.
 */
export type Phase =
  /** Not started, or stopped. */
  | { phase: 'stopped' }
  /** Reading the cache. */
  | { phase: 'loading' }
  /** Nothing cached: fetching the newest page before the stream opens. */
  | { phase: 'windowing' }
  | { phase: 'connecting'; connection: number; cursor: number }
  | { phase: 'streaming'; connection: number; cursor: number; openedAt: number; stallAfterMs: number }
  /** Backing off (network, 5xx, silence) or waiting out a 429. Timer `reconnect`. */
  | { phase: 'waiting'; retryAt: number }
  | { phase: 'offline' }
  /** 401/403: nothing is requested until `reconnect`. */
  | { phase: 'auth_failed'; code: number; reason: string }

/** @public Why the channel is waiting, shown while it waits and while it tries again. */
export type Retrying =
  | { kind: 'backoff'; attempt: number; retryAt: number; reason: string }
  | { kind: 'rate_limited'; retryAt: number }

/** @public What the history request in flight is for. */
export type HistoryPurpose =
  /** Nothing cached: the first page, which also tells the latest seq. */
  | { purpose: 'probe' }
  /** The newest page (empty cache, a miss beyond `maxBackfill`, a data reset). */
  | { purpose: 'window'; dataReset: boolean }
  /**
   * The page from `highSeq` on: the rest of a gap, and the check that the message at `highSeq`
   * is still the one we hold (after a reconnect, an event that contradicted it, any page).
   */
  | { purpose: 'gap'; highSeq: number; messageId: string | undefined }
  /** Scrollback for a tab. */
  | { purpose: 'older'; older: number }

/** @public A history request in flight. */
export type HistoryRequest = HistoryPurpose & {
  request: number
  query: HistoryQuery
  /** Asked for ahead (`ChannelState.prefetch`), so its answer may predate the page before it. */
  askedAhead?: true
}

/** @public A gap page asked for ahead, and its answer once it came (a failed one is dropped). */
export interface Prefetch {
  request: number
  query: HistoryQuery & { afterSeq: number }
  page: HistoryResponse | undefined
}

/** @public A write waiting for (or in) the store's single transaction slot. */
export interface PendingCommit {
  /** `append` live messages, replace with a new `window`, or extend the range with `older` ones. */
  kind: 'append' | 'window' | 'older'
  messages: Message[]
  /** A window's range (it may hold no message at all). */
  range?: { lowSeq: number; highSeq: number } | undefined
  /** Set while the store works on it. */
  commit: number | undefined
  attempts: number
}

/** @public A scrollback request of a tab, until it is answered. */
export interface OlderRequest {
  request: number
  beforeSeq: number
  limit: number
  /** Cached messages found, ascending; `undefined` until the cache answered. */
  cached: Message[] | undefined
  /** Our copy of the message at `beforeSeq`, if we hold it: it checks the page that overlaps it. */
  anchor: Message | undefined
  /** The history request is queued or in flight. */
  needsHistory: boolean
}

/** @public The range the tabs were told about (snapshots and `messages` changes). */
export interface ViewRange {
  lowSeq: number
  highSeq: number
}

/** @public Everything a channel remembers. Owned by the core: `step` updates it in place. */
export interface ChannelState {
  readonly projectId: string
  readonly config: CoreConfig
  running: boolean
  online: boolean
  phase: Phase
  retrying: Retrying | undefined
  cache: 'unloaded' | 'loading' | 'loaded'
  /** The range held in memory: committed or queued for commit. `latestSeq` is a hint until a history answer confirms it. */
  record: ProjectRecord | undefined
  /** The range the store holds once every started commit is done. */
  persisted: { lowSeq: number; highSeq: number } | undefined
  /** What the tabs were told (while `untold`, what a `reset` would tell them). */
  view: ViewRange | undefined
  /** Messages were accepted that the tabs were not told (a long catch-up): a `reset` is due. */
  untold: boolean
  /** The newest messages the tabs were told about (≤ 2 × `windowSize`), ascending. */
  recent: Message[]
  /** Confirmed messages beyond `highSeq + 1`, held until the gap before them is filled. */
  held: Map<number, Message>
  /**
   * Held messages that only a send's acknowledgement vouches for: the log as the backend holds it
   * now, which may not be ours (replaced while no stream was open to tell). Accepted only while a
   * checked stream is open, or replaced by the same seq from the stream or a history page.
   */
  acknowledgedOnly: WeakSet<Message>
  commits: PendingCommit[]
  history: HistoryRequest | undefined
  /**
   * The gap page after the one in flight, asked for ahead (history.ts): its answer is kept until
   * the page before it is accepted, and used only if it is exactly the request due then.
   */
  prefetch: Prefetch | undefined
  /** A new window is due at the latest page the backend reported (`dataReset`: its log was replaced). */
  wantWindow: { latestSeq: number; dataReset: boolean } | undefined
  /** The `latestSeq` the last new window was fetched for: never fetch a window twice for the same one. */
  lastWindowLatestSeq: number | undefined
  /**
   * Whether the message at `highSeq` must be checked against the backend before more are
   * accepted: `after_replay` (a new connection: checked once its replay ended, unless a new
   * window is due anyway), `due` (check now: an event contradicted it), `none`.
   */
  verify: 'none' | 'after_replay' | 'due'
  /** A history answer made no progress or failed: wait for `history_retry`. */
  historyBackoff: boolean
  historyAttempt: number
  older: OlderRequest[]
  timers: Set<TimerName>
  attempt: number
  /** The stream's `retry:` field: the base of the backoff. */
  retryMs: number | undefined
  lastBytesAt: number
  nextId: number
  counters: { reconnects: number; replayed: number; gapFills: number; windows: number; verifies: number }
}
