/** Package entry `persistent-chat/client`: what a tab imports. */

export type {
  ConnectionStatus,
  ConnectionStatusName,
  HubMode,
  HubStats,
  LogEntry,
  LogLevel,
  OutboxEntry,
  PersistentChatMessage,
  ProjectStats,
  SessionEvent,
} from '../protocol'
export type { AttachState, ModeChange } from './attach/attachment'
export type { ChatClient, ChatClientOptions } from './client'
export { createChatClient } from './client'
export type { ProjectView } from './message-list'
export type { ChatProject } from './project'
