import { describe, expect, test } from 'vitest'
import { createDevSession, readCookie, SESSION_COOKIE } from '../../src/server/session'

const SECRET = 'session-secret-for-unit-tests'
const ORIGIN = 'http://app.test'

function loginRequest(
  body: unknown,
  init: { origin?: string | null; url?: string; form?: boolean } = {},
): Request {
  const url = init.url ?? `${ORIGIN}/api/dev/login`
  const headers = new Headers()
  const origin = init.origin === undefined ? new URL(url).origin : init.origin
  if (origin !== null) headers.set('origin', origin)
  headers.set('content-type', init.form ? 'application/x-www-form-urlencoded' : 'application/json')
  const encoded = init.form
    ? new URLSearchParams(body as Record<string, string>).toString()
    : JSON.stringify(body)
  return new Request(url, { method: 'POST', headers, body: encoded })
}

function cookieOf(response: Response): string {
  const setCookie = response.headers.get('set-cookie') ?? ''
  return setCookie.split(';')[0] ?? ''
}

function withCookie(cookie: string, url = `${ORIGIN}/api/persistent-chat/stream`): Request {
  return new Request(url, { headers: { cookie } })
}

describe('login', () => {
  test('a JSON login sets an HttpOnly, SameSite=Lax cookie for the whole site', async () => {
    const session = createDevSession({ secret: SECRET })

    const response = await session.login(loginRequest({ userId: 'alice' }))

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ userId: 'alice' })
    const setCookie = response.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=alice\\.\\d+\\.[0-9a-f]{64};`))
    expect(setCookie).toContain('HttpOnly')
    expect(setCookie).toContain('SameSite=Lax')
    expect(setCookie).toContain('Path=/')
    expect(setCookie).toMatch(/Max-Age=604800/)
    expect(setCookie).not.toContain('Secure')
  })

  test('the cookie is Secure only when the request is https', async () => {
    const session = createDevSession({ secret: SECRET })

    const response = await session.login(
      loginRequest({ userId: 'alice' }, { url: 'https://app.test/api/dev/login' }),
    )

    expect(response.headers.get('set-cookie')).toContain('; Secure')
  })

  test.each([
    ['an empty userId', { userId: '' }],
    ['a 65-char userId', { userId: 'a'.repeat(65) }],
    ['a userId with a dot', { userId: 'a.b' }],
    ['a userId with unicode', { userId: 'prøj' }],
    ['a numeric userId', { userId: 42 }],
    ['no userId', {}],
  ])('%s is a 400 without a cookie', async (_name, body) => {
    const session = createDevSession({ secret: SECRET })

    const response = await session.login(loginRequest(body))

    expect(response.status).toBe(400)
    expect(response.headers.get('set-cookie')).toBeNull()
  })

  test.each([
    ['a foreign Origin', 'https://evil.example'],
    ['no Origin', null],
    ['Origin: null', 'null'],
  ])('a login with %s is a 403', async (_name, origin) => {
    const session = createDevSession({ secret: SECRET })

    const response = await session.login(loginRequest({ userId: 'alice' }, { origin }))

    expect(response.status).toBe(403)
    expect(response.headers.get('set-cookie')).toBeNull()
  })

  test('a form login redirects to a same-origin next, and never off-site', async () => {
    const session = createDevSession({ secret: SECRET })
    const redirectFor = async (next: string): Promise<string | null> => {
      const response = await session.login(loginRequest({ userId: 'alice', next }, { form: true }))
      expect(response.status).toBe(303)
      expect(response.headers.get('set-cookie')).toContain('HttpOnly')
      return response.headers.get('location')
    }

    expect(await redirectFor('/?project=p1')).toBe('/?project=p1')
    expect(await redirectFor('//evil.example')).toBe('/')
    expect(await redirectFor('/\\evil.example')).toBe('/')
    expect(await redirectFor('/\t/evil.example')).toBe('/')
    expect(await redirectFor('https://evil.example/')).toBe('/')
  })

  test('a form login with a bad userId goes back to /login with an error', async () => {
    const session = createDevSession({ secret: SECRET })

    const response = await session.login(loginRequest({ userId: 'a b' }, { form: true }))

    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/login?error=invalid_user_id')
    expect(response.headers.get('set-cookie')).toBeNull()
  })
})

describe('authenticate', () => {
  test('the cookie from login authenticates its user', async () => {
    const session = createDevSession({ secret: SECRET })
    const cookie = cookieOf(await session.login(loginRequest({ userId: 'alice' })))

    expect(await session.authenticate(withCookie(cookie))).toEqual({ userId: 'alice' })
    expect(await session.authenticate(withCookie(`theme=dark; ${cookie}; other=1`))).toEqual({
      userId: 'alice',
    })
  })

  test('a missing, tampered or foreign cookie is not authenticated', async () => {
    const session = createDevSession({ secret: SECRET })
    const cookie = cookieOf(await session.login(loginRequest({ userId: 'alice' })))
    const [, value = ''] = cookie.split('=')
    const [userId, issuedAt, signature = ''] = value.split('.')
    const flipped = signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))
    const other = createDevSession({ secret: 'another-secret-of-enough-length' })

    expect(await session.authenticate(new Request(`${ORIGIN}/`))).toBeNull()
    expect(
      await session.authenticate(withCookie(`${SESSION_COOKIE}=${userId}.${issuedAt}.${flipped}`)),
    ).toBeNull()
    expect(
      await session.authenticate(withCookie(`${SESSION_COOKIE}=bob.${issuedAt}.${signature}`)),
    ).toBeNull()
    expect(
      await session.authenticate(
        withCookie(`${SESSION_COOKIE}=${userId}.${Number(issuedAt) + 1}.${signature}`),
      ),
    ).toBeNull()
    expect(
      await session.authenticate(
        withCookie(`${SESSION_COOKIE}=${userId}.${issuedAt}.${signature.toUpperCase()}`),
      ),
    ).toBeNull()
    expect(await session.authenticate(withCookie(`${SESSION_COOKIE}=${userId}.${issuedAt}`))).toBeNull()
    expect(await other.authenticate(withCookie(cookie))).toBeNull()
  })

  test('an expired cookie, or one issued in the future, is not authenticated', async () => {
    let now = Date.UTC(2025, 0, 1)
    const session = createDevSession({ secret: SECRET, maxAgeSeconds: 3600, now: () => now })
    const cookie = cookieOf(await session.login(loginRequest({ userId: 'alice' })))

    now += 3600 * 1000
    expect(await session.authenticate(withCookie(cookie))).toEqual({ userId: 'alice' })
    now += 1000
    expect(await session.authenticate(withCookie(cookie))).toBeNull()
    now = Date.UTC(2024, 11, 31)
    expect(await session.authenticate(withCookie(cookie))).toBeNull()
  })
})

describe('logout', () => {
  test('logout clears the cookie with the same attributes', async () => {
    const session = createDevSession({ secret: SECRET })

    const response = await session.logout(
      new Request(`${ORIGIN}/api/dev/logout`, { method: 'POST', headers: { origin: ORIGIN } }),
    )

    expect(response.status).toBe(204)
    const setCookie = response.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=;`))
    expect(setCookie).toContain('Max-Age=0')
    expect(setCookie).toContain('HttpOnly')
  })

  test('logout from a foreign Origin is a 403', async () => {
    const session = createDevSession({ secret: SECRET })

    const response = await session.logout(
      new Request(`${ORIGIN}/api/dev/logout`, {
        method: 'POST',
        headers: { origin: 'https://evil.example' },
      }),
    )

    expect(response.status).toBe(403)
    expect(response.headers.get('set-cookie')).toBeNull()
  })
})

test('a secret shorter than 16 bytes is refused early', () => {
  expect(() => createDevSession({ secret: 'short' })).toThrow(/at least 16 bytes/)
})

test('readCookie finds a cookie among others and ignores look-alikes', () => {
  expect(readCookie('a=1; pc_session=x.1.y; b=2', 'pc_session')).toBe('x.1.y')
  expect(readCookie('xpc_session=1', 'pc_session')).toBeUndefined()
  expect(readCookie(null, 'pc_session')).toBeUndefined()
})
