/**
 * Sign-in and sign-out around the chat client: the signed-in user in the header, the
 * redirect to `/login` when there is no session, and the logout sequence (hub + cache, then
 * the server session, then the login page).
 */
import type { ChatClient } from '../client'
import type { Banners } from './banners'
import { setText } from './dom'
import { loginUrl } from './urls'

/** @internal Options of `watchSession`. */
export interface SessionOptions {
  client: ChatClient
  banners: Banners
  /** Where the user id is shown. */
  userLabel: HTMLElement
  logoutButton: HTMLButtonElement
  onUser(userId: string): void
}

/** @internal Follow the session: who is signed in, refusals, logout here or in another tab. */
export function watchSession(options: SessionOptions): void {
  const { client, banners } = options
  let leaving = false

  const toLogin = () => {
    if (leaving) return
    leaving = true
    location.assign(loginUrl(new URL(location.href)))
  }

  /** End the server session (idempotent) and go to the login page. */
  const endServerSession = async (next: string) => {
    try {
      await fetch('/api/dev/logout', { method: 'POST', credentials: 'same-origin' })
    } catch {
      // Offline: the login page tells the user they are still signed in on the server.
    }
    location.assign(next)
  }

  client.ready.then(
    (welcome) => {
      setText(options.userLabel, welcome.userId)
      options.userLabel.title = welcome.verified
        ? `Signed in as ${welcome.userId}`
        : `${welcome.userId} (offline: the server has not confirmed the session yet)`
      options.userLabel.classList.toggle('is-unverified', !welcome.verified)
      options.onUser(welcome.userId)
    },
    (error: unknown) => {
      if (codeOf(error) === 'unauthenticated') return toLogin()
      // Offline or the hub did not answer: stay and show what the cache has.
      banners.showProblem('Can’t reach the chat service right now — showing saved messages.')
    },
  )

  client.onSession((event) => {
    if (event.type === 'auth_failed') return banners.showAuthFailed(event.code, event.reason)
    // Signed out in another tab: that tab may not have ended the server session yet, and the
    // login page should not greet the user as still signed in.
    if (leaving) return
    leaving = true
    void endServerSession(loginUrl(new URL(location.href)))
  })

  options.logoutButton.addEventListener('click', async () => {
    if (leaving) return
    leaving = true
    options.logoutButton.disabled = true
    setText(options.logoutButton, 'Signing out…')
    try {
      await client.logout({ clearCache: true })
    } catch {
      // The hub is unreachable; the server session still ends below.
    }
    await endServerSession('/login')
  })
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined
}
