/** The shape of the proxy's JSON POST routes: read → validate → sign and relay → answer. */
import { readJsonBody } from '../body'
import { invalidResponse, relayError, relaySuccess, upstreamFailureResponse } from '../relay'
import type { Validated } from '../validate'
import type { Route } from './context'

/** @internal What a JSON POST route checks and where it relays to. */
export interface RelayPostOptions<T extends { projectId: string }> {
  validate(body: unknown): Validated<T>
  /** The backend path of the project's resource, e.g. `chat/messages`. */
  resource: string
  /** The backend's body, built from the validated input. */
  upstreamBody(input: T): unknown
  /**
   * Abort the backend request when the browser goes away. Sends do not: once one is on its way
   * it should land even if the tab closes, so the outbox's retry finds it as a duplicate.
   */
  abortWithBrowser: boolean
}

/** @internal A route that validates a JSON body and relays it, signed, to the backend. */
export function relayPostRoute<T extends { projectId: string }>(options: RelayPostOptions<T>): Route {
  return async (context) => {
    const body = await readJsonBody(context.request)
    if (!body.ok) return invalidResponse(body)
    const input = options.validate(body.value)
    if (!input.ok) return invalidResponse(input)
    const { projectId } = input.value
    context.log.projectId = projectId

    const result = await context.upstream.request({
      method: 'POST',
      path: `/v1/projects/${projectId}/${options.resource}`,
      userId: context.userId,
      body: JSON.stringify(options.upstreamBody(input.value)),
      headers: { accept: 'application/json' },
      signal: options.abortWithBrowser ? context.request.signal : undefined,
    })
    if (!result.ok) return upstreamFailureResponse(result)
    context.log.upstreamStatus = result.response.status
    return result.response.ok ? relaySuccess(result.response) : relayError(result.response)
  }
}
