import { expectTypeOf, test } from 'vitest'
import type { PersistentChatMessage } from '../../src/protocol'
import type { ChatStore, CommitBatch, ProjectLoad, StoredMessage } from '../../src/store'

test('a StoredMessage always has a numeric seq, unlike an optimistic message', () => {
  expectTypeOf<StoredMessage['seq']>().toEqualTypeOf<number>()
  expectTypeOf<Pick<StoredMessage, 'seq'>>().toEqualTypeOf<{ seq: number }>()
  expectTypeOf<StoredMessage>().toExtend<PersistentChatMessage>()
  expectTypeOf<PersistentChatMessage>().not.toExtend<StoredMessage>()
})

test('ChatStore.commit takes a project id and a CommitBatch', () => {
  expectTypeOf<ChatStore['commit']>().parameters.toEqualTypeOf<[projectId: string, batch: CommitBatch]>()
  expectTypeOf<ChatStore['commit']>().returns.toEqualTypeOf<Promise<void>>()
  expectTypeOf<CommitBatch['messages']>().toEqualTypeOf<StoredMessage[]>()
})

test('ChatStore loads return stored messages, so every loaded message has a seq', () => {
  expectTypeOf<ChatStore['loadProject']>().returns.toEqualTypeOf<Promise<ProjectLoad>>()
  expectTypeOf<ProjectLoad['messages']>().toEqualTypeOf<StoredMessage[]>()
  expectTypeOf<ChatStore['loadBefore']>().returns.toEqualTypeOf<Promise<StoredMessage[]>>()
})
