/**
 * SSE through the Next.js route handler is unbuffered: the stream's first event, and a message
 * posted while it is open, each arrive within a second (a buffering layer would hold small
 * frames until its buffer fills or the stream ends). Read with plain `fetch` in Node, as the hub
 * reads it — on the per-project `/stream` route and on the multiplexed `/mux` one the hub uses
 * by default (docs/mux-stream.md in the library).
 */
import type { APIRequestContext } from '@playwright/test'
import { expect, test } from './support'

/** A session cookie for `userId` from the example's dev login. */
async function sessionCookie(api: APIRequestContext, url: string, userId: string): Promise<string> {
  const login = await api.post(`${url}/api/dev/login`, { data: { userId }, headers: { origin: url } })
  await api.dispose()
  return (login.headers()['set-cookie'] ?? '').split(';')[0] ?? ''
}

/** Open an event stream and read it until a text shows; each read says when its text arrived. */
async function openEventStream(url: string, headers: Record<string, string>, signal: AbortSignal) {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/event-stream')
  if (!response.body) throw new Error('the stream has no body')
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  return async function readUntil(needle: string): Promise<number> {
    while (!text.includes(needle)) {
      const { done, value } = await reader.read()
      if (done) throw new Error(`stream ended before ${needle}`)
      text += decoder.decode(value, { stream: true })
    }
    return performance.now()
  }
}

test('the first event arrives within 1 s of the request; a live message within 1 s of being posted', async ({
  app,
  ids,
  playwright,
}) => {
  const user = ids.user('sam')
  const project = ids.project('stream')
  const cookie = await sessionCookie(await playwright.request.newContext(), app.url, user)
  const abort = new AbortController()

  const startedAt = performance.now()
  const readUntil = await openEventStream(
    `${app.url}/api/persistent-chat/stream?projectId=${project}`,
    { cookie, 'last-event-id': '0' },
    abort.signal,
  )
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

test('the multiplexed stream through the route handler: two projects in one response, each live message within 1 s, tagged with its project; aborting it closes both upstreams', async ({
  app,
  ids,
  playwright,
}) => {
  const user = ids.user('max')
  const [first, second] = [ids.project('mux-a'), ids.project('mux-b')]
  app.backend.append(first, 'bot', 'waiting in a')
  const cookie = await sessionCookie(await playwright.request.newContext(), app.url, user)
  const abort = new AbortController()

  const startedAt = performance.now()
  const projects = new URLSearchParams({ projects: `${first}:0,${second}:0` })
  const readUntil = await openEventStream(
    `${app.url}/api/persistent-chat/mux?${projects}`,
    { cookie },
    abort.signal,
  )
  const openedAt = await readUntil('event: mux.open')
  await readUntil(`id: ${first}/1`)
  await readUntil('waiting in a')
  await expect.poll(() => app.backend.openStreams(user)).toBe(2)

  const postedAt = performance.now()
  app.backend.append(second, 'bot', 'live in b')
  const liveAt = await readUntil(`id: ${second}/1`)
  await readUntil('live in b')
  abort.abort()

  expect(openedAt - startedAt).toBeLessThanOrEqual(1000)
  expect(liveAt - postedAt).toBeLessThanOrEqual(1000)
  await expect.poll(() => app.backend.openStreams(user), { timeout: 15_000 }).toBe(0)
})
