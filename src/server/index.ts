/**
 * Package entry `persistent-chat/server`: the Web-standard proxy, the dev session and request
 * signing. Drops into any `(Request) => Promise<Response>` host (Next.js route handlers, Hono,
 * Deno, Bun). The reference backend is `persistent-chat/backend`.
 */
export * from './proxy'
export type { DevSession, DevSessionOptions } from './session'
export { createDevSession, SESSION_COOKIE } from './session'
export { signRequest, verifyRequest } from './signing'
