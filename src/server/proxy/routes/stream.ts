/**
 * `GET /api/persistent-chat/stream?projectId=X[&from_seq=N]`: validates, opens the signed
 * backend stream with the browser's `Last-Event-ID`, and relays it unbuffered. Errors keep
 * the backend's status and `Retry-After`.
 */
import { errorResponse } from '../errors'
import { createPassThrough } from '../pass-through'
import { invalidResponse, relayError, upstreamFailureResponse } from '../relay'
import type { Upstream } from '../upstream'
import { validateStreamQuery } from '../validate'
import type { Route, RouteContext, StreamCloseReason } from './context'

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

  const opened = await openBackendStream(context.upstream, {
    projectId,
    userId: context.userId,
    fromSeq,
    lastEventId,
    signal: request.signal,
  })
  context.log.upstreamStatus = opened.upstreamStatus
  if (!opened.ok) return opened.response

  const startedAt = Date.now()
  let unbind = (): void => {}
  const relay = createPassThrough(opened.body, {
    abortUpstream: opened.abort,
    onClose: (reason) => {
      unbind()
      context.onStreamClosed(reason, Date.now() - startedAt)
    },
  })
  unbind = endWithBrowserOrShutdown(context, relay.end)

  return new Response(relay.readable, { status: 200, headers: STREAM_HEADERS })
}

/**
 * @internal Ends a stream when the browser's request is aborted or the proxy shuts down (at
 * once if either already happened). Returns what removes the listeners once the stream ended.
 */
export function endWithBrowserOrShutdown(
  context: Pick<RouteContext, 'request' | 'shutdown'>,
  end: (reason: Extract<StreamCloseReason, 'client_gone' | 'shutdown'>) => void,
): () => void {
  const { request, shutdown } = context
  const onClientGone = (): void => end('client_gone')
  const onShutdown = (): void => end('shutdown')
  if (request.signal.aborted) onClientGone()
  else if (shutdown.aborted) onShutdown()
  else {
    request.signal.addEventListener('abort', onClientGone, { once: true })
    shutdown.addEventListener('abort', onShutdown, { once: true })
  }
  return () => {
    request.signal.removeEventListener('abort', onClientGone)
    shutdown.removeEventListener('abort', onShutdown)
  }
}

/** @internal What {@link openBackendStream} opens: one project's stream for one user. */
export interface BackendStreamRequest {
  projectId: string
  userId: string
  fromSeq?: string | undefined
  /** Sent as `Last-Event-ID`. */
  lastEventId?: string | undefined
  /** Aborts the request, also after its headers arrived. */
  signal: AbortSignal
}

/**
 * @internal The backend's open stream, or the answer the stream route gives instead (the
 * backend's error with its status and `Retry-After`, 502/504 for transport failures, 502 for a
 * 200 that is not `text/event-stream`).
 */
export type BackendStream =
  | {
      ok: true
      body: ReadableStream<Uint8Array>
      /** Aborts the upstream request for every reason at once. */
      abort(): void
      upstreamStatus: number
    }
  | { ok: false; response: Response; upstreamStatus: number | undefined }

/** @internal Opens `GET /v1/projects/{id}/chat/stream`, signed, and checks it is an event stream. */
export async function openBackendStream(
  upstream: Upstream,
  request: BackendStreamRequest,
): Promise<BackendStream> {
  const { projectId, fromSeq, lastEventId } = request
  const path = `/v1/projects/${projectId}/chat/stream${fromSeq === undefined ? '' : `?from_seq=${fromSeq}`}`
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId

  // One controller aborts the upstream request for every reason: the caller's signal, the
  // browser cancelling the body, or shutdown.
  const upstreamAbort = new AbortController()
  const result = await upstream.request({
    method: 'GET',
    path,
    userId: request.userId,
    headers,
    signal: AbortSignal.any([request.signal, upstreamAbort.signal]),
  })
  if (!result.ok) return { ok: false, response: upstreamFailureResponse(result), upstreamStatus: undefined }
  const response = result.response
  const upstreamStatus = response.status
  if (!response.ok) return { ok: false, response: await relayError(response), upstreamStatus }

  const contentType = response.headers.get('content-type') ?? ''
  if (response.body === null || !/^text\/event-stream\b/i.test(contentType)) {
    upstreamAbort.abort()
    return {
      ok: false,
      response: errorResponse(502, 'bad_gateway', 'Backend answered the stream without text/event-stream.'),
      upstreamStatus,
    }
  }
  return { ok: true, body: response.body, abort: () => upstreamAbort.abort(), upstreamStatus }
}
