/**
 * The message store of the reference backend: one SQLite table (better-sqlite3), per-project
 * contiguous `seq`, idempotent appends by `client_msg_id`, and the range reads that replay and
 * history need.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import type { MessageContent, MessageData, MessageMetadata } from '../../protocol/wire'
import { createId } from './ids'

/** @internal What {@link MessageStore.append} needs; the store assigns seq, id and time. */
export interface NewMessage {
  projectId: string
  userId: string
  clientMsgId: string | null
  content: MessageContent
  metadata: MessageMetadata
}

/** @internal The outcome of an append: the stored message, and whether it existed already. */
export interface AppendResult {
  message: MessageData
  duplicate: boolean
}

/** @internal One page of messages, ascending by seq. */
export interface MessagePage {
  messages: MessageData[]
  /** Whether more messages exist beyond the page, in the direction of paging. */
  hasMore: boolean
}

/** @internal The SQLite-backed message store. All calls are synchronous. */
export interface MessageStore {
  /**
   * Inserts a message with the next seq of its project, or returns the original when its
   * `client_msg_id` was seen before in that project.
   */
  append(message: NewMessage): AppendResult
  /** The highest seq of a project; 0 when it has no messages. */
  latestSeq(projectId: string): number
  /** How many messages have `seq > cursor`. */
  countAfter(projectId: string, cursor: number): number
  /** The first `limit` messages with `seq > afterSeq` (and `< beforeSeq` when given). */
  pageAfter(projectId: string, afterSeq: number, limit: number, beforeSeq?: number): MessagePage
  /** The last `limit` messages with `seq < beforeSeq` (all seqs when omitted), ascending. */
  pageBefore(projectId: string, beforeSeq: number | undefined, limit: number): MessagePage
  close(): void
}

/**
 * better-sqlite3 is an optional peer dependency of the package (a native module a browser app must
 * not have to build), so it is loaded when a store opens, with an error that says what to install.
 */
function loadSqlite(): typeof BetterSqlite3 {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'MODULE_NOT_FOUND') {
      throw new Error(
        'persistent-chat/backend needs better-sqlite3, an optional peer dependency: run `npm install better-sqlite3@12`',
        { cause: error },
      )
    }
    throw error
  }
}

interface MessageRow {
  project_id: string
  seq: number
  message_id: string
  client_msg_id: string | null
  user_id: string
  content: string
  timestamp: string
  metadata: string
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  project_id    TEXT    NOT NULL,
  seq           INTEGER NOT NULL,
  message_id    TEXT    NOT NULL,
  client_msg_id TEXT,
  user_id       TEXT    NOT NULL,
  content       TEXT    NOT NULL,
  timestamp     TEXT    NOT NULL,
  metadata      TEXT    NOT NULL,
  PRIMARY KEY (project_id, seq),
  UNIQUE (project_id, client_msg_id)
) WITHOUT ROWID;
`
// SQLite treats NULLs as distinct in UNIQUE constraints, so assistant and system messages
// (client_msg_id NULL) never collide with each other.

/** Stands for "no upper bound" in range reads, so one prepared statement serves both cases. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER

/**
 * @internal Opens (and creates) the store. A file path gets its parent folder created and WAL
 * journaling, so history reads never block on the writer; `:memory:` is for tests.
 */
export function openMessageStore(path: string): MessageStore {
  const inMemory = path === ':memory:' || path === ''
  if (!inMemory) mkdirSync(dirname(path), { recursive: true })
  const Database = loadSqlite()
  const db = new Database(path)
  if (!inMemory) db.pragma('journal_mode = WAL')
  // With WAL, NORMAL loses at most the last transactions on power loss, never corrupts: fine
  // for a reference backend, and it keeps appends cheap.
  db.pragma('synchronous = NORMAL')
  db.exec(SCHEMA)

  const selectByClientId = db.prepare<[string, string], MessageRow>(
    'SELECT * FROM messages WHERE project_id = ? AND client_msg_id = ?',
  )
  const selectLatestSeq = db.prepare<[string], { seq: number }>(
    'SELECT COALESCE(MAX(seq), 0) AS seq FROM messages WHERE project_id = ?',
  )
  const insert = db.prepare<[MessageRow]>(
    `INSERT INTO messages (project_id, seq, message_id, client_msg_id, user_id, content, timestamp, metadata)
     VALUES (@project_id, @seq, @message_id, @client_msg_id, @user_id, @content, @timestamp, @metadata)`,
  )
  const selectCountAfter = db.prepare<[string, number], { count: number }>(
    'SELECT COUNT(*) AS count FROM messages WHERE project_id = ? AND seq > ?',
  )
  const selectAfter = db.prepare<[string, number, number, number], MessageRow>(
    'SELECT * FROM messages WHERE project_id = ? AND seq > ? AND seq < ? ORDER BY seq ASC LIMIT ?',
  )
  const selectBefore = db.prepare<[string, number, number], MessageRow>(
    'SELECT * FROM messages WHERE project_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
  )

  // IMMEDIATE takes the write lock before reading MAX(seq), so two processes sharing the file
  // cannot both compute the same next seq; within this process calls are already serial.
  const appendTransaction = db.transaction((message: NewMessage): AppendResult => {
    if (message.clientMsgId !== null) {
      const existing = selectByClientId.get(message.projectId, message.clientMsgId)
      if (existing) return { message: toMessage(existing), duplicate: true }
    }
    const seq = (selectLatestSeq.get(message.projectId)?.seq ?? 0) + 1
    const row: MessageRow = {
      project_id: message.projectId,
      seq,
      message_id: createId('msg'),
      client_msg_id: message.clientMsgId,
      user_id: message.userId,
      content: JSON.stringify(message.content),
      timestamp: new Date().toISOString(),
      metadata: JSON.stringify(message.metadata),
    }
    insert.run(row)
    return { message: toMessage(row), duplicate: false }
  })

  return {
    append: (message) => appendTransaction.immediate(message),
    latestSeq: (projectId) => selectLatestSeq.get(projectId)?.seq ?? 0,
    countAfter: (projectId, cursor) => selectCountAfter.get(projectId, cursor)?.count ?? 0,
    pageAfter(projectId, afterSeq, limit, beforeSeq) {
      // One extra row tells whether there is more without a second query.
      const rows = selectAfter.all(projectId, afterSeq, beforeSeq ?? MAX_SEQ, limit + 1)
      const hasMore = rows.length > limit
      return { messages: rows.slice(0, limit).map(toMessage), hasMore }
    },
    pageBefore(projectId, beforeSeq, limit) {
      const rows = selectBefore.all(projectId, beforeSeq ?? MAX_SEQ, limit + 1)
      const hasMore = rows.length > limit
      return { messages: rows.slice(0, limit).reverse().map(toMessage), hasMore }
    },
    close: () => db.close(),
  }
}

function toMessage(row: MessageRow): MessageData {
  return {
    seq: row.seq,
    messageId: row.message_id,
    client_msg_id: row.client_msg_id,
    projectId: row.project_id,
    userId: row.user_id,
    content: JSON.parse(row.content) as MessageContent,
    timestamp: row.timestamp,
    metadata: JSON.parse(row.metadata) as MessageMetadata,
  }
}
