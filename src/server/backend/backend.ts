/**
 * `startBackend`: wires store, stream registry, chat service, demo assistant and routes onto a
 * node:http server, and tears them down in order.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEFAULT_HEARTBEAT_MS, MAX_STREAMS_PER_USER } from '../../protocol/limits'
import type { MessageContent, MessageData, MessageMetadata } from '../../protocol/wire'
import { type Assistant, createAssistant } from './assistant'
import { createChatService } from './chat-service'
import { createBackendHandler } from './routes'
import { openMessageStore } from './store'
import { createStreamRegistry } from './streams'

/** @public Options of {@link startBackend}. */
export interface BackendOptions {
  /** Bind address; default `127.0.0.1`. */
  host?: string | undefined
  /** Port; 0 (the default) picks any free port. */
  port?: number | undefined
  /** SQLite file; default `.data/backend.sqlite`; `:memory:` for tests. */
  dbPath?: string | undefined
  /** HMAC secret shared with the proxy (`WORKER_SHARED_SECRET`). */
  secret: string
  /** Heartbeat interval of quiet streams; default 20000 (`HEARTBEAT_MS`); 0 sends none. */
  heartbeatMs?: number | undefined
  /** Accept requests signed with V1 only; default true (`HMAC_ACCEPT_V1`). */
  acceptV1?: boolean | undefined
  /** Membership check (403 when false); default: the project id does not start with `private_`. */
  isMember?: ((userId: string, projectId: string) => boolean) | undefined
  /** Existence check (404 when false); default: every valid project id exists. */
  projectExists?: ((projectId: string) => boolean) | undefined
  /** Whether a signed user id is known (401 when false); default: every well-formed id. */
  userExists?: ((userId: string) => boolean) | undefined
  /** Delay of the demo assistant's reply, and again of its completion message; default 300. */
  assistantDelayMs?: number | undefined
  /** Structured log sink; entries never contain secrets or signatures. Default: silent. */
  log?: ((entry: Record<string, unknown>) => void) | undefined
}

/** @public Options of {@link RunningBackend.append}. */
export interface AppendOptions {
  clientMsgId?: string | undefined
  mode?: string | undefined
  /** Message kind and metadata, e.g. to store a system message with a build report. */
  type?: MessageContent['type'] | undefined
  metadata?: MessageMetadata | undefined
}

/** @public A started backend. */
export interface RunningBackend {
  /** Base URL, e.g. `http://127.0.0.1:8081`. */
  url: string
  port: number
  /** Currently open SSE streams, of everyone or of one user. */
  openStreams(userId?: string): number
  /** The projects a user has open streams on, sorted (tests check which upstreams are open). */
  openStreamProjects(userId: string): string[]
  /** Every HTTP request received, rejected ones included (tests count upstream calls). */
  requestCount(): number
  /**
   * Stores a user message directly, without HTTP or signing, and pushes it to the project's
   * streams exactly as a POST would (the demo assistant reacts to it too).
   */
  append(projectId: string, userId: string, text: string, options?: AppendOptions): MessageData
  /** The highest seq of a project; 0 when it has none. */
  latestSeq(projectId: string): number
  /** Ends every stream, cancels assistant timers, closes the server and the database. */
  close(): Promise<void>
}

const DEFAULT_DB_PATH = '.data/backend.sqlite'
const DEFAULT_ASSISTANT_DELAY_MS = 300

/** @public Starts the reference backend (DESIGN.md §2) and resolves once it listens. */
export async function startBackend(options: BackendOptions): Promise<RunningBackend> {
  if (!options.secret) throw new TypeError('startBackend: `secret` is required (WORKER_SHARED_SECRET)')
  const host = options.host ?? '127.0.0.1'
  const log = options.log ?? (() => {})

  const store = openMessageStore(options.dbPath ?? DEFAULT_DB_PATH)
  const streams = createStreamRegistry({
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    maxStreamsPerUser: MAX_STREAMS_PER_USER,
  })
  // The assistant posts through the chat service, which notifies the assistant: the late
  // binding breaks that cycle.
  let assistant: Assistant | undefined
  const chat = createChatService({ store, streams, onNewMessage: (message) => assistant?.onMessage(message) })
  assistant = createAssistant({
    delayMs: options.assistantDelayMs ?? DEFAULT_ASSISTANT_DELAY_MS,
    post: (message) => void chat.post(message),
  })
  const handler = createBackendHandler({
    secret: options.secret,
    acceptV1: options.acceptV1 ?? true,
    isMember: options.isMember ?? ((_userId, projectId) => !projectId.startsWith('private_')),
    projectExists: options.projectExists ?? (() => true),
    userExists: options.userExists ?? (() => true),
    store,
    streams,
    chat,
    log,
  })

  const server = createServer(handler.handle)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    store.close()
    throw error
  }
  const { port } = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  log({ event: 'backend.listening', url })

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    openStreams: (userId) => streams.count(userId),
    openStreamProjects: (userId) => streams.projectsOf(userId),
    requestCount: handler.requestCount,
    append(projectId, userId, text, appendOptions = {}) {
      return chat.post({
        projectId,
        userId,
        clientMsgId: appendOptions.clientMsgId ?? null,
        content: {
          text,
          type: appendOptions.type ?? 'user',
          mode: appendOptions.mode ?? 'build',
          actor_type:
            appendOptions.type === undefined || appendOptions.type === 'user' ? 'client' : appendOptions.type,
        },
        metadata: appendOptions.metadata ?? { build_id: null, response_data: null },
      }).message
    },
    latestSeq: (projectId) => store.latestSeq(projectId),
    close() {
      closing ??= new Promise<void>((resolve) => {
        assistant?.close()
        streams.closeAll()
        server.close(() => {
          store.close()
          log({ event: 'backend.closed' })
          resolve()
        })
        // Idle keep-alive sockets would otherwise hold server.close() open for seconds.
        server.closeAllConnections()
      })
      return closing
    },
  }
}
