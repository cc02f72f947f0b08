import { afterAll, beforeAll, expect, test } from 'vitest'
import { startStack, type TestStack } from '../helpers/servers'

let stack: TestStack

beforeAll(async () => {
  stack = await startStack()
})

afterAll(async () => {
  await stack.close()
})

test('the login page is a scriptless form with the DESIGN §5 hooks and a strict CSP', async () => {
  const response = await stack.fetch('/login')

  expect(response.status).toBe(200)
  const html = await response.text()
  expect(html).toMatch(/<form method="post" action="\/api\/dev\/login">/)
  expect(html).toMatch(/<input [^>]*name="userId"/)
  expect(html).toContain('<button type="submit">')
  expect(html).not.toContain('<script')
  expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/)
  expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  expect(response.headers.get('x-frame-options')).toBe('DENY')
})

test('the login page escapes what it echoes', async () => {
  const response = await stack.fetch('/login?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&error=%3Cb%3E')

  const html = await response.text()
  expect(html).not.toContain('<script>alert(1)')
  expect(html).toContain('&quot;&gt;&lt;script&gt;')
})

test('a form sign-in sets the cookie and redirects; the page then shows who is signed in', async () => {
  const response = await stack.fetch('/api/dev/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'userId=formuser&next=%2F%3Fproject%3Dp1',
  })

  expect(response.status).toBe(303)
  expect(response.headers.get('location')).toBe('/?project=p1')
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0]
  const page = await stack.fetch('/login', { cookie })
  expect(await page.text()).toContain('Signed in as <strong>formuser</strong>')
})

test('the dev routes take POST only and unknown /api paths are JSON 404s', async () => {
  const wrongMethod = await stack.fetch('/api/dev/login')
  expect(wrongMethod.status).toBe(405)

  const unknown = await stack.fetch('/api/unknown', { headers: { accept: 'text/html' } })
  expect(unknown.status).toBe(404)
  expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } })
})

test('without a built app, / explains how to build it', async () => {
  const response = await stack.fetch('/', { headers: { accept: 'text/html' } })

  expect(response.status).toBe(503)
  expect(await response.text()).toContain('npm run build')
})
