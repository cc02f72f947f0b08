/**
 * `startServer`: starts, in one process, the reference backend (unless an external backend
 * URL is given) and the app + proxy on node:http (or, given a certificate, HTTP/2 over TLS
 * with HTTP/1.1 for clients without it), and shuts both down in order: stop accepting, end
 * the proxy's streams, end the backend's streams, close the database.
 */
import { createServer, type Server } from 'node:http'
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { DEFAULT_HEARTBEAT_MS } from '../protocol/limits'
import { type RunningBackend, startBackend } from './backend/index'
import type { ProxyLogger } from './proxy/log'
import { createProxyHandler } from './proxy/proxy'
import { createDevSession } from './session'
import { createSiteHandler } from './site'
import { createStaticFiles } from './static-files'

/** @public Options of {@link startServer}. */
export interface StartServerOptions {
  /** Bind address of both servers; default `127.0.0.1`. */
  host?: string | undefined
  /** App + proxy port; 0 (the default) picks any free port. */
  port?: number | undefined
  /** An external backend (`WORKER_BASE_URL`). When set, no reference backend starts. */
  backendUrl?: string | undefined
  /** The reference backend, when `backendUrl` is not set. */
  backend?:
    | {
        port?: number | undefined
        dbPath?: string | undefined
        acceptV1?: boolean | undefined
        assistantDelayMs?: number | undefined
      }
    | undefined
  /** `WORKER_SHARED_SECRET`. */
  secret: string
  /** `SESSION_SECRET`, at least 16 bytes. */
  sessionSecret: string | Uint8Array
  /** `HEARTBEAT_MS`: the backend's heartbeat, also reported by the preflight. */
  heartbeatMs?: number | undefined
  /** The built app; default `dist/app` under the current directory. */
  appDir?: string | undefined
  /** Origins besides the app's own that may POST. */
  allowedOrigins?: readonly string[] | undefined
  /** Proxy request log; default silent. */
  log?: ProxyLogger | undefined
  /** Reference backend log; default silent. */
  backendLog?: ((entry: Record<string, unknown>) => void) | undefined
  /**
   * Serve the app + proxy over HTTPS with this key and certificate (PEM): HTTP/2, where a
   * browser multiplexes every tab's requests over one connection instead of six per origin,
   * and HTTP/1.1 for clients without it. Default: plain HTTP/1.1.
   */
  tls?: { key: string | Buffer; cert: string | Buffer } | undefined
}

/** @public A started server. */
export interface RunningServer {
  /** App + proxy base URL, e.g. `http://127.0.0.1:3000` (`https://…` with `tls`). */
  url: string
  /** The backend the proxy talks to. */
  backendUrl: string
  /** The reference backend, when this process started one. */
  backend: RunningBackend | undefined
  /** Stops accepting, ends open streams, closes the backend and its database. Idempotent. */
  close(): Promise<void>
}

/** How long open connections may take to finish after shutdown began. */
const SHUTDOWN_GRACE_MS = 3000

/** @public Starts the backend (unless external) and the app + proxy. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS

  const backend =
    options.backendUrl === undefined
      ? await startBackend({
          host,
          port: options.backend?.port ?? 0,
          dbPath: options.backend?.dbPath,
          secret: options.secret,
          heartbeatMs,
          acceptV1: options.backend?.acceptV1,
          assistantDelayMs: options.backend?.assistantDelayMs,
          log: options.backendLog,
        })
      : undefined
  const backendUrl = options.backendUrl ?? (backend as RunningBackend).url

  const shutdown = new AbortController()
  const session = createDevSession({ secret: options.sessionSecret, allowedOrigins: options.allowedOrigins })
  const proxy = createProxyHandler({
    authenticate: session.authenticate,
    backendUrl,
    secret: options.secret,
    heartbeatMs,
    allowedOrigins: options.allowedOrigins,
    signal: shutdown.signal,
    log: options.log ?? (() => {}),
  })
  const site = createSiteHandler({
    proxy,
    session,
    staticFiles: createStaticFiles({ root: options.appDir ?? 'dist/app' }),
  })

  const listener = getRequestListener(site)
  const server = options.tls
    ? createSecureServer({ key: options.tls.key, cert: options.tls.cert, allowHTTP1: true }, listener)
    : createServer(listener)
  const connections = options.tls
    ? trackSessions(server as Http2SecureServer, shutdown.signal)
    : trackConnections(server as Server, shutdown.signal)
  try {
    await listen(server, options.port ?? 0, host)
  } catch (error) {
    await backend?.close()
    throw error
  }
  const { port } = server.address() as AddressInfo

  let closing: Promise<void> | undefined
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost(host)}:${port}`,
    backendUrl,
    backend,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        // Ends relayed streams cleanly; each socket closes as soon as it has no response left.
        shutdown.abort()
        connections.closeIdle()
        const grace = setTimeout(() => connections.closeAll(), SHUTDOWN_GRACE_MS)
        await closed
        clearTimeout(grace)
        await backend?.close()
      })()
      return closing
    },
  }
}

/** What shutdown needs of the open connections, whichever protocol they speak. */
interface Connections {
  /** Close every connection with no response in flight (and, from now on, each as it empties). */
  closeIdle(): void
  /** Close every connection now (the grace period is over). */
  closeAll(): void
}

/**
 * Counts the responses in flight per socket, so shutdown can close every socket that has none:
 * keep-alive sockets, sockets a client opened ahead without a request (Node's own
 * `closeIdleConnections` misses those), and sockets whose stream just ended.
 */
function trackConnections(server: Server, shutdown: AbortSignal): Connections {
  const inFlight = new Map<Socket, number>()
  const closeIfIdle = (socket: Socket): void => {
    if (inFlight.get(socket) === 0) socket.destroy()
  }
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0)
    socket.once('close', () => inFlight.delete(socket))
    if (shutdown.aborted) socket.destroy()
  })
  server.on('request', (request, response) => {
    const socket = request.socket
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1)
    response.once('close', () => {
      inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1)
      if (shutdown.aborted) closeIfIdle(socket)
    })
  })
  return {
    closeIdle() {
      for (const socket of inFlight.keys()) closeIfIdle(socket)
    },
    closeAll: () => server.closeAllConnections(),
  }
}

/**
 * The same for HTTP/2 over TLS: a session carries many streams, so shutdown asks each session
 * to close (GOAWAY: no new streams, open ones may finish) and destroys what is left after the
 * grace period, HTTP/1.1 fallback sockets included.
 */
function trackSessions(server: Http2SecureServer, shutdown: AbortSignal): Connections {
  const sessions = new Set<Http2Session>()
  const sockets = new Set<Socket>()
  server.on('session', (session: Http2Session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
    if (shutdown.aborted) session.close()
  })
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  return {
    closeIdle() {
      for (const session of sessions) session.close()
    },
    closeAll() {
      for (const session of sessions) session.destroy()
      for (const socket of sockets) socket.destroy()
    },
  }
}

function listen(server: Server | Http2SecureServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** The host part of a printable URL: wildcard binds print as localhost, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost'
  return host.includes(':') ? `[${host}]` : host
}
