/** `POST /api/persistent-chat/presence` `{projectId, status}`: presence. */
import { validatePresenceBody } from '../validate'
import { relayPostRoute } from './relay-post'

/** @internal The presence route. */
export const presenceRoute = relayPostRoute({
  validate: validatePresenceBody,
  resource: 'chat/presence',
  upstreamBody: (input) => input.presence,
  abortWithBrowser: true,
})
