/**
 * The replay→live handoff under a real race: streams open at staggered moments while another
 * client posts 500 messages over several concurrent connections. Every stream must see each
 * seq exactly once across replay, live and (beyond the 200-message replay cap) history.
 */
import { Agent } from 'node:http'
import { afterEach, beforeEach, expect, test } from 'vitest'
import type { HistoryResponse, MessageData, ReplayEndData } from '../../src/protocol/wire'
import { type BackendClient, chatPaths, startTestBackend, type TestStream } from '../helpers/backend-client'

let backend: Awaited<ReturnType<typeof startTestBackend>>['backend']
let client: BackendClient
let agent: Agent

beforeEach(async () => {
  ;({ backend, client } = await startTestBackend())
  agent = new Agent({ keepAlive: true, maxSockets: 8 })
})
afterEach(async () => {
  agent.destroy()
  await backend.close()
})

const TOTAL = 500
const PROJECT = 'race'

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)
}

async function historyBetween(after: number, upTo: number): Promise<number[]> {
  const seqs: number[] = []
  let cursor = after
  while (cursor < upTo) {
    const response = await client.request({
      path: `${chatPaths(PROJECT).messages}?after_seq=${cursor}&before_seq=${upTo + 1}&limit=200`,
      userId: 'user_reader',
    })
    const page = response.json<HistoryResponse>()
    seqs.push(...page.messages.map((message) => message.seq))
    cursor = page.messages.at(-1)?.seq ?? upTo
  }
  return seqs
}

test('streams opened while 500 messages are posted see every seq exactly once', async () => {
  // Arrange: when the n-th acknowledgement arrives, open a stream from a cursor behind it.
  const plan = [0, 1, 40, 90, 150, 210, 260, 300, 350, 420, 470, 499].flatMap((acks, i) => [
    { acks, cursor: 0, userId: `user_${i}_a` },
    { acks, cursor: Math.max(0, acks - 17), userId: `user_${i}_b` },
  ])
  const opening: Array<Promise<{ stream: TestStream; cursor: number }>> = []
  let acknowledged = 0
  const openDue = () => {
    for (const entry of plan) {
      if (entry.acks === acknowledged) {
        opening.push(
          client
            .openStream({ projectId: PROJECT, userId: entry.userId, fromSeq: entry.cursor })
            .then((stream) => ({ stream, cursor: entry.cursor })),
        )
      }
    }
  }

  // Act: post concurrently, opening streams as acknowledgements come in.
  openDue()
  await Promise.all(
    range(1, TOTAL).map(async (n) => {
      const response = await client.request({
        method: 'POST',
        path: chatPaths(PROJECT).messages,
        userId: 'user_writer',
        body: JSON.stringify({ client_msg_id: `c${n}`, text: `message ${n}` }),
        agent,
      })
      expect(response.status).toBe(201)
      acknowledged++
      openDue()
    }),
  )
  const streams = await Promise.all(opening)
  expect(streams).toHaveLength(plan.length)
  // Done when seq TOTAL arrived, or when it already existed at open (replay or history has it).
  for (const { stream, cursor } of streams) {
    await stream.until(() => {
      const end = stream.data<ReplayEndData>('replay.end')[0]
      return (
        end !== undefined &&
        (cursor + end.totalAvailable === TOTAL || stream.events.at(-1)?.id === String(TOTAL))
      )
    })
  }

  // Assert: replay ∪ live ∪ history gap = (cursor, TOTAL], each exactly once.
  let raced = 0
  let capped = 0
  for (const { stream, cursor } of streams) {
    const names = stream.events.map((event) => event.event)
    const endIndex = names.indexOf('replay.end')
    expect(names[0]).toBe('connection.established')
    expect(names.slice(1, endIndex).every((name) => name === 'message.replay')).toBe(true)
    expect(names.slice(endIndex + 1).every((name) => name === 'message.new')).toBe(true)

    const end = stream.data<ReplayEndData>('replay.end')[0] as ReplayEndData
    const replayed = stream.data<MessageData>('message.replay').map((message) => message.seq)
    const live = stream.data<MessageData>('message.new').map((message) => message.seq)
    const latestAtOpen = cursor + end.totalAvailable
    expect(replayed).toEqual(range(cursor + 1, end.lastReplayedSeq))
    expect(end.lastReplayedSeq).toBe(cursor + Math.min(200, end.totalAvailable))
    expect(live).toEqual(range(latestAtOpen + 1, TOTAL))
    const fetched = await historyBetween(end.lastReplayedSeq, latestAtOpen)
    expect([...replayed, ...fetched, ...live]).toEqual(range(cursor + 1, TOTAL))

    if (replayed.length > 0 && live.length > 0) raced++
    if (end.totalAvailable > 200) capped++
  }
  // The race was real: streams met both a non-empty replay and live traffic, some past the cap.
  expect(raced).toBeGreaterThan(plan.length / 2)
  expect(capped).toBeGreaterThan(0)
})
