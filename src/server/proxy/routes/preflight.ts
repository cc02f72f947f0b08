/**
 * `POST /api/persistent-chat/stream`: the auth preflight. `EventSource`-style clients cannot
 * see statuses, so they ask here first; reaching this route means authentication passed.
 */
import type { PreflightResponse } from '../../../protocol/wire'
import { jsonResponse } from '../errors'
import type { Route } from './context'

/** @internal The preflight route. */
export const preflightRoute: Route = async (context) => {
  const body: PreflightResponse = {
    authenticated: true,
    userId: context.userId,
    timestamp: Date.now(),
    heartbeatMs: context.heartbeatMs,
  }
  return jsonResponse(200, body)
}
