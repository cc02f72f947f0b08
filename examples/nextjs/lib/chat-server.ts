/**
 * The server side of the chat, shared by the route handlers: the dev session (a signed cookie;
 * replace `authenticate` with your own auth) and the proxy. Nothing is read from the environment
 * until the first request, so `next build` needs none of these variables.
 */
import { createDevSession, createProxyHandler, type DevSession } from 'persistent-chat/server'

let session: DevSession | undefined

/** The dev session, created at the first request (`SESSION_SECRET`, at least 16 bytes). */
export function devSession(): DevSession {
  session ??= createDevSession({
    secret: process.env.SESSION_SECRET ?? 'dev-only-session-secret-change-me',
    // `next start` hands route handlers `http://localhost:<port>` as the URL: trust the Host
    // header (and X-Forwarded-* from a proxy in front) for the Origin check.
    trustForwardedHeaders: true,
  })
  return session
}

/** The proxy of every `/api/persistent-chat/*` route. */
export const proxy = createProxyHandler({
  authenticate: (request) => devSession().authenticate(request),
  backendUrl: process.env.WORKER_BASE_URL,
  secret: process.env.WORKER_SHARED_SECRET,
  heartbeatMs: Number(process.env.HEARTBEAT_MS ?? 20_000),
  trustForwardedHeaders: true,
})
