/** `POST /api/dev/login` (the dev login): `{"userId"}` or the login form sets the session cookie. */
import { devSession } from '../../../../lib/chat-server'

export const dynamic = 'force-dynamic'

export function POST(request: Request): Promise<Response> {
  return devSession().login(request)
}
