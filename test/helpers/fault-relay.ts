/**
 * A loopback relay between the proxy and the backend that rewrites event-stream frames, for
 * tests that need the real backend to appear to send a malformed frame or skip a seq. It can
 * also answer requests itself (any status, headers or body), end the streams in flight, and
 * records the headers of every request it receives (what the backend would see).
 * (The full fault injector of the chaos suite builds on the same idea.)
 */
import {
  type ClientRequest,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * @internal Return the frame to send (possibly rewritten), or `null` to drop it. `url` is the
 * stream's request path, so one project's stream can be singled out.
 */
export type FrameRewrite = (frame: string, url: string) => string | null

/**
 * @internal Answer a request instead of the backend: return `true` when it wrote (or will
 * write) the response, `false` to forward the request as usual.
 */
export type Responder = (req: IncomingMessage, res: ServerResponse) => boolean

/** @internal One request the relay received. */
export interface RelayedRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
}

/** @internal */
export interface FaultRelay {
  url: string
  /** Replace the rewrite for streams opened from now on. */
  setRewrite(rewrite: FrameRewrite): void
  /** Answer requests with `respond` from now on; `null` forwards everything again (heals). */
  setRespond(respond: Responder | null): void
  /** Ends every stream response in flight, as a backend that closes its streams would. */
  endStreams(): void
  /**
   * A stall: while held, no byte of any stream (open or opened meanwhile) goes on; the frames
   * wait, in order, and flow again when released — the connections stay open throughout.
   */
  hold(held: boolean): void
  /** Every request received, in order. */
  requests: RelayedRequest[]
  close(): Promise<void>
}

/** @internal Start a relay to `target` on a free loopback port. */
export async function startFaultRelay(target: string, initial: FrameRewrite = (f) => f): Promise<FaultRelay> {
  let rewrite = initial
  let respond: Responder | null = null
  const requests: RelayedRequest[] = []
  /** Stream responses in flight, each with how to end it. */
  const openStreams = new Map<ServerResponse, () => void>()
  let held = false
  /** Frames of each stream waiting for `hold(false)`. */
  const waiting = new Map<ServerResponse, string[]>()
  const upstream = new URL(target)
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers })
    let forward: ClientRequest | undefined
    /** Ended by `endStreams()`: later upstream bytes are dropped. */
    let ended = false
    if ((req.url ?? '').includes('/chat/stream')) {
      openStreams.set(res, () => {
        ended = true
        res.end()
        forward?.destroy()
      })
      res.on('close', () => {
        openStreams.delete(res)
        waiting.delete(res)
      })
    }
    if (respond?.(req, res)) return
    forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        const isStream = (answer.headers['content-type'] ?? '').startsWith('text/event-stream')
        if (!isStream) {
          answer.pipe(res)
          return
        }
        const transform = rewrite
        let buffer = ''
        answer.setEncoding('utf8')
        answer.on('data', (chunk: string) => {
          buffer += chunk
          for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
            const frame = buffer.slice(0, end + 2)
            buffer = buffer.slice(end + 2)
            const out = transform(frame, req.url ?? '/')
            if (out === null || ended) continue
            if (!held) res.write(out)
            else waiting.set(res, [...(waiting.get(res) ?? []), out])
          }
        })
        answer.on('end', () => res.end())
        answer.on('error', () => {
          if (!ended) res.destroy()
        })
      },
    )
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
    req.pipe(forward)
    res.on('close', () => forward?.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    setRewrite(next) {
      rewrite = next
    },
    setRespond(next) {
      respond = next
    },
    endStreams() {
      for (const end of openStreams.values()) end()
    },
    hold(next) {
      held = next
      if (held) return
      for (const [res, frames] of waiting) for (const frame of frames) res.write(frame)
      waiting.clear()
    },
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** @internal The SSE `id:` of a frame, if any. */
export function frameId(frame: string): string | undefined {
  return /^id: ?(.*)$/m.exec(frame)?.[1]
}
