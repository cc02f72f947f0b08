/**
 * What the page URL asks for: the project (`?project=`, default `general`) and the tuning
 * knobs tests and benchmarks pass (`?grace=<ms>`, `?maxBackfill=<n>`,
 * `?mode=in-page|leader-tab|shared-worker`).
 */
import type { ChatClientOptions } from '../client'

/** @public The project shown when the URL names none. */
export const DEFAULT_PROJECT = 'general'

/** Project ids the proxy accepts (DESIGN.md §3). */
const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/

/** @public The app's settings read from the URL. */
export interface UrlConfig {
  projectId: string
  /** The URL named no project (or an invalid one) and should be rewritten to say `projectId`. */
  projectMissing: boolean
  /** The URL's project was not a valid id; it is shown as a notice. */
  invalidProject: string | undefined
  mode: NonNullable<ChatClientOptions['mode']>
  /** Hub tunables; only the ones the URL sets, so default tabs share one worker. */
  hub: NonNullable<ChatClientOptions['config']>
}

/** @public Whether `value` is a project id the server accepts. */
export function isProjectId(value: string): boolean {
  return PROJECT_ID.test(value)
}

/** @public Read the settings from a URL. Invalid values fall back to the defaults. */
export function readUrlConfig(url: URL): UrlConfig {
  const params = url.searchParams
  const requested = params.get('project')
  const valid = requested !== null && isProjectId(requested)
  const hub: UrlConfig['hub'] = {}
  const grace = readInteger(params.get('grace'), 0)
  if (grace !== undefined) hub.closeGraceMs = grace
  const maxBackfill = readInteger(params.get('maxBackfill'), 1)
  if (maxBackfill !== undefined) hub.maxBackfill = maxBackfill
  const mode = params.get('mode')
  return {
    projectId: valid ? requested : DEFAULT_PROJECT,
    projectMissing: !valid,
    invalidProject: requested !== null && !valid ? requested : undefined,
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
