/**
 * `GET /api/persistent-chat/stream?projectId=X[&from_seq=N]`: validates, opens the signed
 * backend stream with the browser's `Last-Event-ID`, and relays it unbuffered. Errors keep
 * the backend's status and `Retry-After`.
 */
import { errorResponse } from '../errors'
import { createPassThrough } from '../pass-through'
import { invalidResponse, relayError, upstreamFailureResponse } from '../relay'
import { validateStreamQuery } from '../validate'
import type { Route } from './context'

/** @internal Response headers of a relayed stream. */
export const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // nginx and similar reverse proxies buffer responses unless told not to.
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
} as const

/** @internal The stream route. */
export const streamRoute: Route = async (context) => {
  const { request } = context
  const query = validateStreamQuery(context.url.searchParams, request.headers.get('last-event-id'))
  if (!query.ok) return invalidResponse(query)
  const { projectId, fromSeq, lastEventId } = query.value
  context.log.projectId = projectId
  if (context.shutdown.aborted) return errorResponse(503, 'service_unavailable', 'Shutting down.')

  const path = `/v1/projects/${projectId}/chat/stream${fromSeq === undefined ? '' : `?from_seq=${fromSeq}`}`
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId

  // One controller aborts the upstream request for every reason: the browser's request
  // signal, the browser cancelling the body, or shutdown.
  const upstreamAbort = new AbortController()
  const result = await context.upstream.request({
    method: 'GET',
    path,
    userId: context.userId,
    headers,
    signal: AbortSignal.any([request.signal, upstreamAbort.signal]),
  })
  if (!result.ok) return upstreamFailureResponse(result)
  const upstream = result.response
  context.log.upstreamStatus = upstream.status
  if (!upstream.ok) return relayError(upstream)

  const contentType = upstream.headers.get('content-type') ?? ''
  if (upstream.body === null || !/^text\/event-stream\b/i.test(contentType)) {
    upstreamAbort.abort()
    return errorResponse(502, 'bad_gateway', 'Backend answered the stream without text/event-stream.')
  }

  const startedAt = Date.now()
  const relay = createPassThrough(upstream.body, {
    abortUpstream: () => upstreamAbort.abort(),
    onClose: (reason) => {
      request.signal.removeEventListener('abort', onClientGone)
      context.shutdown.removeEventListener('abort', onShutdown)
      context.onStreamClosed(reason, Date.now() - startedAt)
    },
  })
  const onClientGone = (): void => relay.end('client_gone')
  const onShutdown = (): void => relay.end('shutdown')
  request.signal.addEventListener('abort', onClientGone, { once: true })
  context.shutdown.addEventListener('abort', onShutdown, { once: true })
  if (request.signal.aborted) onClientGone()
  if (context.shutdown.aborted) onShutdown()

  return new Response(relay.readable, { status: 200, headers: STREAM_HEADERS })
}
