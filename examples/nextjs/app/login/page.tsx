/**
 * `/login`: the dev login. Any user id signs in (a signed cookie from `POST /api/dev/login`);
 * replace it, and `authenticate` in lib/chat-server.ts, with your own auth.
 */
export default function Login() {
  return (
    <main className="login">
      <h1>Sign in (dev)</h1>
      <form method="post" action="/api/dev/login">
        <label>
          User id <input name="userId" required pattern="[A-Za-z0-9_\-]{1,64}" autoComplete="username" />
        </label>
        <input type="hidden" name="next" value="/" />
        <button type="submit">Sign in</button>
      </form>
    </main>
  )
}
