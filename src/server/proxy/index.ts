/** Proxy entry: the handler factory and the types a host needs to mount it. */
export { isErrorBody } from './errors'
export type { ProxyLogEntry, ProxyLogger } from './log'
export { jsonLineLogger } from './log'
export type { Authenticate, ProxyHandler, ProxyOptions } from './proxy'
export { createProxyHandler, DEFAULT_PROXY_BASE_PATH } from './proxy'
export type { FetchLike } from './upstream'
