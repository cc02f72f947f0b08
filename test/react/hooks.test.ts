/**
 * The React binding with Testing Library's `renderHook`, plain and inside `<StrictMode>`, on the
 * client's real project state and the real hub core, proxy and reference backend over loopback
 * (a `client` prop: test/helpers/node-client.ts). What is asserted is what a component shows.
 */
import './dom'
import { act, renderHook, waitFor } from '@testing-library/react'
import { createElement, type ReactNode, StrictMode } from 'react'
import { afterEach, describe, expect, test } from 'vitest'
import type { SessionEvent } from '../../src/client'
import {
  PersistentChatProvider,
  useChatProject,
  useChatSession,
  useChatStats,
  useOlderMessages,
  usePresence,
  useSendMessage,
} from '../../src/react'
import type { RunningBackend } from '../../src/server/backend'
import { createNodeChatClient, type NodeChatClient } from '../helpers/node-client'
import { startStack, type TestStack } from '../helpers/servers'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let counter = 0
const fresh = (name: string) => `${name}_${process.pid}_${++counter}`
const long = { timeout: 10_000 }

async function stack(): Promise<TestStack> {
  const started = await startStack()
  cleanups.push(() => started.close())
  return started
}

async function clientFor(s: TestStack, userId: string, config = {}): Promise<NodeChatClient> {
  const client = createNodeChatClient({ baseUrl: s.url, cookie: await s.login(userId), config })
  cleanups.push(() => client.testHub.hub.close())
  return client
}

function wrapperFor(client: NodeChatClient, strict: boolean) {
  return ({ children }: { children: ReactNode }) => {
    const provided = createElement(PersistentChatProvider, { client }, children)
    return strict ? createElement(StrictMode, null, provided) : provided
  }
}

const texts = (messages: ReadonlyArray<{ text: string }>) => messages.map((m) => m.text)

