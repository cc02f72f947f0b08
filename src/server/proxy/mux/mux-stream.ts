/**
 * One mux stream: the set of projects one browser connection carries, one upstream attempt
 * per project, and the control operations on that set. Every operation is synchronous, so a
 * control POST's effects are in the output before its 204 is sent.
 */
import { MAX_MUX_PROJECTS, type MuxCursor } from '../../../protocol/mux'
import type { StreamCloseReason } from '../routes/context'
import type { Upstream } from '../upstream'
import type { Invalid } from '../validate'
import { openFrame } from './frames'
import { createMuxOutput } from './output'
import { type ProjectUpstream, startProjectUpstream } from './project-upstream'

/** @internal Why a whole mux stream ended. */
export type MuxEndReason = Extract<StreamCloseReason, 'client_gone' | 'shutdown'>

/** @internal Options of {@link createMuxStream}. */
export interface MuxStreamOptions {
  streamId: string
  userId: string
  upstream: Upstream
  heartbeatMs: number
  /** The projects to open at once, after `mux.open`. */
  projects: readonly MuxCursor[]
  /** Called once, when the stream ends for any reason. */
  onEnd(reason: MuxEndReason): void
}

/** @internal A running mux stream. */
export interface MuxStream {
  readonly streamId: string
  readonly userId: string
  /** The body to hand to `new Response(…)`. */
  readonly readable: ReadableStream<Uint8Array>
  /**
   * Removes, then adds (an added project already present restarts at its new cursor). All or
   * nothing: a change that would leave more than {@link MAX_MUX_PROJECTS} projects is refused.
   */
  apply(change: { add: readonly MuxCursor[]; remove: readonly string[] }): { ok: true } | Invalid
  /** Ends the stream: every upstream is aborted and the body ends cleanly. Idempotent. */
  end(reason: MuxEndReason): void
}

/** @internal Opens the stream: writes `mux.open`, then starts one upstream per project. */
export function createMuxStream(options: MuxStreamOptions): MuxStream {
  const { streamId, userId, upstream } = options
  /** Every project in the stream, including those whose attempt already ended (until removed). */
  const projects = new Map<string, ProjectUpstream>()
  let ended = false

  const end = (reason: MuxEndReason): void => {
    if (ended) return
    ended = true
    for (const project of projects.values()) project.abandon()
    projects.clear()
    output.close()
    options.onEnd(reason)
  }
  const output = createMuxOutput({ heartbeatMs: options.heartbeatMs, onCancel: () => end('client_gone') })
  const start = ({ projectId, cursor }: MuxCursor): void => {
    projects.get(projectId)?.stop('replaced')
    projects.set(projectId, startProjectUpstream({ projectId, cursor, userId, upstream, output }))
  }

  output.write(openFrame({ streamId, heartbeatMs: options.heartbeatMs }))
  for (const project of options.projects) start(project)

  return {
    streamId,
    userId,
    readable: output.readable,
    apply(change) {
      const after = new Set(projects.keys())
      for (const projectId of change.remove) after.delete(projectId)
      for (const { projectId } of change.add) after.add(projectId)
      if (after.size > MAX_MUX_PROJECTS) {
        return {
          ok: false,
          status: 400,
          code: 'bad_request',
          message: `The stream would carry ${after.size} projects; at most ${MAX_MUX_PROJECTS} are allowed.`,
        }
      }
      if (ended) return { ok: true }
      for (const projectId of change.remove) {
        projects.get(projectId)?.stop('removed')
        projects.delete(projectId)
      }
      for (const project of change.add) start(project)
      return { ok: true }
    },
    end,
  }
}
