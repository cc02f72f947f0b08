/**
 * Spec: what the tabs are told while the hub pages a gap. A gap that would grow their lists by
 * more than `maxTabBackfill` is paged into the store without telling them; they get one `reset`
 * with the newest window once the hub is within `windowSize` of the latest — or at once, should
 * the paging stop short of it.
 */
import { expect, test } from 'vitest'
import { type ChannelEffect, snapshotOf } from '../../../src/hub/core'
import { behind as behindBy, historyAsked, only, page, range, type SpecChannel, toldSeqs } from './spec'

const CONFIG = { maxBackfill: 10_000, windowSize: 500, maxTabBackfill: 1_000 }

/** A channel holding 1…10 that has learned the backend holds up to `latestSeq`: the check of seq 10 is asked. */
function behind(latestSeq: number) {
  const { c, fx } = behindBy(latestSeq, CONFIG)
  expect(historyAsked(fx)).toEqual(['after 9'])
  return { c, fx }
}

/**
 * Answer each page (200 at a time, from `from`) up to `to`, finishing every write as it starts:
 * the effects of each answer, the hub's highSeq after it, and the seqs written.
 */
function pageThrough(c: SpecChannel, first: ChannelEffect[], from: number, to: number, latestSeq: number) {
  const steps: ChannelEffect[][] = []
  const highs: number[] = []
  const written: number[] = []
  let fx = first
  for (let low = from; low < to; low += 199) {
    fx = c.answer(fx, page(low, Math.min(low + 199, to), latestSeq))
    steps.push(fx)
    highs.push(c.state.record?.highSeq ?? 0)
    for (let commits = only(fx, 'commit'); commits.length > 0; ) {
      written.push(...commits.flatMap((e) => e.batch.messages.map((m) => m.seq)))
      commits = commits.flatMap((e) => only(c.input({ type: 'commit_done', commit: e.commit }), 'commit'))
    }
  }
  return { steps, highs, written }
}

const resets = (effects: ChannelEffect[]) => only(effects, 'emit_reset').length

test('a catch-up beyond maxTabBackfill tells the tabs nothing while it pages, then one reset with the newest window; every page is written', () => {
  const { c, fx } = behind(3_010)
  const { steps, highs, written } = pageThrough(c, fx, 10, 3_010, 3_010)

  const told = steps.map((effects) => ({ seqs: toldSeqs(effects), resets: resets(effects) }))
  const resetAt = told.findIndex((t) => t.resets > 0)
  // Pages are told nothing until the one that brings the hub within 500 of the latest.
  expect(told.slice(0, resetAt).every((t) => t.seqs.length === 0 && t.resets === 0)).toBe(true)
  expect(told[resetAt]).toEqual({ seqs: [], resets: 1 })
  const highAtReset = highs[resetAt] ?? 0
  expect(3_010 - highAtReset).toBeLessThan(500)
  expect(3_010 - (highs[resetAt - 1] ?? 0)).toBeGreaterThanOrEqual(500)
  // The pages after it are told as usual.
  expect(told.slice(resetAt + 1).flatMap((t) => t.seqs)).toEqual(range(highAtReset + 1, 3_010))
  expect(told.slice(resetAt + 1).every((t) => t.resets === 0)).toBe(true)

  // Every message was written, in order, once.
  expect(written).toEqual(range(11, 3_010))
  const snapshot = snapshotOf(c.state, [])
  expect(snapshot.range).toEqual({ lowSeq: highAtReset - 499, highSeq: 3_010 })
  expect(snapshot.hasOlder).toBe(true)
})

test('a tab subscribing while the tabs are untold gets the newest 500 accepted, its range that of its messages', () => {
  const { c, fx } = behind(3_010)
  const [firstPage] = pageThrough(c, fx, 10, 408, 3_010).steps
  expect(toldSeqs(firstPage ?? [])).toEqual([])

  const snapshot = snapshotOf(c.state, [])
  // (The cached 1…10 among them: fewer than 500 are held.)
  expect(snapshot.messages.map((m) => m.seq)).toEqual(range(1, 408))
  expect(snapshot.range).toEqual({ lowSeq: 1, highSeq: 408, latestSeq: 3_010 })
})

test('a catch-up within maxTabBackfill is told page by page', () => {
  const { c, fx } = behind(1_010)
  const { steps } = pageThrough(c, fx, 10, 1_010, 1_010)
  expect(steps.flatMap(toldSeqs)).toEqual(range(11, 1_010))
  expect(steps.map(resets)).toEqual(steps.map(() => 0))
})

test('paging that stops short (a failed page) gives the tabs their reset at once: they never wait out a backoff for what the hub holds', () => {
  const { c, fx } = behind(3_010)
  const [firstPage] = pageThrough(c, fx, 10, 209, 3_010).steps
  expect(historyAsked(firstPage ?? [])).toEqual(['after 208'])
  expect(resets(firstPage ?? [])).toBe(0)

  const failed = c.refuse(firstPage ?? [], { kind: 'retry', reason: '502' })
  expect(resets(failed)).toBe(1)
  expect(snapshotOf(c.state, []).range).toEqual({ lowSeq: 1, highSeq: 209, latestSeq: 3_010 })

  // Paging resumes, untold again: the tabs (now holding 1…209) would still take 2,801 more.
  const retry = c.input({ type: 'timer', name: 'history_retry' })
  expect(historyAsked(retry)).toEqual(['after 208'])
  const next = c.answer(retry, page(209, 408, 3_010))
  expect(toldSeqs(next)).toEqual([])
  expect(resets(next)).toBe(0)
})
