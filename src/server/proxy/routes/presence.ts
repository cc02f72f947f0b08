/** `POST /api/persistent-chat/presence` `{projectId, status}`: presence. */
import { readJsonBody } from '../body'
import { invalidResponse, relayError, relaySuccess, upstreamFailureResponse } from '../relay'
import { validatePresenceBody } from '../validate'
import type { Route } from './context'

/** @internal The presence route. */
export const presenceRoute: Route = async (context) => {
  const body = await readJsonBody(context.request)
  if (!body.ok) return invalidResponse(body)
  const input = validatePresenceBody(body.value)
  if (!input.ok) return invalidResponse(input)
  const { projectId, presence } = input.value
  context.log.projectId = projectId

  const result = await context.upstream.request({
    method: 'POST',
    path: `/v1/projects/${projectId}/chat/presence`,
    userId: context.userId,
    body: JSON.stringify(presence),
    signal: context.request.signal,
  })
  if (!result.ok) return upstreamFailureResponse(result)
  context.log.upstreamStatus = result.response.status
  return result.response.ok ? relaySuccess(result.response) : relayError(result.response)
}
