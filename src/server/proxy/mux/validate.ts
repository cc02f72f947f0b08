/**
 * Input rules of the mux route: the `projects` query of the GET and the control POST's body,
 * as pure functions to validated values or a 400. No I/O, so every rule runs before any
 * upstream call.
 */
import { isCursor, isProjectId } from '../../../protocol/limits'
import { MAX_MUX_PROJECTS, MUX_STREAM_ID_PATTERN, type MuxCursor } from '../../../protocol/mux'
import type { Invalid, Validated } from '../validate'

/** @internal A validated control POST: what to start (or restart) and what to stop. */
export interface MuxChange {
  streamId: string
  add: MuxCursor[]
  remove: string[]
}

/**
 * @internal Largest control body read (413 beyond): ample for {@link MAX_MUX_PROJECTS} entries in
 * both `add` and `remove`.
 */
export const MAX_MUX_CONTROL_BYTES = 16 * 1024

const PROJECT_ID_RULE = 'must match ^[A-Za-z0-9_-]{1,64}$'

function invalid(message: string): Invalid {
  return { ok: false, status: 400, code: 'bad_request', message }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The first project id that appears twice in `ids`, if any. */
function firstDuplicate(ids: readonly string[]): string | undefined {
  const seen = new Set<string>()
  for (const id of ids) {
    if (seen.has(id)) return id
    seen.add(id)
  }
  return undefined
}

/**
 * @internal Validates `GET …/mux?projects=<id>:<cursor>[,<id>:<cursor>…]`. The parameter is
 * required exactly once and may be empty; ids are distinct, at most {@link MAX_MUX_PROJECTS}.
 */
export function validateMuxQuery(search: URLSearchParams): Validated<MuxCursor[]> {
  const values = search.getAll('projects')
  if (values.length !== 1) {
    return invalid('Give the query parameter "projects" exactly once (it may be empty).')
  }
  const text = values[0] ?? ''
  if (text === '') return { ok: true, value: [] }
  const entries = text.split(',')
  if (entries.length > MAX_MUX_PROJECTS) {
    return invalid(`projects lists ${entries.length} projects; at most ${MAX_MUX_PROJECTS} are allowed.`)
  }

  const projects: MuxCursor[] = []
  for (const [index, entry] of entries.entries()) {
    const where = `projects entry ${index + 1}`
    const colon = entry.lastIndexOf(':')
    if (colon === -1) return invalid(`${where} must be <projectId>:<cursor>.`)
    const projectId = entry.slice(0, colon)
    const cursor = entry.slice(colon + 1)
    if (!isProjectId(projectId)) return invalid(`${where}: the project id ${PROJECT_ID_RULE}.`)
    if (!isCursor(cursor))
      return invalid(`${where} (${projectId}): the cursor must be a non-negative integer.`)
    projects.push({ projectId, cursor: Number(cursor) })
  }
  const duplicate = firstDuplicate(projects.map((project) => project.projectId))
  if (duplicate !== undefined) return invalid(`projects lists ${duplicate} more than once.`)
  return { ok: true, value: projects }
}

/** An optional JSON array of at most {@link MAX_MUX_PROJECTS} items, each checked by `item`. */
function listFrom<T>(
  name: string,
  value: unknown,
  shape: string,
  item: (value: unknown, where: string) => Validated<T>,
): Validated<T[]> {
  if (value === undefined) return { ok: true, value: [] }
  if (!Array.isArray(value)) return invalid(`${name} must be an array of ${shape}.`)
  if (value.length > MAX_MUX_PROJECTS)
    return invalid(`${name} may list at most ${MAX_MUX_PROJECTS} projects.`)
  const items: T[] = []
  for (const [index, entry] of value.entries()) {
    const checked = item(entry, `${name}[${index}]`)
    if (!checked.ok) return checked
    items.push(checked.value)
  }
  return { ok: true, value: items }
}

function cursorFrom(item: unknown, where: string): Validated<MuxCursor> {
  if (!isRecord(item)) return invalid(`${where} must be an object {projectId, cursor}.`)
  const { projectId, cursor } = item
  if (!isProjectId(projectId)) return invalid(`${where}.projectId ${PROJECT_ID_RULE}.`)
  if (typeof cursor !== 'number' || !Number.isSafeInteger(cursor) || cursor < 0) {
    return invalid(`${where}.cursor must be a non-negative integer (a JSON number).`)
  }
  return { ok: true, value: { projectId, cursor } }
}

function projectIdFrom(item: unknown, where: string): Validated<string> {
  return isProjectId(item) ? { ok: true, value: item } : invalid(`${where} ${PROJECT_ID_RULE}.`)
}

/**
 * @internal Validates the body of `POST …/mux`: `{streamId, add?: [{projectId, cursor}],
 * remove?: [projectId]}`. A project may appear once across `add` and `remove`; unknown fields
 * are ignored. Whether the result fits {@link MAX_MUX_PROJECTS} depends on the stream, so the
 * stream checks that.
 */
export function validateMuxControl(body: unknown): Validated<MuxChange> {
  if (!isRecord(body)) return invalid('Body must be a JSON object {streamId, add?, remove?}.')
  const { streamId } = body
  if (typeof streamId !== 'string' || !MUX_STREAM_ID_PATTERN.test(streamId)) {
    return invalid('streamId must be the id from the stream\u2019s mux.open event.')
  }
  const add = listFrom('add', body['add'], '{projectId, cursor}', cursorFrom)
  if (!add.ok) return add
  const remove = listFrom('remove', body['remove'], 'project ids', projectIdFrom)
  if (!remove.ok) return remove
  const duplicate = firstDuplicate([...add.value.map((entry) => entry.projectId), ...remove.value])
  if (duplicate !== undefined) return invalid(`${duplicate} appears more than once in add and remove.`)
  return { ok: true, value: { streamId, add: add.value, remove: remove.value } }
}
