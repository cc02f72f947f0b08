/**
 * HTTP request handling of the reference backend (DESIGN.md §2): routing, signature check,
 * validation, and the stream, history, send and presence routes. A plain node:http listener, so
 * it can be mounted on any `http.Server`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  DEFAULT_HISTORY_LIMIT,
  isCursor,
  isProjectId,
  MAX_HISTORY_LIMIT,
  MAX_REPLAY,
  MAX_TEXT_BYTES,
} from '../../protocol/limits'
import type {
  ConnectionEstablishedData,
  ErrorBody,
  HistoryResponse,
  PresenceStatus,
  ReplayEndData,
  SendMessageResponse,
} from '../../protocol/wire'
import { precheckRequest, verifyRequest } from '../signing'
import type { ChatService } from './chat-service'
import { readBody, sendError, sendJson } from './http-io'
import { createId } from './ids'
import { formatEvent } from './sse-format'
import type { MessageStore } from './store'
import type { StreamRegistry } from './streams'

/** @internal Options of {@link createBackendHandler}. */
export interface BackendHandlerOptions {
  secret: string
  acceptV1: boolean
  isMember(userId: string, projectId: string): boolean
  projectExists(projectId: string): boolean
  userExists(userId: string): boolean
  store: MessageStore
  streams: StreamRegistry
  chat: ChatService
  log(entry: Record<string, unknown>): void
}

/** @internal A node:http request listener plus the counter tests read. */
export interface BackendHandler {
  handle(request: IncomingMessage, response: ServerResponse): void
  /** Every request received, rejected ones included. */
  requestCount(): number
}

/**
 * A JSON body larger than this is refused unread. Twice the text limit plus room for the other
 * fields covers any text whose JSON escaping at most doubles it (quotes, backslashes, line
 * breaks); text made mostly of control characters (`\u0001`, six bytes each) may hit 413 first.
 */
const MAX_BODY_BYTES = 64 * 1024 + 4 * 1024
/** Seconds a client is asked to wait after a 429. */
const RETRY_AFTER_SECONDS = 5
/** User ids: printable ASCII without spaces, as an HTTP header value carries them unambiguously. */
const USER_ID_PATTERN = /^[\x21-\x7e]{1,128}$/
const CLIENT_MSG_ID_MAX_LENGTH = 128
const MODE_MAX_LENGTH = 64
const PRESENCE_STATUSES: readonly string[] = ['online', 'away', 'offline'] satisfies PresenceStatus[]

const ROUTE_PATTERN = /^\/v1\/projects\/([^/]+)\/chat\/(stream|messages|presence)$/

type Resource = 'stream' | 'messages' | 'presence'

const ALLOWED_METHODS: Record<Resource, readonly string[]> = {
  stream: ['GET'],
  messages: ['GET', 'POST'],
  presence: ['POST'],
}

/**
 * What a route answers, as data: a status with an optional JSON body (errors included), or
 * `handled` when the route wrote the response itself (an SSE stream, an aborted upload).
 */
type Reply = { status: number; body?: unknown; headers?: Record<string, string> | undefined } | 'handled'

function fail(status: number, code: string, message: string, headers?: Record<string, string>): Reply {
  const body: ErrorBody = { error: { code, message } }
  return { status, body, headers }
}

interface RouteContext {
  request: IncomingMessage
  response: ServerResponse
  userId: string
  projectId: string
  query: URLSearchParams
  body: Buffer
}

