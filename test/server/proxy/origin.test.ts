import { expect, test } from 'vitest'
import { acceptedOrigins, isAllowedOrigin } from '../../../src/server/proxy/origin'

const post = (origin?: string): Request =>
  new Request('http://localhost:3000/api/persistent-chat/messages', {
    method: 'POST',
    headers: origin === undefined ? {} : { origin },
  })

test('the request’s own origin is allowed', () => {
  expect(isAllowedOrigin(post('http://localhost:3000'))).toBe(true)
})

test('missing, null, foreign and look-alike origins are refused', () => {
  expect(isAllowedOrigin(post())).toBe(false)
  expect(isAllowedOrigin(post('null'))).toBe(false)
  expect(isAllowedOrigin(post('https://localhost:3000'))).toBe(false)
  expect(isAllowedOrigin(post('http://localhost:3001'))).toBe(false)
  expect(isAllowedOrigin(post('http://localhost:3000.evil.example'))).toBe(false)
})

test('configured origins are allowed, written with or without a trailing slash', () => {
  expect(isAllowedOrigin(post('https://app.example.com'), ['https://app.example.com/'])).toBe(true)
  expect(isAllowedOrigin(post('https://app.example.com'), ['not a url'])).toBe(false)
})

const behindProxy = (origin: string, headers: Record<string, string>): Request =>
  new Request('http://localhost:3000/api/persistent-chat/messages', {
    method: 'POST',
    headers: { origin, ...headers },
  })

test('trustForwardedHeaders takes the origin from X-Forwarded-Proto/Host (first values), else Host', () => {
  const trust = { trustForwardedHeaders: true }
  const forwarded = {
    'x-forwarded-proto': 'https, http',
    'x-forwarded-host': 'chat.example.com, internal:8080',
  }
  expect(isAllowedOrigin(behindProxy('https://chat.example.com', forwarded), trust)).toBe(true)
  expect(isAllowedOrigin(behindProxy('https://chat.example.com', forwarded), {})).toBe(false)
  expect(isAllowedOrigin(behindProxy('http://127.0.0.1:3000', { host: '127.0.0.1:3000' }), trust)).toBe(true)
  expect(isAllowedOrigin(behindProxy('https://chat.example.com:443', forwarded), trust)).toBe(false)
  expect(isAllowedOrigin(behindProxy('https://evil.example', forwarded), trust)).toBe(false)
})

test('a Host or X-Forwarded-Host that is not a host name never becomes an allowed origin', () => {
  const trust = { trustForwardedHeaders: true }
  for (const host of ['evil.example/path', 'a@evil.example', 'evil.example:99999', '']) {
    expect(acceptedOrigins(behindProxy('x', { 'x-forwarded-host': host }), trust)).toEqual([
      'http://localhost:3000',
    ])
  }
})

test('publicOrigin is accepted written with a trailing slash or default port; listed first', () => {
  const policy = {
    publicOrigin: 'https://chat.example.com:443/',
    allowedOrigins: ['https://admin.example.com'],
  }
  expect(acceptedOrigins(behindProxy('x', {}), policy)).toEqual([
    'https://chat.example.com',
    'http://localhost:3000',
    'https://admin.example.com',
  ])
})
