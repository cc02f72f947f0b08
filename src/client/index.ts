/** Package entry `persistent-chat/client`: what a tab imports. */

export type {
  ConnectionStatus,
  ConnectionStatusName,
  HubStats,
  OutboxEntry,
  PersistentChatMessage,
  ProjectStats,
  SessionEvent,
} from '../protocol'
export type { ChatClient, ChatClientOptions } from './client'
export { createChatClient } from './client'
export type { ProjectView } from './message-list'
export type { ChatProject } from './project'
