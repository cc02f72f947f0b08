/** `GET /api/persistent-chat/messages?projectId=X&after_seq=N|before_seq=N&limit=L`: history. */
import { invalidResponse, relayError, relaySuccess, upstreamFailureResponse } from '../relay'
import { validateHistoryQuery } from '../validate'
import type { Route } from './context'

/** @internal The history route. */
export const historyRoute: Route = async (context) => {
  const query = validateHistoryQuery(context.url.searchParams)
  if (!query.ok) return invalidResponse(query)
  const { projectId, search } = query.value
  context.log.projectId = projectId

  const queryString = search.size > 0 ? `?${search}` : ''
  const result = await context.upstream.request({
    method: 'GET',
    path: `/v1/projects/${projectId}/chat/messages${queryString}`,
    userId: context.userId,
    headers: { accept: 'application/json' },
    signal: context.request.signal,
  })
  if (!result.ok) return upstreamFailureResponse(result)
  context.log.upstreamStatus = result.response.status
  return result.response.ok ? relaySuccess(result.response) : relayError(result.response)
}
