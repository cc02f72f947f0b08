'use client'
/**
 * The chat on the hooks: messages (cached first, then live), the composer on the persistent
 * outbox, scrollback, presence, the connection status and the hub's figures. `data-testid`s
 * follow the demo app's DOM hooks, so the same tests read both.
 */
import { useRouter, useSearchParams } from 'next/navigation'
import type { ConnectionStatus, OutboxEntry, PersistentChatMessage } from 'persistent-chat/client'
import {
  useChatClient,
  useChatProject,
  useChatSession,
  useChatStats,
  useOlderMessages,
  usePresence,
  useSendMessage,
} from 'persistent-chat/react'
import { type FormEvent, useState } from 'react'

const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/

export function Chat() {
  const params = useSearchParams()
  const requested = params.get('project') ?? 'general'
  const projectId = PROJECT_ID.test(requested) ? requested : 'general'
  const router = useRouter()
  const client = useChatClient()
  const session = useChatSession((event) => {
    if (event.type === 'logged_out' || event.code === 401) router.push(`/login?next=/?project=${projectId}`)
  })
  const view = useChatProject(projectId)
  const presence = usePresence(projectId)
  const stats = useChatStats({ intervalMs: 1000 })
  const { send, retry, discard, isPending, error } = useSendMessage(projectId)
  const { loadOlder, isLoadingOlder } = useOlderMessages(projectId)
  const [draft, setDraft] = useState('')

  if (session.state === 'failed' && session.error.code === 'unauthenticated') {
    return (
      <main className="chat">
        <p className="status" data-testid="connection-status" data-status="auth_failed">
          Not signed in. <a href={`/login?next=/?project=${projectId}`}>Sign in</a>
        </p>
      </main>
    )
  }

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    const text = draft.trim()
    if (text === '') return
    try {
      await send(text)
      setDraft('')
    } catch {
      // `error` says why; the text stays in the composer, and sending it again reuses its id.
    }
  }

  const first = view.messages.find((m) => m.seq !== undefined)?.seq ?? ''
  const last = view.messages.findLast((m) => m.seq !== undefined)?.seq ?? ''
  return (
    <main className="chat">
      <header>
        <h1>#{projectId}</h1>
        <span className="status" data-testid="connection-status" data-status={view.status.status}>
          {describe(view.status)}
        </span>
        <span className="user">{session.state === 'ready' ? session.welcome.userId : ''}</span>
        <button
          type="button"
          onClick={async () => {
            await client?.logout({ clearCache: true }).catch(() => {})
            await fetch('/api/dev/logout', { method: 'POST' }).catch(() => {})
            router.push('/login')
          }}
        >
          Sign out
        </button>
      </header>
      <ul className="presence" aria-label="Who is here">
        {Object.entries(presence).map(([userId, status]) => (
          <li key={userId} data-testid="presence-user" data-user-id={userId} data-status={status}>
            {userId}
          </li>
        ))}
      </ul>
      <section
        className="messages"
        data-testid="message-list"
        data-count={view.messages.length}
        data-first-seq={first}
        data-last-seq={last}
        data-live={view.live}
      >
        {view.hasOlder && (
          <button type="button" disabled={isLoadingOlder} onClick={() => void loadOlder(100)}>
            {isLoadingOlder ? 'Loading…' : 'Load older'}
          </button>
        )}
        {view.messages.map((message) => (
          <Message
            key={message.client_msg_id ?? message.id}
            message={message}
            failed={failedSend(view.outbox, message.client_msg_id)}
            onRetry={retry}
            onDiscard={discard}
          />
        ))}
      </section>
      <form className="composer" onSubmit={onSubmit}>
        <textarea
          data-testid="composer"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          placeholder="Write a message"
        />
        <button type="submit" data-testid="send" disabled={isPending}>
          Send
        </button>
        {error && <p role="alert">Couldn’t queue the message: {error.message}</p>}
      </form>
      <aside
        data-testid="hub-stats"
        data-connections={stats?.connections ?? ''}
        data-tabs={stats?.tabs ?? ''}
        data-mode={stats?.mode ?? ''}
      >
        {stats
          ? `${stats.mode}: ${stats.connections} stream(s) for ${stats.tabs} tab(s)`
          : 'Hub: not attached yet'}
      </aside>
    </main>
  )
}

function Message(props: {
  message: PersistentChatMessage
  failed: { reason: string } | undefined
  onRetry(id: string): Promise<void>
  onDiscard(id: string): Promise<void>
}) {
  const { message, failed } = props
  const id = message.client_msg_id
  return (
    <article
      data-testid="message"
      data-seq={message.seq ?? ''}
      data-message-id={message.id}
      data-client-msg-id={id ?? ''}
    >
      <span className="author">{message.user_id}</span>
      <p data-testid="message-text">{message.text}</p>
      {failed && id && (
        <span>
          Not sent: {failed.reason}{' '}
          <button type="button" onClick={() => void props.onRetry(id)}>
            Retry
          </button>
          <button type="button" onClick={() => void props.onDiscard(id)}>
            Discard
          </button>
        </span>
      )}
    </article>
  )
}

function failedSend(outbox: readonly OutboxEntry[], clientMsgId: string | null) {
  const status = outbox.find((entry) => entry.client_msg_id === clientMsgId)?.status
  return status?.state === 'failed' ? status : undefined
}

function describe(status: ConnectionStatus): string {
  switch (status.status) {
    case 'connected':
      return 'Live'
    case 'connecting':
      return 'Connecting…'
    case 'reconnecting':
      return `Reconnecting (attempt ${status.attempt})`
    case 'rate_limited':
      return 'Too many connections; waiting'
    case 'auth_failed':
      return `Refused (${status.code})`
    case 'offline':
      return 'Offline — showing saved messages'
    case 'disconnected':
      return 'Disconnected'
  }
}
