/**
 * The cached paint: a tab reads a project's newest messages straight from IndexedDB, so it shows
 * them before the hub answers (online or offline).
 *
 * It is on the way to a tab's first paint, so it makes the fewest IndexedDB requests there are
 * (the project's record and one `getAll` of its newest rows, in one read-only transaction, both
 * sent at once where the browser can count rows from the end) and uses IndexedDB directly: no
 * wrapper library in the tab's first chunk. It never creates or upgrades the database; that is
 * the hub's job (store/migrations.ts).
 */
import type { StoreNames } from 'idb'
import { type ChatDB, DB_VERSION, databaseName } from '../store/schema'
import type { ProjectView } from './message-list'

type Stored<Name extends StoreNames<ChatDB>> = ChatDB[Name]['value']

/** @internal Paint up to `limit` cached messages of the project, if there are any. */
export async function paintFromCache(
  userId: string,
  projectId: string,
  limit: number,
  paint: (messages: ProjectView['messages']) => void,
): Promise<void> {
  const messages = await readCachedMessages(userId, projectId, limit)
  if (messages.length > 0) paint(messages)
}

/**
 * @internal Up to `limit` of the project's newest cached messages, ascending; none where there
 * is no IndexedDB, no database yet, no such project or another schema version (never a failure:
 * the hub's snapshot paints instead).
 */
export async function readCachedMessages(
  userId: string,
  projectId: string,
  limit: number,
): Promise<ProjectView['messages']> {
  if (limit <= 0 || !('indexedDB' in globalThis)) return []
  let db: IDBDatabase | undefined
  try {
    db = await openExisting(databaseName(userId))
    return await newestMessages(db, projectId, limit)
  } catch {
    // No IndexedDB (private mode), no database yet, or another version.
    return []
  } finally {
    db?.close()
  }
}

/** Open the database at the schema's version; fails, creating nothing, where it is missing or older. */
function openExisting(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, DB_VERSION)
    // An upgrade here would create or migrate the hub's database behind its back: refuse it.
    request.onupgradeneeded = () => request.transaction?.abort()
    request.onsuccess = () => {
      const db = request.result
      // Never block the hub's upgrade or a logout's delete.
      db.onversionchange = () => db.close()
      resolve(db)
    }
    request.onerror = () => reject(request.error)
    request.onblocked = () => reject(new Error(`${name} is being upgraded`))
  })
}

/** `getAll`'s options form (Chromium 141+, with `getAllRecords`): a count from either end. */
interface GetAllOptions {
  query: IDBKeyRange
  count: number
  direction: 'prev'
}

/** Whether `getAll` takes `GetAllOptions` here. */
const getAllTakesOptions = (): boolean =>
  typeof IDBObjectStore !== 'undefined' && 'getAllRecords' in IDBObjectStore.prototype

/**
 * The project's newest `limit` messages, ascending: its range is complete, so they are one key
 * range. Where `getAll` can count from the end, the newest rows are asked for beside the record
 * (one round trip to IndexedDB, not two) and kept when they are exactly the record's newest;
 * otherwise (rows outside the record's range) they are read by the record's range, as without it.
 */
function newestMessages(db: IDBDatabase, projectId: string, limit: number): Promise<Stored<'messages'>[]> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(['projects', 'messages'], 'readonly')
    tx.onabort = () => reject(tx.error)
    const messages = tx.objectStore('messages')
    const record = tx.objectStore('projects').get(projectId)
    const newest = getAllTakesOptions()
      ? (messages as unknown as { getAll(options: GetAllOptions): IDBRequest<Stored<'messages'>[]> }).getAll({
          query: IDBKeyRange.bound(
            [projectId, Number.NEGATIVE_INFINITY],
            [projectId, Number.POSITIVE_INFINITY],
          ),
          count: limit,
          direction: 'prev',
        })
      : undefined
    record.onsuccess = () => {
      const range = record.result as Stored<'projects'> | undefined
      if (!range || range.highSeq < range.lowSeq) return resolve([])
      const from = Math.max(range.lowSeq, range.highSeq - limit + 1)
      const byRange = () => {
        const rows = messages.getAll(IDBKeyRange.bound([projectId, from], [projectId, range.highSeq]))
        rows.onsuccess = () => resolve(rows.result as Stored<'messages'>[])
      }
      if (!newest) return byRange()
      // Requests answer in order: this one's success comes after the record's.
      newest.onsuccess = () => {
        const rows = newest.result.reverse()
        // Unique seqs in order: the right count from `from` to `highSeq` is exactly that range.
        const exact =
          rows.length === range.highSeq - from + 1 &&
          rows[0]?.seq === from &&
          rows.at(-1)?.seq === range.highSeq
        if (exact) resolve(rows)
        else byRange()
      }
    }
  })
}
