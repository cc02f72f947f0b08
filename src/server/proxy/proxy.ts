/**
 * `createProxyHandler`: the browser-facing API of DESIGN.md §3 as one Web-standard handler.
 * This file only routes: Origin check, authentication and logging wrap the route handlers
 * in `routes/`.
 */
import { AUTHENTICATED_USER_HEADER } from '../../protocol'
import { errorResponse } from './errors'
import { jsonLineLogger, type ProxyLogEntry, type ProxyLogger } from './log'
import { acceptedOrigins, isAllowedOrigin, isOrigin, type OriginPolicy } from './origin'
import type { Route, RouteLogFields } from './routes/context'
import { historyRoute } from './routes/history'
import { muxControlRoute } from './routes/mux-control'
import { muxOpenRoute } from './routes/mux-open'
import { preflightRoute } from './routes/preflight'
import { presenceRoute } from './routes/presence'
import { sendRoute } from './routes/send'
import { streamRoute } from './routes/stream'
import { createUpstream, type FetchLike, type Upstream } from './upstream'
import { isSignableUserId } from './validate'

/** @public The authenticated user, or `null` when the request carries no valid credentials. */
export type Authenticate = (request: Request) => Promise<{ userId: string } | null>

/**
 * @public Options of {@link createProxyHandler}. `backendUrl` and `secret` may be `undefined` when
 * the module loads (`process.env` during `next build`): they are checked at the first request,
 * which answers 500 and logs which variable is missing.
 */
export interface ProxyOptions extends OriginPolicy {
  /** Who is calling. The dev default is `createDevSession(…).authenticate`. */
  authenticate: Authenticate
  /** Backend base URL (`WORKER_BASE_URL`). */
  backendUrl: string | undefined
  /** `WORKER_SHARED_SECRET`, for the V1 and V2 signatures. */
  secret: string | undefined
  /** The backend's heartbeat interval (`HEARTBEAT_MS`), reported by the preflight; default 20 s. */
  heartbeatMs?: number | undefined
  /** Replaces `globalThis.fetch` for upstream calls. */
  fetch?: FetchLike | undefined
  /** How long to wait for the backend's response headers before a 504; default 15 s. */
  upstreamTimeoutMs?: number | undefined
  /** Receives one entry per request (and one per ended stream); default JSON lines on stdout. */
  log?: ProxyLogger | undefined
  /** When aborted, open streams end cleanly and new streams get 503 (graceful shutdown). */
  signal?: AbortSignal | undefined
  /** Where the routes live; default `/api/persistent-chat`. */
  basePath?: string | undefined
}

/** @public A Web-standard request handler: mount it on Node, a Next.js route handler, etc. */
export type ProxyHandler = (request: Request) => Promise<Response>

/** @public The default {@link ProxyOptions.basePath}. */
export const DEFAULT_PROXY_BASE_PATH = '/api/persistent-chat'

const ROUTES: Record<string, Partial<Record<string, Route>>> = {
  '/stream': { GET: streamRoute, POST: preflightRoute },
  '/messages': { GET: historyRoute, POST: sendRoute },
  '/presence': { POST: presenceRoute },
  '/mux': { GET: muxOpenRoute, POST: muxControlRoute },
}

/** @public The default {@link ProxyOptions.heartbeatMs}, the backend's default `HEARTBEAT_MS`. */
export const DEFAULT_PROXY_HEARTBEAT_MS = 20_000

