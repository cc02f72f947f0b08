/**
 * The project the page URL asks for (`?project=`, default `general`). Only this is read before
 * the first paint: the tuning knobs and the links built from the URL are in urls.ts, loaded
 * with the rest of the app.
 */

/** @public The project shown when the URL names none. */
export const DEFAULT_PROJECT = 'general'

/** Project ids the proxy accepts (DESIGN.md §3). */
const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/

/** @public The page's project, read from the URL (what the first paint needs). */
export interface UrlConfig {
  projectId: string
  /** The URL named no project (or an invalid one) and should be rewritten to say `projectId`. */
  projectMissing: boolean
  /** The URL's project was not a valid id; it is shown as a notice. */
  invalidProject: string | undefined
}

/** @public Whether `value` is a project id the server accepts. */
export function isProjectId(value: string): boolean {
  return PROJECT_ID.test(value)
}

/** @public Read the project from a URL; an invalid one falls back to the default. */
export function readUrlConfig(url: URL): UrlConfig {
  const requested = url.searchParams.get('project')
  const valid = requested !== null && isProjectId(requested)
  return {
    projectId: valid ? requested : DEFAULT_PROJECT,
    projectMissing: !valid,
    invalidProject: requested !== null && !valid ? requested : undefined,
  }
}
