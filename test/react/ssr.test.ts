/**
 * Server render → hydrate: on the server the provider has no client and every hook gives its
 * empty server snapshot; hydrating that markup in the "browser" (a client now exists) matches it
 * exactly (no recoverable error, no console error), and the live view follows after hydration.
 */
import './dom'
import { act, renderHook, waitFor } from '@testing-library/react'
import { createElement, StrictMode } from 'react'
import { hydrateRoot } from 'react-dom/client'
import { renderToString } from 'react-dom/server'
import { afterEach, expect, test, vi } from 'vitest'
import type { ChatClient } from '../../src/client'
import {
  PersistentChatProvider,
  useChatProject,
  useChatSession,
  useChatStats,
  usePresence,
} from '../../src/react'
import type { RunningBackend } from '../../src/server/backend'
import { createNodeChatClient } from '../helpers/node-client'
import { startStack } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function Chat({ projectId }: { projectId: string }) {
  const view = useChatProject(projectId)
  const presence = usePresence(projectId)
  const session = useChatSession()
  const stats = useChatStats()
  return createElement(
    'main',
    { 'data-status': view.status.status },
    createElement('p', { id: 'session' }, session.state),
    createElement('p', { id: 'here' }, `${Object.keys(presence).length} here`),
    createElement('p', { id: 'hub' }, stats ? `${stats.connections} streams` : 'hub not asked yet'),
    createElement(
      'ul',
      null,
      view.messages.map((m) => createElement('li', { key: m.id }, m.text)),
    ),
  )
}

const app = (projectId: string, client?: ChatClient) =>
  createElement(
    StrictMode,
    null,
    createElement(PersistentChatProvider, { client }, createElement(Chat, { projectId })),
  )

test('the server render has no client and shows the empty snapshot; hydrating it matches, then the view goes live', async () => {
  const stack = await startStack()
  cleanups.push(() => stack.close())
  const projectId = 'proj_ssr'
  ;(stack.server.backend as RunningBackend).append(projectId, 'someone', 'from the backend')

  const html = renderToString(app(projectId))
  expect(html).toBe(
    '<main data-status="connecting"><p id="session">connecting</p><p id="here">0 here</p><p id="hub">hub not asked yet</p><ul></ul></main>',
  )

  const client = createNodeChatClient({ baseUrl: stack.url, cookie: await stack.login('ssr_user') })
  cleanups.push(() => client.testHub.hub.close())
  // Another part of the page already shows the project live: hydration must still use the empty
  // server snapshot, not that view.
  const elsewhere = renderHook(() => useChatProject(projectId), {
    wrapper: ({ children }) => createElement(PersistentChatProvider, { client }, children),
  })
  cleanups.push(() => elsewhere.unmount())
  await waitFor(() => expect(elsewhere.result.current.messages).toHaveLength(1), { timeout: 10_000 })
  const container = document.createElement('div')
  container.innerHTML = html
  document.body.append(container)
  const recoverable: unknown[] = []
  const consoleError = vi.spyOn(console, 'error')
  cleanups.push(() => consoleError.mockRestore())

  const root = await act(async () =>
    hydrateRoot(container, app(projectId, client), {
      onRecoverableError: (error) => recoverable.push(error),
    }),
  )
  cleanups.push(() => act(() => root.unmount()))

  expect(recoverable).toEqual([])
  expect(consoleError.mock.calls.filter((call) => /hydrat|match/i.test(String(call[0])))).toEqual([])
  await waitFor(
    () => expect(container.querySelector('main')?.getAttribute('data-status')).toBe('connected'),
    {
      timeout: 10_000,
    },
  )
  await waitFor(() => expect(container.querySelector('ul')?.textContent).toBe('from the backend'))
  await waitFor(() => expect(container.querySelector('#session')?.textContent).toBe('ready'))
  expect(client.subscriptions).toEqual([`subscribe ${projectId}`])
  expect(container.querySelector('#here')?.textContent).toBe('1 here')
})
