/**
 * Relays an upstream SSE body to the browser without buffering, and ties the two ends
 * together: the browser going away cancels the upstream request, and a proxy shutdown ends
 * the browser's response cleanly.
 */
import type { StreamCloseReason } from './routes/context'

/** @internal Options of {@link createPassThrough}. */
export interface PassThroughOptions {
  /** Aborts the upstream request (and with it the backend's stream). */
  abortUpstream(): void
  /** Called exactly once, when the relay ends for any reason. */
  onClose(reason: StreamCloseReason): void
}

/** @internal A relay of one stream. */
export interface PassThrough {
  /** The body to hand to `new Response(…)`. */
  readable: ReadableStream<Uint8Array>
  /** Ends the relay from our side: the upstream is aborted and the browser's body ends. */
  end(reason: Extract<StreamCloseReason, 'client_gone' | 'shutdown'>): void
}

/** @internal Creates a pull-based relay of `source`: a chunk is read only when the browser side wants one. */
export function createPassThrough(
  source: ReadableStream<Uint8Array>,
  options: PassThroughOptions,
): PassThrough {
  const reader = source.getReader()
  let closed = false
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined

  const finish = (reason: StreamCloseReason): boolean => {
    if (closed) return false
    closed = true
    options.onClose(reason)
    return true
  }
  const stop = (): void => {
    options.abortUpstream()
    reader.cancel().catch(() => {})
  }

  const readable = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
      },
      async pull(c) {
        try {
          const { done, value } = await reader.read()
          if (closed) return
          if (done) {
            finish('upstream_end')
            c.close()
          } else {
            c.enqueue(value)
          }
        } catch {
          // After our own end() the upstream read fails or ends by design. A broken upstream ends
          // the browser's stream cleanly: SSE drops the unfinished event either way, the client
          // reconnects with Last-Event-ID, and the reason goes to the structured log instead of
          // an adapter's stack trace.
          if (finish('upstream_error')) c.close()
        }
      },
      cancel() {
        // The adapter cancels the body when the browser's socket closes.
        if (finish('client_gone')) stop()
      },
    },
    // No read-ahead: bytes wait upstream until the browser side can take them.
    { highWaterMark: 0 },
  )

  return {
    readable,
    end(reason) {
      if (!finish(reason)) return
      stop()
      try {
        controller?.close()
      } catch {
        // Already closed or errored.
      }
    },
  }
}
