/**
 * `GET /api/persistent-chat/mux?projects=<id>:<cursor>[,…]`: one event stream carrying every
 * listed project (docs/mux-stream.md). Validates before any upstream call, enforces the
 * per-user stream limit, and ties the stream to the browser's request and to shutdown.
 */
import { MAX_MUX_STREAMS_PER_USER, MUX_RETRY_AFTER_SECONDS } from '../../../protocol/mux'
import { errorResponse } from '../errors'
import { muxRegistryOf } from '../mux/registry'
import { validateMuxQuery } from '../mux/validate'
import { invalidResponse } from '../relay'
import type { Route } from './context'
import { endWithBrowserOrShutdown, STREAM_HEADERS } from './stream'

/** @internal Response headers of a mux stream: the stream route's, but never stored. */
export const MUX_HEADERS = { ...STREAM_HEADERS, 'cache-control': 'no-store, no-transform' } as const

/** @internal The mux stream route. */
export const muxOpenRoute: Route = async (context) => {
  const projects = validateMuxQuery(context.url.searchParams)
  if (!projects.ok) return invalidResponse(projects)
  if (context.shutdown.aborted) return errorResponse(503, 'service_unavailable', 'Shutting down.')

  const startedAt = Date.now()
  let unbind = (): void => {}
  const opened = muxRegistryOf(context.upstream).open({
    userId: context.userId,
    upstream: context.upstream,
    heartbeatMs: context.heartbeatMs,
    projects: projects.value,
    onEnd: (reason) => {
      unbind()
      context.onStreamClosed(reason, Date.now() - startedAt)
    },
  })
  if (!opened.ok) {
    return errorResponse(
      429,
      'too_many_streams',
      `This user already holds ${MAX_MUX_STREAMS_PER_USER} mux streams here; close one first.`,
      { 'retry-after': String(MUX_RETRY_AFTER_SECONDS) },
    )
  }
  const { stream } = opened
  unbind = endWithBrowserOrShutdown(context, stream.end)

  return new Response(stream.readable, { status: 200, headers: MUX_HEADERS })
}