/** @public Creates the proxy of DESIGN.md §3. Only `authenticate` is checked here; the rest at the first request. */
export function createProxyHandler(options: ProxyOptions): ProxyHandler {
  if (typeof options.authenticate !== 'function') {
    throw new TypeError(
      'createProxyHandler: `authenticate` must be a function (request) => Promise<{ userId } | null>',
    )
  }
  let configured: { upstream: Upstream } | { problem: string } | undefined
  const configure = () => {
    configured ??= configureUpstream(options)
    return configured
  }
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_PROXY_HEARTBEAT_MS
  const log = options.log ?? jsonLineLogger
  const basePath = (options.basePath ?? DEFAULT_PROXY_BASE_PATH).replace(/\/+$/, '')
  const shutdown = options.signal ?? new AbortController().signal

  return async (request) => {
    const startedAt = Date.now()
    const url = new URL(request.url)
    const fields: RouteLogFields = {}
    let userId: string | undefined
    let routePath = 'unmatched'

    const respond = async (): Promise<Response> => {
      const subPath = url.pathname.slice(basePath.length)
      // Own properties only: `/__proto__` or a method named `constructor` must not match.
      const routes =
        url.pathname.startsWith(`${basePath}/`) && Object.hasOwn(ROUTES, subPath)
          ? ROUTES[subPath]
          : undefined
      if (routes === undefined) return errorResponse(404, 'not_found', 'No such route.')
      routePath = url.pathname
      const route = Object.hasOwn(routes, request.method) ? routes[request.method] : undefined
      if (route === undefined) {
        return errorResponse(405, 'method_not_allowed', `Use ${Object.keys(routes).join(' or ')}.`, {
          allow: Object.keys(routes).join(', '),
        })
      }
      const config = configure()
      if ('problem' in config) {
        fields.error = config.problem
        return errorResponse(
          500,
          'proxy_misconfigured',
          'The chat proxy is not configured; see the server log.',
        )
      }
      if (request.method !== 'GET' && !isAllowedOrigin(request, options)) {
        return errorResponse(
          403,
          'forbidden_origin',
          `Origin not allowed for state-changing requests (this server accepts ${acceptedOrigins(request, options).join(', ')}; behind Next.js or a proxy, set publicOrigin or trustForwardedHeaders).`,
        )
      }

      const user = await options.authenticate(request)
      if (user === null) return errorResponse(401, 'unauthenticated', 'Sign in first.')
      if (!isSignableUserId(user.userId)) {
        fields.error = 'authenticate returned a userId that cannot be signed'
        return errorResponse(500, 'internal_error', 'Unusable user id.')
      }
      userId = user.userId

      const response = await route({
        request,
        url,
        userId,
        upstream: config.upstream,
        heartbeatMs,
        shutdown,
        log: fields,
        onStreamClosed: (reason, durationMs) => {
          log(entry('stream.closed', 200, durationMs, { reason }))
        },
      })
      // The hub checks this against the user it streams for (the cookie may have changed).
      if (response.ok) response.headers.set(AUTHENTICATED_USER_HEADER, userId)
      return response
    }

    const entry = (
      event: ProxyLogEntry['event'],
      status: number,
      ms: number,
      extra: Partial<ProxyLogEntry> = {},
    ): ProxyLogEntry => ({
      time: new Date().toISOString(),
      event,
      method: request.method,
      route: routePath,
      status,
      ms,
      userId,
      projectId: fields.projectId,
      upstreamStatus: fields.upstreamStatus,
      error: fields.error,
      ...extra,
    })

    let response: Response
    try {
      response = await respond()
    } catch (error) {
      fields.error = error instanceof Error ? error.name : 'unknown'
      response = errorResponse(500, 'internal_error', 'Unexpected proxy error.')
    }
    log(entry('request', response.status, Date.now() - startedAt))
    return response
  }
}

/** The checks `createProxyHandler` defers to the first request; the problem names the variable to set. */
function configureUpstream(options: ProxyOptions): { upstream: Upstream } | { problem: string } {
  const { backendUrl, secret } = options
  if (backendUrl === undefined || backendUrl === '')
    return { problem: 'createProxyHandler: `backendUrl` is not set (WORKER_BASE_URL)' }
  if (!URL.canParse(backendUrl) || !/^https?:$/.test(new URL(backendUrl).protocol)) {
    return {
      problem: `createProxyHandler: \`backendUrl\` must be an http(s) URL (WORKER_BASE_URL), got ${JSON.stringify(backendUrl)}`,
    }
  }
  if (secret === undefined || secret === '')
    return { problem: 'createProxyHandler: `secret` is not set (WORKER_SHARED_SECRET)' }
  if (options.publicOrigin !== undefined && !isOrigin(options.publicOrigin)) {
    return {
      problem: `createProxyHandler: \`publicOrigin\` must be an http(s) origin, got ${JSON.stringify(options.publicOrigin)}`,
    }
  }
  return {
    upstream: createUpstream({
      backendUrl,
      secret,
      fetch: options.fetch,
      headersTimeoutMs: options.upstreamTimeoutMs,
    }),
  }
}
