/** `POST /api/dev/logout`: clears the dev session cookie. */
import { devSession } from '../../../../lib/chat-server'

export const dynamic = 'force-dynamic'

export function POST(request: Request): Promise<Response> {
  return devSession().logout(request)
}
