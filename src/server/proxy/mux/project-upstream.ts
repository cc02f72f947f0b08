/**
 * One upstream attempt of one project inside a mux stream: opens the signed backend stream
 * (the stream route's own code), parses it with our SSE parser and writes whole events,
 * re-tagged with the project, into the merged output. Its state goes out as `mux.project`:
 * `open` then at most one `closed`, or `error` alone. It never retries: the hub decides.
 */
import { MUX_EVENT_PREFIX, type MuxCloseReason, type MuxProjectData } from '../../../protocol/mux'
import { createEventStreamDecoder } from '../../../sse/stream'
import { isErrorBody } from '../errors'
import { openBackendStream } from '../routes/stream'
import type { Upstream } from '../upstream'
import { projectEventFrame, projectPingFrame, projectStateFrame } from './frames'
import type { MuxOutput } from './output'

/** @internal Options of {@link startProjectUpstream}. */
export interface ProjectUpstreamOptions {
  projectId: string
  /** Sent as `Last-Event-ID`. */
  cursor: number
  userId: string
  upstream: Upstream
  output: Pick<MuxOutput, 'write' | 'ready'>
}

/** @internal A running attempt. */
export interface ProjectUpstream {
  /**
   * Ends the attempt on a control POST: aborts the upstream and, unless the attempt already
   * wrote its last state, writes `closed` with `reason` now, so nothing of it follows.
   */
  stop(reason: Extract<MuxCloseReason, 'removed' | 'replaced'>): void
  /** Ends the attempt silently: the whole mux stream is ending. */
  abandon(): void
}

/** @internal Starts the attempt; its first state frame follows when the backend answers. */
export function startProjectUpstream(options: ProjectUpstreamOptions): ProjectUpstream {
  const { projectId, cursor, output } = options
  const abort = new AbortController()
  /** Set once the attempt wrote its last frame (or must write none): every later write is dropped. */
  let finished = false
  let cancelRead = (): void => {}
  let wasOpen = false

  const finish = (last: MuxProjectData | undefined): void => {
    if (finished) return
    finished = true
    if (last !== undefined) output.write(projectStateFrame(last))
  }
  const closed = (reason: MuxCloseReason): MuxProjectData => ({ projectId, state: 'closed', cursor, reason })
  const end = (last: MuxProjectData | undefined): void => {
    finish(last)
    abort.abort()
    cancelRead()
  }

  const run = async (): Promise<void> => {
    const opened = await openBackendStream(options.upstream, {
      projectId,
      userId: options.userId,
      lastEventId: String(cursor),
      signal: abort.signal,
    })
    if (!opened.ok) {
      const last = await errorState(projectId, cursor, opened.response)
      finish(last)
      return
    }
    if (finished) {
      opened.abort()
      return
    }
    wasOpen = true
    output.write(projectStateFrame({ projectId, state: 'open', cursor }))

    const reader = opened.body.getReader()
    cancelRead = () => {
      opened.abort()
      reader.cancel().catch(() => {})
    }
    // Whole events only: the parser dispatches an event at its blank line, and `end()` drops
    // an unfinished one. `retry:` is the hub's business per project, so it is not forwarded.
    const decoder = createEventStreamDecoder({
      onEvent: (event) => {
        if (finished || event.event.startsWith(MUX_EVENT_PREFIX)) return
        output.write(projectEventFrame(projectId, event))
      },
      onComment: () => {
        if (!finished) output.write(projectPingFrame(projectId))
      },
    })
    try {
      for (;;) {
        // Back-pressure: read the next chunk only when the browser side has room.
        await output.ready()
        if (finished) return
        const { done, value } = await reader.read()
        if (finished) return
        if (done) {
          decoder.end()
          finish(closed('ended'))
          return
        }
        decoder.feed(value)
      }
    } catch {
      decoder.end()
      finish(closed('cut'))
    } finally {
      opened.abort()
    }
  }
  run().catch(() => {
    // A bug of ours must not pass for the backend's answer; the attempt still ends with its one last state.
    finish(
      wasOpen
        ? closed('cut')
        : {
            projectId,
            state: 'error',
            cursor,
            status: 500,
            retryAfter: null,
            code: 'internal_error',
            message: 'Unexpected proxy error.',
          },
    )
    abort.abort()
  })

  return {
    stop: (reason) => end(closed(reason)),
    abandon: () => end(undefined),
  }
}

/** The `error` state of an answer the stream route would have given instead of a stream. */
async function errorState(projectId: string, cursor: number, response: Response): Promise<MuxProjectData> {
  let body: unknown
  try {
    body = await response.json()
  } catch {
    body = undefined
  }
  return {
    projectId,
    state: 'error',
    cursor,
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    code: isErrorBody(body) ? body.error.code : 'upstream_error',
    message: isErrorBody(body) ? body.error.message : `Backend responded ${response.status}.`,
  }
}
