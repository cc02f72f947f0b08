/** Proxy entry: the handler factory and the types a host needs to mount it. */
export { isErrorBody } from './errors'
export type { ProxyLogEntry, ProxyLogger } from './log'
export { jsonLineLogger } from './log'
export type { OriginPolicy } from './origin'
export { acceptedOrigins, isAllowedOrigin } from './origin'
export type { Authenticate, ProxyHandler, ProxyOptions } from './proxy'
export { createProxyHandler, DEFAULT_PROXY_BASE_PATH, DEFAULT_PROXY_HEARTBEAT_MS } from './proxy'
export type { FetchLike } from './upstream'
