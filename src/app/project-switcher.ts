/**
 * The project switcher: a small form that goes to `/?project=<id>` (keeping the URL's tuning
 * parameters), suggesting the projects this browser opened recently.
 */
import { h } from './dom'
import { isProjectId } from './url-config'
import { projectUrl } from './urls'

const RECENT_KEY = 'persistent-chat:app:recent-projects'
const RECENT_MAX = 8

/** @internal Wire the switcher form from index.html for the current project. */
export function createProjectSwitcher(form: HTMLFormElement, projectId: string): void {
  const input = form.querySelector<HTMLInputElement>('input[name=project]')
  const options = form.querySelector<HTMLDataListElement>('datalist')
  if (!input || !options) throw new Error('persistent-chat app: the project switcher markup is incomplete')

  input.value = projectId
  const recent = remember(projectId)
  options.replaceChildren(...recent.map((id) => h('option', { attrs: { value: id } })))

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const next = input.value.trim()
    if (!isProjectId(next)) {
      input.setCustomValidity('Use 1–64 letters, digits, “_” or “-”.')
      input.reportValidity()
      return
    }
    if (next !== projectId) location.assign(projectUrl(new URL(location.href), next))
  })
  input.addEventListener('input', () => input.setCustomValidity(''))
  input.addEventListener('focus', () => input.select())
}

/** Put `projectId` first in the recent list; returns the list. */
function remember(projectId: string): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]')
    const previous = Array.isArray(stored) ? stored.filter((id): id is string => typeof id === 'string') : []
    const recent = [projectId, ...previous.filter((id) => id !== projectId && isProjectId(id))].slice(
      0,
      RECENT_MAX,
    )
    localStorage.setItem(RECENT_KEY, JSON.stringify(recent))
    return recent
  } catch {
    return [projectId]
  }
}