/** @internal Creates the backend's request listener; `startBackend` wires its dependencies. */
export function createBackendHandler(options: BackendHandlerOptions): BackendHandler {
  let requests = 0

  /** `trace` collects what the request log line reports. */
  async function serve(
    request: IncomingMessage,
    response: ServerResponse,
    trace: { userId?: string | undefined },
  ): Promise<Reply> {
    const url = request.url ?? '/'
    const queryStart = url.indexOf('?')
    const pathname = queryStart === -1 ? url : url.slice(0, queryStart)
    const match = ROUTE_PATTERN.exec(pathname)
    if (!match) return fail(404, 'not_found', 'no such route')
    const rawProjectId = match[1] ?? ''
    const resource = match[2] as Resource
    const method = request.method ?? 'GET'

    let body: Buffer = Buffer.alloc(0)
    if (method !== 'GET' && method !== 'HEAD') {
      // V2 signs the body hash, so the full check needs the body. Check everything else first:
      // an unsigned or stale request is refused without reading a byte of its body, and the
      // size cap bounds what a V2 forger can make us read.
      const precheck = precheckRequest({
        secret: options.secret,
        headers: request.headers,
        acceptV1: options.acceptV1,
      })
      if (!precheck.ok) return fail(401, precheck.code, precheck.message, { connection: 'close' })
      const read = await readBody(request, MAX_BODY_BYTES)
      if (!read.ok) {
        if (read.reason === 'aborted') {
          response.destroy()
          return 'handled'
        }
        // The rest of the body stays unread, so the connection cannot be reused.
        return fail(413, 'body_too_large', `body exceeds ${MAX_BODY_BYTES} bytes`, {
          connection: 'close',
        })
      }
      body = read.body
    }

    const verified = verifyRequest({
      secret: options.secret,
      method,
      pathWithQuery: url,
      headers: request.headers,
      body,
      acceptV1: options.acceptV1,
    })
    if (!verified.ok) return fail(401, verified.code, verified.message)
    const { userId } = verified
    if (!USER_ID_PATTERN.test(userId)) return fail(401, 'invalid_user', 'ill-formed user id')
    if (!options.userExists(userId)) return fail(401, 'unknown_user', 'unknown user')
    trace.userId = userId

    if (!ALLOWED_METHODS[resource].includes(method)) {
      return fail(405, 'method_not_allowed', `${method} is not allowed here`, {
        allow: ALLOWED_METHODS[resource].join(', '),
      })
    }
    if (!isProjectId(rawProjectId)) {
      return fail(400, 'invalid_project_id', 'project ids match ^[A-Za-z0-9_-]{1,64}$')
    }
    const projectId = rawProjectId
    if (!options.projectExists(projectId)) return fail(404, 'project_not_found', 'no such project')
    if (!options.isMember(userId, projectId)) {
      return fail(403, 'forbidden', 'not a member of this project')
    }

    const context: RouteContext = {
      request,
      response,
      userId,
      projectId,
      query: new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1)),
      body,
    }
    if (resource === 'stream') return openStream(context)
    if (resource === 'presence') return postPresence(context)
    return method === 'GET' ? getHistory(context) : postMessage(context)
  }

  function openStream({ request, response, userId, projectId, query }: RouteContext): Reply {
    // EventSource sends Last-Event-ID only when it has one, so an empty header means "none".
    const lastEventId = request.headers['last-event-id']
    const cursorText = lastEventId ? String(lastEventId) : (query.get('from_seq') ?? '0')
    if (!isCursor(cursorText)) {
      return fail(400, 'invalid_cursor', 'cursors are non-negative integers')
    }
    const cursor = Number(cursorText)

    // Registering before reading the replay is what makes the handoff lossless: anything
    // stored after the read below is published to this stream, buffered until the replay is
    // written, and anything the replay already holds is dropped by seq.
    const stream = options.streams.open(userId, projectId, response)
    if (!stream) {
      return fail(429, 'too_many_streams', 'too many open streams for this user', {
        'retry-after': String(RETRY_AFTER_SECONDS),
      })
    }

    const totalAvailable = options.store.countAfter(projectId, cursor)
    const { messages } = options.store.pageAfter(projectId, cursor, MAX_REPLAY)
    const established: ConnectionEstablishedData = {
      projectId,
      from_seq: cursor,
      connection_id: createId('conn'),
      timestamp: new Date().toISOString(),
    }
    let frames = formatEvent('connection.established', established, cursor)
    for (const message of messages) frames += formatEvent('message.replay', message, message.seq)
    const lastReplayedSeq = messages.at(-1)?.seq ?? cursor
    const replayEnd: ReplayEndData = {
      message:
        totalAvailable > messages.length
          ? `replayed ${messages.length} of ${totalAvailable}; fetch the rest from the history API`
          : `replayed ${messages.length}`,
      lastReplayedSeq,
      projectId,
      totalAvailable,
    }
    frames += formatEvent('replay.end', replayEnd)
    stream.finishReplay(frames, lastReplayedSeq)
    options.log({
      event: 'stream.open',
      userId,
      projectId,
      cursor,
      replayed: messages.length,
      totalAvailable,
    })
    return 'handled'
  }

  /**
   * `after_seq` pages forward (the first L after N), `before_seq` backward (the L just before
   * N). Both: the first L strictly between them, paging forward (`hasMore` = more inside the
   * window), which lets a client fill a gap it knows the bounds of. Neither: the latest L, as a
   * fresh client wants. `hasMore` always looks in the paging direction.
   */
  function getHistory({ projectId, query }: RouteContext): Reply {
    const afterText = query.get('after_seq')
    const beforeText = query.get('before_seq')
    const limitText = query.get('limit')
    if ((afterText !== null && !isCursor(afterText)) || (beforeText !== null && !isCursor(beforeText))) {
      return fail(400, 'invalid_cursor', 'after_seq and before_seq are non-negative integers')
    }
    const limit = limitText === null ? DEFAULT_HISTORY_LIMIT : Number(limitText)
    if (limitText !== null && (!isCursor(limitText) || limit < 1 || limit > MAX_HISTORY_LIMIT)) {
      return fail(400, 'invalid_limit', `limit is an integer from 1 to ${MAX_HISTORY_LIMIT}`)
    }
    const before = beforeText === null ? undefined : Number(beforeText)
    const page =
      afterText === null
        ? options.store.pageBefore(projectId, before, limit)
        : options.store.pageAfter(projectId, Number(afterText), limit, before)
    const body: HistoryResponse = { ...page, latestSeq: options.store.latestSeq(projectId) }
    return { status: 200, body }
  }

  function postMessage({ userId, projectId, body }: RouteContext): Reply {
    const parsed = parseJson(body)
    if (!parsed.ok) return fail(400, 'invalid_json', 'body is not JSON')
    const input = parsed.value
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return fail(400, 'invalid_body', 'body must be a JSON object')
    }
    const { client_msg_id: clientMsgId, text, mode, target } = input as Record<string, unknown>
    if (
      typeof clientMsgId !== 'string' ||
      clientMsgId.length < 1 ||
      clientMsgId.length > CLIENT_MSG_ID_MAX_LENGTH
    ) {
      return fail(400, 'invalid_body', `client_msg_id is a string of 1 to ${CLIENT_MSG_ID_MAX_LENGTH}`)
    }
    if (typeof text !== 'string' || text.trim() === '') {
      return fail(400, 'invalid_body', 'text is a non-empty string')
    }
    if (Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES) {
      return fail(413, 'text_too_large', `text exceeds ${MAX_TEXT_BYTES} UTF-8 bytes`)
    }
    if (
      mode !== undefined &&
      (typeof mode !== 'string' || mode.length < 1 || mode.length > MODE_MAX_LENGTH)
    ) {
      return fail(400, 'invalid_body', `mode is a string of 1 to ${MODE_MAX_LENGTH}`)
    }
    // `target` is validated for the contract but not stored: MessageData has no field for it.
    if (target !== undefined && target !== 'ai' && target !== 'team') {
      return fail(400, 'invalid_body', 'target is "ai" or "team"')
    }

    const result = options.chat.post({
      projectId,
      userId,
      clientMsgId,
      content: { text, type: 'user', mode: mode ?? 'build', actor_type: 'client' },
      metadata: { build_id: null, response_data: null },
    })
    const reply: SendMessageResponse = result
    return { status: result.duplicate ? 200 : 201, body: reply }
  }

  function postPresence({ userId, projectId, body }: RouteContext): Reply {
    const parsed = parseJson(body)
    if (!parsed.ok) return fail(400, 'invalid_json', 'body is not JSON')
    const status = (parsed.value as { status?: unknown } | null)?.status
    if (typeof status !== 'string' || !PRESENCE_STATUSES.includes(status)) {
      return fail(400, 'invalid_body', 'status is "online", "away" or "offline"')
    }
    options.chat.presence(projectId, userId, status as PresenceStatus)
    return { status: 204 }
  }

  return {
    handle(request, response) {
      requests++
      const started = performance.now()
      const trace: { userId?: string | undefined } = {}
      response.once('close', () => {
        options.log({
          event: 'request',
          method: request.method,
          // The path only: queries carry nothing secret, but keep log lines short and uniform.
          path: request.url?.split('?', 1)[0],
          status: response.statusCode,
          userId: trace.userId,
          ms: Math.round(performance.now() - started),
        })
      })
      serve(request, response, trace).then(
        (reply) => {
          if (reply === 'handled') return
          if (reply.body === undefined) response.writeHead(reply.status, reply.headers).end()
          else sendJson(response, reply.status, reply.body, reply.headers)
        },
        (error: unknown) => {
          options.log({ event: 'error', message: error instanceof Error ? error.message : String(error) })
          if (!response.headersSent) sendError(response, 500, 'internal_error', 'internal error')
          else response.destroy()
        },
      )
    },
    requestCount: () => requests,
  }
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) }
  } catch {
    return { ok: false }
  }
}
