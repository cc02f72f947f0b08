'use client'
/**
 * The chat client for the whole app, created in the browser only (never during server rendering),
 * and the service worker registration. Next bundles both workers from the
 * `new URL('persistent-chat/…', import.meta.url)` expressions below (Turbopack and webpack alike).
 */
import { SerwistProvider } from '@serwist/turbopack/react'
import type { ChatClientOptions } from 'persistent-chat/client'
import { PersistentChatProvider } from 'persistent-chat/react'
import type { ReactNode } from 'react'

const options: ChatClientOptions = {
  sharedWorker: (name) =>
    new SharedWorker(new URL('persistent-chat/worker', import.meta.url), { type: 'module', name }),
  // Browsers without SharedWorker (Chrome on Android) elect a leader tab that runs the hub here.
  dedicatedWorker: (name) =>
    new Worker(new URL('persistent-chat/leader-worker', import.meta.url), { type: 'module', name }),
}

export function Providers({ children }: { children: ReactNode }) {
  return (
    <SerwistProvider swUrl="/serwist/sw.js" reloadOnOnline={false}>
      <PersistentChatProvider options={options}>{children}</PersistentChatProvider>
    </SerwistProvider>
  )
}
