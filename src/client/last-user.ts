/**
 * The user a tab last saw, kept in `localStorage`: whose cache a reopened tab paints before the
 * hub answers, and who the hub may trust for now while the server cannot be reached.
 */

const LAST_USER_KEY = 'persistent-chat:last-user'

/** @internal The user this browser last signed in as, if storage allows. */
export function readLastUser(): string | undefined {
  try {
    return localStorage.getItem(LAST_USER_KEY) ?? undefined
  } catch {
    return undefined
  }
}

/** @internal Remember the user the hub verified. */
export function writeLastUser(userId: string): void {
  try {
    localStorage.setItem(LAST_USER_KEY, userId)
  } catch {
    // storage disabled: offline reopen then needs the server
  }
}

/** @internal Forget the user (logout). */
export function forgetLastUser(): void {
  try {
    localStorage.removeItem(LAST_USER_KEY)
  } catch {
    // storage disabled: nothing was remembered
  }
}
