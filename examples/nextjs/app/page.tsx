/**
 * `/?project=<id>`: a static page (prerendered, precached by the service worker); the chat
 * itself is a client component that reads the project from the URL.
 */
import { Suspense } from 'react'
import { Chat } from './chat'

export default function Page() {
  return (
    <Suspense fallback={<p className="status">Loading…</p>}>
      <Chat />
    </Suspense>
  )
}
