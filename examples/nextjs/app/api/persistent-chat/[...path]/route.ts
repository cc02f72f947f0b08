/**
 * `/api/persistent-chat/*`: the library's Web-standard proxy as a route handler, unchanged.
 * - `runtime = 'nodejs'`: the proxy signs with node:crypto, and a stream lives for minutes.
 * - `dynamic = 'force-dynamic'`: never prerendered or cached (the default for GET handlers since
 *   Next 15; said here because a cached stream would be a silent failure).
 * - `maxDuration`: the longest a platform (e.g. Vercel) lets one stream live; the hub reopens it
 *   from the last seq when it ends, so a limit costs a reconnect, not messages.
 */
import { proxy } from '../../../../lib/chat-server'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'
export const maxDuration = 300

export { proxy as GET, proxy as POST }
