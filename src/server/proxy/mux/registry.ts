/**
 * The mux streams open at one proxy instance: found by id for control POSTs (only by their
 * own user), counted per user for the limit, and forgotten when they end. In memory, so a
 * control POST must reach the process that holds the stream; one that does not gets 404 and
 * the hub reopens the stream with every project and cursor (docs/mux-stream.md).
 */
import { MAX_MUX_STREAMS_PER_USER } from '../../../protocol/mux'
import type { Upstream } from '../upstream'
import { createMuxStream, type MuxStream, type MuxStreamOptions } from './mux-stream'

/** @internal The streams of one proxy instance. */
export interface MuxRegistry {
  /** Opens a stream under a fresh id, unless its user already holds the most allowed. */
  open(options: Omit<MuxStreamOptions, 'streamId'>): { ok: true; stream: MuxStream } | { ok: false }
  /** The stream with this id if it belongs to `userId`; another user's is as unknown as none. */
  find(streamId: string, userId: string): MuxStream | undefined
}

/**
 * One registry per proxy instance. Routes are module-level and receive the instance's
 * `Upstream` in their context, so that object keys the registry: two handlers never share
 * streams, and a dropped handler's registry goes with it.
 */
const registries = new WeakMap<Upstream, MuxRegistry>()

/** @internal The registry of the proxy instance that owns `upstream`. */
export function muxRegistryOf(upstream: Upstream): MuxRegistry {
  let registry = registries.get(upstream)
  if (registry === undefined) {
    registry = createMuxRegistry()
    registries.set(upstream, registry)
  }
  return registry
}

/** @internal An empty registry. */
export function createMuxRegistry(): MuxRegistry {
  const streams = new Map<string, MuxStream>()
  const perUser = new Map<string, number>()

  return {
    open(options) {
      const held = perUser.get(options.userId) ?? 0
      if (held >= MAX_MUX_STREAMS_PER_USER) return { ok: false }
      perUser.set(options.userId, held + 1)
      const streamId = newStreamId()
      const stream = createMuxStream({
        ...options,
        streamId,
        onEnd: (reason) => {
          streams.delete(streamId)
          const left = (perUser.get(options.userId) ?? 1) - 1
          if (left === 0) perUser.delete(options.userId)
          else perUser.set(options.userId, left)
          options.onEnd(reason)
        },
      })
      streams.set(streamId, stream)
      return { ok: true, stream }
    },
    find(streamId, userId) {
      const stream = streams.get(streamId)
      return stream?.userId === userId ? stream : undefined
    },
  }
}

/** 16 bytes from the platform CSPRNG as unpadded base64url (22 characters, 128 bits). */
function newStreamId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16))
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')
}
