import { expect, test } from 'vitest'
import { isAllowedOrigin } from '../../../src/server/proxy/origin'

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
