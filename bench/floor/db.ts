/** The floor pages' IndexedDB: the hub's schema (messages keyed by [project_id, seq], project ranges). */

/** Open (creating) a floor database. */
export function openFloorDb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1)
    request.onupgradeneeded = () => {
      request.result.createObjectStore('messages', { keyPath: ['project_id', 'seq'] })
      request.result.createObjectStore('projects', { keyPath: 'projectId' })
    }
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}
