/**
 * `POST /api/persistent-chat/mux` `{streamId, add?, remove?}`: changes the set of projects of
 * one of the user's mux streams (docs/mux-stream.md). 204 once the change is in the stream;
 * 404 `unknown_stream` for an id that is not this user's stream here, whoever's it is.
 */
import { readJsonBody } from '../body'
import { errorResponse } from '../errors'
import { muxRegistryOf } from '../mux/registry'
import { MAX_MUX_CONTROL_BYTES, validateMuxControl } from '../mux/validate'
import { invalidResponse } from '../relay'
import type { Route } from './context'

/** @internal The mux control route. */
export const muxControlRoute: Route = async (context) => {
  const body = await readJsonBody(context.request, MAX_MUX_CONTROL_BYTES)
  if (!body.ok) return invalidResponse(body)
  const change = validateMuxControl(body.value)
  if (!change.ok) return invalidResponse(change)

  const stream = muxRegistryOf(context.upstream).find(change.value.streamId, context.userId)
  if (stream === undefined) {
    return errorResponse(
      404,
      'unknown_stream',
      'No such mux stream at this server; open a new one with every project and its cursor.',
    )
  }
  const applied = stream.apply(change.value)
  if (!applied.ok) return invalidResponse(applied)
  return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } })
}
