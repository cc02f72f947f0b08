/** `POST /api/persistent-chat/messages` `{projectId, client_msg_id, text, mode?, target?}`: send. */
import { validateSendBody } from '../validate'
import { relayPostRoute } from './relay-post'

/** @internal The send route. */
export const sendRoute = relayPostRoute({
  validate: validateSendBody,
  resource: 'chat/messages',
  upstreamBody: (input) => input.message,
  abortWithBrowser: false,
})
