/**
 * The dev `/login` page (DESIGN.md §5 hooks `input[name=userId]`, `button[type=submit]`): a
 * server-rendered form that posts to `/api/dev/login` without any script, then lands on
 * `next` (default `/`).
 */

const ERRORS: Record<string, string> = {
  invalid_user_id: 'User id must be 1–64 letters, digits, "_" or "-".',
}

/** @public Options of {@link renderLoginPage}. */
export interface LoginPageOptions {
  /** Where to go after signing in: a same-origin path, checked again by the login route. */
  next?: string | undefined
  /** An error code from a failed attempt (`?error=`). */
  error?: string | undefined
  /** The user currently signed in, if any. */
  signedInAs?: string | undefined
}

/** @public Renders the login page. Every interpolated value is HTML-escaped. */
export function renderLoginPage(options: LoginPageOptions = {}): string {
  const error = options.error === undefined ? undefined : (ERRORS[options.error] ?? 'Sign-in failed.')
  const signedIn =
    options.signedInAs === undefined
      ? ''
      : `<p>Signed in as <strong>${escapeHtml(options.signedInAs)}</strong>.</p>
    <form method="post" action="/api/dev/logout"><button type="submit" name="logout">Sign out</button></form>`
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Sign in · persistent-chat</title>
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; max-width: 24rem; margin: 4rem auto; padding: 0 1rem; }
      label, input, button { display: block; width: 100%; box-sizing: border-box; }
      input, button { font: inherit; padding: 0.5rem; margin: 0.25rem 0 1rem; }
      .error { color: #b00020; }
    </style>
  </head>
  <body>
    <h1>persistent-chat</h1>
    ${signedIn}
    <form method="post" action="/api/dev/login">
      ${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
      <label for="userId">User id (development sign-in)</label>
      <input id="userId" name="userId" required maxlength="64" pattern="[A-Za-z0-9_\\-]{1,64}" autocomplete="username" autofocus />
      <input type="hidden" name="next" value="${escapeHtml(options.next ?? '/')}" />
      <button type="submit">Sign in</button>
    </form>
  </body>
</html>
`
}

/** @internal Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}
