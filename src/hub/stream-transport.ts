/**
 * How a channel's stream reaches the proxy. A transport opens one project's stream at a cursor
 * and reports what happens to it — opened, chunks of parsed events, ended with why — so the
 * channel core sees the same inputs whichever way the bytes travel: one fetch per project
 * (`createProjectStreams`, the DESIGN.md §3 `/stream` route) or one multiplexed stream for every
 * project of the user (`mux-transport.ts`).
 */

import { AUTHENTICATED_USER_HEADER } from '../protocol'
import type { ServerSentEvent } from '../sse'
import { createEventStreamDecoder } from '../sse'
import type { RequestFailure } from './core'
import type { SessionIo } from './deps'
import { classifyResponse, errorMessage } from './http'

/** @internal What a transport tells about one project's stream. */
export interface StreamSink {
  /** The stream answered and streams; `heartbeatMs` sizes the stall watchdog. */
  opened(heartbeatMs: number): void
  /** Bytes arrived: the events they completed (maybe none), and a `retry:` field if any. */
  chunk(events: ServerSentEvent[], retryMs: number | undefined): void
  /** The stream ended or never opened. Never called after `abort()`. */
  ended(failure: RequestFailure): void
}

/** @internal */
export interface StreamTransport {
  /** Open `projectId`'s stream with `Last-Event-ID: cursor`; `abort` ends it (silently). */
  open(projectId: string, cursor: number, sink: StreamSink): { abort(): void }
  /** Long-lived requests it holds now (for the hub's figures). */
  connections(): number
  close(): void
}

/** @internal What a transport is built from. */
export interface TransportContext extends SessionIo {
  heartbeatMs(): number
}

/** @internal The response belongs to another user than the session's (the cookie changed). */
export function otherUser(response: Response, userId: string): RequestFailure | undefined {
  const user = response.headers.get(AUTHENTICATED_USER_HEADER)
  if (user === null || user === userId) return undefined
  return { kind: 'auth', code: 401, reason: `signed in as ${user}, not ${userId}` }
}

/**
 * @internal Read an event-stream response: checks the user and the content type, then feeds
 * every chunk to `onChunk` until the body ends. Resolves with why it ended.
 */
export async function readEventStream(
  response: Response,
  ctx: TransportContext,
  signal: AbortSignal,
  handlers: { opened(): void; chunk(events: ServerSentEvent[], retryMs: number | undefined): void },
): Promise<RequestFailure> {
  if (!response.ok) return classifyResponse(response, ctx.clock)
  const refused = otherUser(response, ctx.userId)
  const contentType = response.headers.get('content-type') ?? ''
  if (refused || !contentType.toLowerCase().startsWith('text/event-stream') || !response.body) {
    await response.body?.cancel().catch(() => {})
    return (
      refused ?? {
        kind: 'retry',
        reason: `expected text/event-stream, got ${contentType || 'no content type'}`,
      }
    )
  }
  handlers.opened()
  const decoder = createChunkDecoder()
  const reader = response.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { kind: 'retry', reason: 'the stream ended' }
      const { events, retryMs } = decoder.feed(value)
      handlers.chunk(events, retryMs)
    }
  } catch (error) {
    return signal.aborted ? { kind: 'aborted' } : { kind: 'retry', reason: errorMessage(error) }
  } finally {
    decoder.end()
    reader.releaseLock()
  }
}

/**
 * @internal Bytes to the inputs a channel takes: the events each chunk completes, and the
 * `retry:` field it carried, if any.
 */
export function createChunkDecoder(): {
  feed(bytes: Uint8Array): { events: ServerSentEvent[]; retryMs: number | undefined }
  end(): void
} {
  let events: ServerSentEvent[] = []
  let retryMs: number | undefined
  const decoder = createEventStreamDecoder({
    onEvent: (event) => events.push(event),
    onRetry: (ms) => {
      retryMs = ms
    },
  })
  return {
    feed(bytes) {
      decoder.feed(bytes)
      const chunk = { events, retryMs }
      events = []
      retryMs = undefined
      return chunk
    },
    end: () => decoder.end(),
  }
}

/** @internal One fetch per project: `GET {apiBase}/stream?projectId=…` (DESIGN.md §3). */
export function createProjectStreams(ctx: TransportContext): StreamTransport {
  const open = new Set<AbortController>()
  return {
    open(projectId, cursor, sink) {
      const controller = new AbortController()
      open.add(controller)
      const end = (failure: RequestFailure) => {
        open.delete(controller)
        if (!controller.signal.aborted) sink.ended(failure)
      }
      ctx
        .fetch(`${ctx.config.apiBase}/stream?projectId=${encodeURIComponent(projectId)}`, {
          method: 'GET',
          headers: { accept: 'text/event-stream', 'last-event-id': String(cursor) },
          signal: controller.signal,
        })
        .then(
          (response) =>
            readEventStream(response, ctx, controller.signal, {
              opened: () => sink.opened(ctx.heartbeatMs()),
              chunk: (events, retryMs) => sink.chunk(events, retryMs),
            }),
          (error: unknown): RequestFailure =>
            controller.signal.aborted ? { kind: 'aborted' } : { kind: 'retry', reason: errorMessage(error) },
        )
        .then(end, (error: unknown) => end({ kind: 'retry', reason: errorMessage(error) }))
      return {
        abort() {
          open.delete(controller)
          controller.abort()
        },
      }
    },
    connections: () => open.size,
    close() {
      for (const controller of open) controller.abort()
      open.clear()
    },
  }
}
