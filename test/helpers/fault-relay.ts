/**
 * A loopback relay between the proxy and the backend that rewrites event-stream frames, for
 * tests that need the real backend to appear to send a malformed frame or skip a seq.
 * (The full fault injector of the chaos suite builds on the same idea.)
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** @internal Return the frame to send (possibly rewritten), or `null` to drop it. */
export type FrameRewrite = (frame: string) => string | null

/** @internal */
export interface FaultRelay {
  url: string
  /** Replace the rewrite for streams opened from now on. */
  setRewrite(rewrite: FrameRewrite): void
  close(): Promise<void>
}

/** @internal Start a relay to `target` on a free loopback port. */
export async function startFaultRelay(target: string, initial: FrameRewrite = (f) => f): Promise<FaultRelay> {
  let rewrite = initial
  const upstream = new URL(target)
  const server: Server = createServer((req, res) => {
    const forward = request(
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
            const out = transform(frame)
            if (out !== null) res.write(out)
          }
        })
        answer.on('end', () => res.end())
        answer.on('error', () => res.destroy())
      },
    )
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
    req.pipe(forward)
    res.on('close', () => forward.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    setRewrite(next) {
      rewrite = next
    },
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
