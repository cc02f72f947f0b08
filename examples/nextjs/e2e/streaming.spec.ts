/**
 * SSE through the Next.js route handler is unbuffered: the stream's first event, and a message
 * posted while it is open, each arrive within a second (a buffering layer would hold small
 * frames until its buffer fills or the stream ends). Read with plain `fetch` in Node, as the hub
 * reads it.
 */
import { expect, test } from './support'

test('the first event arrives within 1 s of the request; a live message within 1 s of being posted', async ({
  app,
  ids,
  playwright,
}) => {
  const user = ids.user('sam')
  const project = ids.project('stream')
  const api = await playwright.request.newContext()
  const login = await api.post(`${app.url}/api/dev/login`, {
    data: { userId: user },
    headers: { origin: app.url },
  })
  const cookie = (login.headers()['set-cookie'] ?? '').split(';')[0] ?? ''
  await api.dispose()
  const abort = new AbortController()
  const decoder = new TextDecoder()
  let text = ''

  const startedAt = performance.now()
  const response = await fetch(`${app.url}/api/persistent-chat/stream?projectId=${project}`, {
    headers: { cookie, accept: 'text/event-stream', 'last-event-id': '0' },
    signal: abort.signal,
  })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/event-stream')
  if (!response.body) throw new Error('the stream has no body')
  const reader = response.body.getReader()
  const readUntil = async (needle: string) => {
    while (!text.includes(needle)) {
      const { done, value } = await reader.read()
      if (done) throw new Error(`stream ended before ${needle}`)
      text += decoder.decode(value, { stream: true })
    }
    return performance.now()
  }

  const firstEventAt = await readUntil('event: connection.established')
  await readUntil('event: replay.end')
  const postedAt = performance.now()
  app.backend.append(project, 'bot', 'live while streaming')
  const liveAt = await readUntil('live while streaming')
  abort.abort()

  expect(firstEventAt - startedAt).toBeLessThanOrEqual(1000)
  expect(liveAt - postedAt).toBeLessThanOrEqual(1000)
  await expect.poll(() => app.backend.openStreams(user), { timeout: 15_000 }).toBe(0)
})
