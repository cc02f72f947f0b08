/** `POST /api/persistent-chat/messages` `{projectId, client_msg_id, text, mode?, target?}`: send. */
import { readJsonBody } from '../body'
import { invalidResponse, relayError, relaySuccess, upstreamFailureResponse } from '../relay'
import { validateSendBody } from '../validate'
import type { Route } from './context'

/** @internal The send route. */
export const sendRoute: Route = async (context) => {
  const body = await readJsonBody(context.request)
  if (!body.ok) return invalidResponse(body)
  const input = validateSendBody(body.value)
  if (!input.ok) return invalidResponse(input)
  const { projectId, message } = input.value
  context.log.projectId = projectId

  const result = await context.upstream.request({
    method: 'POST',
    path: `/v1/projects/${projectId}/chat/messages`,
    userId: context.userId,
    body: JSON.stringify(message),
    headers: { accept: 'application/json' },
    // Not the browser's signal: once a send is on its way it should land even if the tab
    // closes, so the outbox's retry finds it as a duplicate instead of guessing.
  })
  if (!result.ok) return upstreamFailureResponse(result)
  context.log.upstreamStatus = result.response.status
  return result.response.ok ? relaySuccess(result.response) : relayError(result.response)
}
