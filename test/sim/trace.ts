/** One line per core input or effect, for the debug trace of a simulation run. */
import type { ChannelEffect, ChannelInput } from '../../src/hub/core'

/** @internal A short line for a debug trace. */
export function describeItem(item: ChannelInput | ChannelEffect): string {
  switch (item.type) {
    case 'stream_chunk':
      return `stream_chunk ${item.connection} ${item.events.map((e) => `${e.event}#${e.id}`).join(' ')}`
    case 'history_result':
      return `history_result ${item.request} ${item.result.ok ? `${item.result.page.messages[0]?.seq}..${item.result.page.messages.at(-1)?.seq} latest ${item.result.page.latestSeq}` : item.result.failure.kind}`
    case 'cache_loaded':
      return `cache_loaded ${JSON.stringify(item.record)} ${item.messages.length}`
    case 'acknowledged':
      return `acknowledged ${item.data.seq} ${item.data.client_msg_id}`
    case 'commit':
      return `commit ${item.commit} ${item.batch.reset ? 'reset ' : ''}${item.batch.messages[0]?.seq}..${item.batch.messages.at(-1)?.seq} ${JSON.stringify(item.batch.record)}`
    case 'emit':
      return `emit ${item.changes.map((c) => (c.type === 'messages' ? `messages ${c.messages[0]?.seq}..${c.messages.at(-1)?.seq}` : c.type === 'status' ? `status ${c.status.status}` : c.type)).join(', ')}`
    case 'answer_older':
      return `answer_older ${item.request} ${item.answer.ok ? `${item.answer.messages[0]?.seq}..${item.answer.messages.at(-1)?.seq}` : item.answer.reason}`
    default:
      return JSON.stringify(item)
  }
}
