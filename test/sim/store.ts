/**
 * The model store: what IndexedDB would hold — per project a record and its messages —
 * with writes that take time and sometimes fail (an aborted transaction), applied atomically.
 */
import type { CommitBatch, ProjectLoad, ProjectRecord, StoredMessage } from '../../src/store'
import type { World } from './world'

/** @internal */
export interface ModelStore {
  faultsOn: boolean
  commitFailure: number
  readonly projects: Map<string, { record: ProjectRecord; messages: Map<number, StoredMessage> }>
  /** Projects written since the last `takeDirty()`. */
  takeDirty(): string[]
  loadProject(projectId: string, limit: number): ProjectLoad
  loadBefore(projectId: string, beforeSeq: number, limit: number): StoredMessage[]
  commit(projectId: string, batch: CommitBatch, done: (ok: boolean) => void): void
  /** Reads and writes take this long. */
  latency(): number
}

/** @internal */
export function createModelStore(world: World, random: () => number): ModelStore {
  const projects: ModelStore['projects'] = new Map()
  let dirty = new Set<string>()
  const store: ModelStore = {
    faultsOn: true,
    commitFailure: 0,
    projects,
    takeDirty() {
      const taken = [...dirty]
      dirty = new Set()
      return taken
    },
    latency: () => 1 + Math.floor(random() * 15),
    loadProject(projectId, limit) {
      const project = projects.get(projectId)
      if (!project) return { record: undefined, messages: [] }
      const { record } = project
      const messages: StoredMessage[] = []
      for (let seq = record.highSeq; seq >= record.lowSeq && messages.length < limit; seq--) {
        const message = project.messages.get(seq)
        if (message) messages.push(message)
      }
      return { record: { ...record }, messages: messages.reverse() }
    },
    loadBefore(projectId, beforeSeq, limit) {
      const project = projects.get(projectId)
      if (!project) return []
      return [...project.messages.values()]
        .filter((m) => m.seq < beforeSeq)
        .sort((a, b) => a.seq - b.seq)
        .slice(-limit)
    },
    commit(projectId, batch, done) {
      world.after(store.latency(), 'commit', () => {
        if (store.faultsOn && random() < store.commitFailure) return done(false)
        let project = projects.get(projectId)
        if (!project || batch.reset) {
          project = { record: batch.record, messages: new Map() }
          projects.set(projectId, project)
        }
        for (const message of batch.messages) project.messages.set(message.seq, message)
        project.record = { ...batch.record }
        dirty.add(projectId)
        done(true)
      })
    },
  }
  return store
}