describe.each([
  ['plain', false],
  ['in StrictMode', true],
])('%s', (_mode, strict) => {
  test('useChatProject shows the project live, with one subscription in the hub', async () => {
    const s = await stack()
    const client = await clientFor(s, fresh('alice'))
    const project = fresh('proj')
    ;(s.server.backend as RunningBackend).append(project, 'someone', 'before')

    const { result, unmount } = renderHook(() => useChatProject(project), {
      wrapper: wrapperFor(client, strict),
    })
    await waitFor(() => expect(result.current.status.status).toBe('connected'), long)
    await waitFor(() => expect(texts(result.current.messages)).toEqual(['before']), long)
    act(() => {
      ;(s.server.backend as RunningBackend).append(project, 'someone', 'live')
    })
    await waitFor(() => expect(texts(result.current.messages)).toEqual(['before', 'live']), long)

    expect(result.current.live).toBe(true)
    expect(client.subscriptions).toEqual([`subscribe ${project}`])
    unmount()
    await waitFor(() =>
      expect(client.subscriptions).toEqual([`subscribe ${project}`, `unsubscribe ${project}`]),
    )
  })

  test('one component unmounting does not cut off another showing the same project', async () => {
    const s = await stack()
    const client = await clientFor(s, fresh('alice'))
    const project = fresh('proj')
    const wrapper = wrapperFor(client, strict)
    const first = renderHook(() => useChatProject(project), { wrapper })
    const second = renderHook(() => ({ view: useChatProject(project), sender: useSendMessage(project) }), {
      wrapper,
    })
    await waitFor(() => expect(second.result.current.view.status.status).toBe('connected'), long)

    first.unmount()
    await act(() => second.result.current.sender.send('after the other left'))

    await waitFor(
      () =>
        expect(second.result.current.view.messages.map((m) => [m.text, m.seq])).toEqual([
          ['after the other left', 1],
        ]),
      long,
    )
    expect(client.subscriptions).toEqual([`subscribe ${project}`])
    second.unmount()
  })

  test('useSendMessage: optimistic at once, confirmed once; a refused send sets error and rejects', async () => {
    const s = await stack()
    const client = await clientFor(s, fresh('alice'))
    const project = fresh('proj')
    const { result } = renderHook(
      () => ({ view: useChatProject(project), sender: useSendMessage(project) }),
      {
        wrapper: wrapperFor(client, strict),
      },
    )
    await waitFor(() => expect(result.current.view.live).toBe(true), long)

    let sending: Promise<unknown> = Promise.resolve()
    act(() => {
      sending = result.current.sender.send('hello')
    })
    expect(result.current.sender.isPending).toBe(true)
    await act(() => sending)
    expect(result.current.sender.isPending).toBe(false)
    await waitFor(
      () => expect(result.current.view.messages.map((m) => [m.text, m.seq])).toEqual([['hello', 1]]),
      long,
    )
    expect(result.current.view.outbox).toEqual([])

    await act(() =>
      expect(result.current.sender.send('   ')).rejects.toMatchObject({ code: 'invalid_argument' }),
    )
    expect(result.current.sender.error).toMatchObject({
      code: 'invalid_argument',
      message: 'send() needs a non-empty text',
    })
  })

  test('useOlderMessages pages older messages in front, with isLoadingOlder while it runs', async () => {
    const s = await stack()
    const client = await clientFor(s, fresh('alice'), { pageSize: 20, windowSize: 20 })
    const project = fresh('proj')
    for (let i = 1; i <= 50; i++) (s.server.backend as RunningBackend).append(project, 'someone', `m${i}`)
    const { result } = renderHook(
      () => ({ view: useChatProject(project), older: useOlderMessages(project) }),
      {
        wrapper: wrapperFor(client, strict),
      },
    )
    await waitFor(() => expect(result.current.view.messages.at(-1)?.seq).toBe(50), long)
    const firstBefore = result.current.view.messages[0]?.seq ?? 0
    expect(result.current.view.hasOlder).toBe(true)

    let loading: Promise<number> = Promise.resolve(0)
    act(() => {
      loading = result.current.older.loadOlder(10)
    })
    expect(result.current.older.isLoadingOlder).toBe(true)
    const added = await act(() => loading)

    expect(added).toBe(10)
    expect(result.current.older.isLoadingOlder).toBe(false)
    expect(result.current.view.messages[0]?.seq).toBe(firstBefore - 10)
    const seqs = result.current.view.messages.map((m) => m.seq ?? 0)
    expect(seqs).toEqual(seqs.map((_, i) => firstBefore - 10 + i))
  })

  test('usePresence shows the other user arriving; useChatStats counts one stream', async () => {
    const s = await stack()
    const [alice, bob] = [fresh('alice'), fresh('bob')]
    const client = await clientFor(s, alice)
    const project = fresh('proj')
    const { result } = renderHook(
      () => ({ presence: usePresence(project), stats: useChatStats({ intervalMs: 50 }) }),
      { wrapper: wrapperFor(client, strict) },
    )
    await waitFor(() => expect(result.current.presence).toEqual({ [alice]: 'online' }), long)

    const bobClient = await clientFor(s, bob)
    bobClient.project(project)

    await waitFor(() => expect(result.current.presence).toEqual({ [alice]: 'online', [bob]: 'online' }), long)
    await waitFor(() => expect(result.current.stats).toMatchObject({ connections: 1, tabs: 1 }), long)
    expect(client.subscriptions).toEqual([`subscribe ${project}`])
  })

  test('useChatSession: ready with the proxy’s user, then ended with the event passed to onEvent', async () => {
    const s = await stack()
    const alice = fresh('alice')
    const client = await clientFor(s, alice)
    const events: SessionEvent[] = []
    const { result } = renderHook(() => useChatSession((event) => events.push(event)), {
      wrapper: wrapperFor(client, strict),
    })
    await waitFor(
      () => expect(result.current).toMatchObject({ state: 'ready', welcome: { userId: alice } }),
      long,
    )

    await act(() => client.logout())

    expect(result.current).toEqual({ state: 'ended', event: { type: 'logged_out' } })
    expect(events).toEqual([{ type: 'logged_out' }])
  })
})

test('enabled: false follows nothing and says disconnected', async () => {
  const s = await stack()
  const client = await clientFor(s, fresh('alice'))
  const project = fresh('proj')
  const { result, rerender } = renderHook(({ enabled }) => useChatProject(project, { enabled }), {
    wrapper: wrapperFor(client, false),
    initialProps: { enabled: false },
  })
  expect(result.current.status).toEqual({ status: 'disconnected' })
  await client.ready
  expect(client.subscriptions).toEqual([])

  rerender({ enabled: true })
  await waitFor(() => expect(result.current.status.status).toBe('connected'), long)
})

test('a hook outside the provider throws a hint', () => {
  expect(() => renderHook(() => useChatProject('p'))).toThrow(
    /wrap the component in <PersistentChatProvider>/,
  )
})
