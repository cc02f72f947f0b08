/**
 * A seeded fault injector: an HTTP relay on loopback that sits between two parties (browser ↔
 * proxy, proxy ↔ backend) and, from a PRNG, answers 5xx / 429 / 401, resets connections,
 * delays, and inside event streams cuts at random byte offsets (mid-line, mid UTF-8 sequence),
 * stalls without bytes, duplicates frames and corrupts a frame's JSON while keeping its `id:`.
 * `heal()` stops injecting. The same seed gives the same decisions in the same order.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createRandom } from './random'

/** @internal The kinds of fault, as counted in `faults`. */
export type FaultKind =
  | 'status_500'
  | 'status_502'
  | 'status_503'
  | 'status_429'
  | 'status_401'
  | 'reset'
  | 'delay'
  | 'cut'
  | 'stall'
  | 'duplicate'
  | 'corrupt'

/** @internal Probabilities per request (status, reset, delay) or per stream chunk (the rest). */
export interface FaultRates {
  status: number
  unauthorized: number
  rateLimited: number
  reset: number
  delay: number
  cut: number
  stall: number
  duplicate: number
  corrupt: number
}

/** @internal Defaults that keep a chat usable while breaking it often. */
export const DEFAULT_RATES: FaultRates = {
  status: 0.04,
  unauthorized: 0.004,
  rateLimited: 0.02,
  reset: 0.03,
  delay: 0.08,
  cut: 0.04,
  stall: 0.01,
  duplicate: 0.04,
  corrupt: 0.03,
}

/** @internal */
export interface ChaosRelay {
  url: string
  seed: number
  /** Faults injected so far, by kind. */
  faults: Record<FaultKind, number>
  total(): number
  /** Stop injecting; streams in flight that are stalled are cut so clients reconnect cleanly. */
  heal(): void
  /** Start injecting again. */
  unheal(): void
  close(): Promise<void>
}

/** @internal Options of `startChaosRelay`. */
export interface ChaosOptions {
  target: string
  seed: number
  rates?: Partial<FaultRates> | undefined
  /** Only requests whose path matches are faulted (others always pass). Default: `/api/` and `/v1/`. */
  faultable?: RegExp | undefined
  /** Paths never answered with 401 (the auth preflight: a 401 there signs the tab out). */
  neverUnauthorized?: RegExp | undefined
}

/** @internal Start a relay to `options.target` on a free loopback port. */
export async function startChaosRelay(options: ChaosOptions): Promise<ChaosRelay> {
  const random = createRandom(options.seed)
  const rates: FaultRates = { ...DEFAULT_RATES, ...options.rates }
  const faultable = options.faultable ?? /^\/(api|v1)\//
  const neverUnauthorized =
    options.neverUnauthorized ?? /^\/api\/persistent-chat\/stream(\?|$)(?!.*projectId)/
  const upstream = new URL(options.target)
  const faults = Object.fromEntries(
    (
      [
        'status_500',
        'status_502',
        'status_503',
        'status_429',
        'status_401',
        'reset',
        'delay',
        'cut',
        'stall',
        'duplicate',
        'corrupt',
      ] as const
    ).map((k) => [k, 0]),
  ) as Record<FaultKind, number>
  let healed = false
  const sockets = new Set<Socket>()
  const stalled = new Set<ServerResponse>()
  const chance = (p: number) => !healed && random() < p
  const count = (kind: FaultKind) => {
    faults[kind]++
  }

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const isStreamRequest = req.method === 'GET' && /\/(chat\/)?stream(\?|$)/.test(req.url ?? '')
    const outgoing = request(
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
        if (!isStream || !isStreamRequest || !faultable.test(req.url ?? '')) {
          answer.pipe(res)
          return
        }
        relayStream(answer, res)
      },
    )
    outgoing.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' })
      res.end('{"error":{"code":"bad_gateway","message":"chaos relay: upstream unreachable"}}')
    })
    res.on('close', () => outgoing.destroy())
    outgoing.end(body)
  }

  /** Pass an event stream through, frame by frame, breaking it now and then. */
  const relayStream = (answer: IncomingMessage, res: ServerResponse) => {
    let pending = Buffer.alloc(0)
    answer.on('data', (chunk: Buffer) => {
      if (stalled.has(res)) return
      pending = Buffer.concat([pending, chunk])
      for (let end = pending.indexOf('\n\n'); end !== -1; end = pending.indexOf('\n\n')) {
        const frame = pending.subarray(0, end + 2)
        pending = pending.subarray(end + 2)
        if (chance(rates.cut)) {
          // Cut anywhere inside the frame: mid-field, mid-line, mid multi-byte character.
          count('cut')
          res.write(frame.subarray(0, Math.floor(random() * frame.length)))
          res.socket?.destroy()
          answer.destroy()
          return
        }
        if (chance(rates.stall)) {
          // Headers sent, then silence: the client's watchdog must notice.
          count('stall')
          stalled.add(res)
          answer.destroy()
          return
        }
        const text = frame.toString('utf8')
        if (/^data: \{/m.test(text) && /^id: \d+/m.test(text) && chance(rates.corrupt)) {
          count('corrupt')
          res.write(
            text.replace(/^data: \{.*$/m, (line) => line.slice(0, Math.max(8, Math.floor(line.length / 2)))),
          )
          continue
        }
        res.write(frame)
        if (/^id: \d+/m.test(text) && chance(rates.duplicate)) {
          count('duplicate')
          res.write(frame)
        }
      }
    })
    answer.on('end', () => res.end())
    answer.on('error', () => res.destroy())
    res.on('close', () => {
      stalled.delete(res)
      answer.destroy()
    })
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const path = req.url ?? '/'
      if (!faultable.test(path)) return forward(req, res, body)
      if (chance(rates.reset)) {
        count('reset')
        req.socket.destroy()
        return
      }
      if (chance(rates.status)) {
        const status = [500, 502, 503][Math.floor(random() * 3)] ?? 500
        count(`status_${status}` as FaultKind)
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(`{"error":{"code":"chaos","message":"injected ${status}"}}`)
        return
      }
      if (chance(rates.rateLimited)) {
        count('status_429')
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' })
        res.end('{"error":{"code":"rate_limited","message":"injected 429"}}')
        return
      }
      if (!neverUnauthorized.test(path) && req.method === 'GET' && chance(rates.unauthorized)) {
        count('status_401')
        res.writeHead(401, { 'content-type': 'application/json' })
        res.end('{"error":{"code":"unauthenticated","message":"injected 401"}}')
        return
      }
      if (chance(rates.delay)) {
        count('delay')
        setTimeout(() => forward(req, res, body), 20 + Math.floor(random() * 400))
        return
      }
      forward(req, res, body)
    })
  })
  server.on('connection', (socket) => {
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    seed: options.seed,
    faults,
    total: () => Object.values(faults).reduce((sum, n) => sum + n, 0),
    heal() {
      healed = true
      for (const res of stalled) res.socket?.destroy()
      stalled.clear()
    },
    unheal() {
      healed = false
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
