/**
 * The browser side of a mux stream: one byte stream that every project writes whole frames
 * into, a heartbeat comment when it has been quiet for `heartbeatMs`, and back-pressure, so a
 * slow browser makes the proxy read its upstreams slower instead of buffering without bound.
 */
import { HEARTBEAT_FRAME } from './frames'

/** @internal Options of {@link createMuxOutput}. */
export interface MuxOutputOptions {
  heartbeatMs: number
  /** The browser cancelled the body (its socket closed). Not called after {@link MuxOutput.close}. */
  onCancel(): void
}

/** @internal The merged response body. */
export interface MuxOutput {
  /** The body to hand to `new Response(…)`. */
  readable: ReadableStream<Uint8Array>
  /**
   * Queues a whole frame. Never waits: state frames and pings are small, and event frames are
   * written only after {@link ready} (one chunk's worth per upstream at most beyond the mark).
   */
  write(frame: string): void
  /** Resolves when the browser side has room again; at once while it has. */
  ready(): Promise<void>
  /** Ends the body cleanly (idempotent); pending `ready()` calls resolve. */
  close(): void
  readonly closed: boolean
}

/** Bytes queued for the browser before upstream readers wait. */
const HIGH_WATER_BYTES = 64 * 1024

/** @internal Creates the merged body; the heartbeat starts at once. */
export function createMuxOutput(options: MuxOutputOptions): MuxOutput {
  const encoder = new TextEncoder()
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined
  let closed = false
  let waiting: (() => void)[] = []
  let heartbeat: ReturnType<typeof setTimeout> | undefined

  const release = (): void => {
    const resolvers = waiting
    waiting = []
    for (const resolve of resolvers) resolve()
  }
  // Re-armed on every write: a ping only when nothing else was written for heartbeatMs.
  const armHeartbeat = (): void => {
    clearTimeout(heartbeat)
    heartbeat = setTimeout(() => write(HEARTBEAT_FRAME), options.heartbeatMs)
  }
  const finish = (): boolean => {
    if (closed) return false
    closed = true
    clearTimeout(heartbeat)
    release()
    return true
  }
  const write = (frame: string): void => {
    if (closed) return
    controller?.enqueue(encoder.encode(frame))
    armHeartbeat()
  }

  const readable = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
      },
      pull() {
        release()
      },
      cancel() {
        if (finish()) options.onCancel()
      },
    },
    { highWaterMark: HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
  )
  armHeartbeat()

  return {
    readable,
    write,
    ready() {
      if (closed || (controller?.desiredSize ?? 0) > 0) return Promise.resolve()
      return new Promise((resolve) => waiting.push(resolve))
    },
    close() {
      if (!finish()) return
      try {
        controller?.close()
      } catch {
        // Already closed or errored.
      }
    },
    get closed() {
      return closed
    },
  }
}
