/**
 * The rest of what the page URL says — the tuning knobs tests and benchmarks pass
 * (`?grace=<ms>`, `?maxBackfill=<n>`, `?mode=in-page|leader-tab|shared-worker`) — and the links
 * the app builds from it. Loaded with the app (main.ts), not before the first paint.
 */
import type { ChatClientOptions } from '../client'

/** @public How the URL asks the chat client to run. */
export interface UrlClientOptions {
  mode: NonNullable<ChatClientOptions['mode']>
  /** Hub tunables; only the ones the URL sets, so default tabs share one worker. */
  hub: NonNullable<ChatClientOptions['config']>
}

/** @public Read the client's mode and hub tunables from a URL. Invalid values fall back to the defaults. */
export function readClientOptions(url: URL): UrlClientOptions {
  const params = url.searchParams
  const hub: UrlClientOptions['hub'] = {}
  const grace = readInteger(params.get('grace'), 0)
  if (grace !== undefined) hub.closeGraceMs = grace
  const maxBackfill = readInteger(params.get('maxBackfill'), 1)
  if (maxBackfill !== undefined) hub.maxBackfill = maxBackfill
  const mode = params.get('mode')
  return {
    mode: mode === 'in-page' || mode === 'shared-worker' || mode === 'leader-tab' ? mode : 'auto',
    hub,
  }
}

/** @public The same URL showing another project; tuning parameters are kept. */
export function projectUrl(url: URL, projectId: string): string {
  const next = new URL(url.href)
  next.searchParams.set('project', projectId)
  return `${next.pathname}${next.search}`
}

/** @public Where the login page should send the user back to. */
export function loginUrl(url: URL): string {
  return `/login?next=${encodeURIComponent(`${url.pathname}${url.search}`)}`
}

function readInteger(value: string | null, min: number): number | undefined {
  if (value === null || !/^\d{1,9}$/.test(value)) return undefined
  const number = Number(value)
  return number >= min ? number : undefined
}
