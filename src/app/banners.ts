/**
 * The notices above the list: offline ("messages you send are queued"), signed out or no
 * access (Sign in / Retry), a new version waiting (Reload), and other problems.
 */
import type { ConnectionStatus } from '../client'
import { h, setHidden, setText } from './dom'

/** @internal */
export interface Banners {
  /** `navigator.onLine` changed. */
  setNetwork(online: boolean): void
  setStatus(status: ConnectionStatus): void
  /** The server refused the session (a session event), with the reason it gave. */
  showAuthFailed(code: number, reason: string): void
  /** A new version is installed and waiting. */
  showUpdate(reload: () => void): void
  /** Something else the user should know; `undefined` hides it. */
  showProblem(text: string | undefined): void
}

/** @internal Options of `createBanners`. */
export interface BannerOptions {
  projectId: string
  /** Where "Sign in" goes. */
  signInUrl: string
  onRetry(): void
}

/** @internal Mount the banners in `container`. */
export function createBanners(container: HTMLElement, options: BannerOptions): Banners {
  const offline = banner('offline', 'status', [
    h('span', {}, [
      h('strong', { text: "You're offline" }),
      document.createTextNode(' — messages you send are queued'),
    ]),
  ])

  const authText = h('span')
  const retry = h('button', { className: 'button button--small', text: 'Retry', attrs: { type: 'button' } })
  retry.addEventListener('click', () => options.onRetry())
  const auth = banner('auth', 'alert', [
    authText,
    h('span', { className: 'banner__actions' }, [
      h('a', {
        className: 'button button--small button--primary',
        text: 'Sign in',
        attrs: { href: options.signInUrl },
      }),
      retry,
    ]),
  ])

  const updateButton = h('button', { className: 'button--link', text: 'reload', attrs: { type: 'button' } })
  const update = banner('update', 'status', [
    h('span', {}, [document.createTextNode('A new version is available — '), updateButton]),
  ])

  const problemText = h('span')
  const problem = banner('problem', 'alert', [problemText])

  container.replaceChildren(update, auth, offline, problem)

  let online = navigator.onLine
  let status: ConnectionStatus = { status: 'connecting' }
  let refused: { code: number; reason: string } | undefined

  const paint = () => {
    setHidden(offline, online && status.status !== 'offline')
    const failure = status.status === 'auth_failed' ? status : refused
    setHidden(auth, failure === undefined)
    if (failure) {
      setText(
        authText,
        failure.code === 403
          ? `You don’t have access to #${options.projectId}.`
          : 'You’re signed out — sign in again to see new messages.',
      )
      auth.title = failure.reason
    }
  }

  paint()
  return {
    setNetwork(next) {
      online = next
      paint()
    },
    setStatus(next) {
      status = next
      // A working connection means the refusal is over.
      if (next.status === 'connected') refused = undefined
      paint()
    },
    showAuthFailed(code, reason) {
      refused = { code, reason }
      paint()
    },
    showUpdate(reload) {
      updateButton.onclick = () => {
        updateButton.disabled = true
        reload()
      }
      update.hidden = false
    },
    showProblem(text) {
      setText(problemText, text ?? '')
      problem.hidden = text === undefined
    },
  }
}

function banner(kind: string, role: 'status' | 'alert', children: Node[]): HTMLElement {
  const element = h('div', { className: `banner banner--${kind}`, attrs: { role } }, children)
  element.hidden = true
  return element
}
