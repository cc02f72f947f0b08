/**
 * Named regression runs: the seeds that found bugs (each failed before its fix when it was found;
 * a later change to the core can move a seed's trajectory, so a rule may name a second seed that
 * fails today without its fix — 143 breaks with the old `prependOlder` of bdb58e6: "tab_6 (sim_a):
 * seq 345 where 16 was due (holds 10–15, 345–351)"), and the two scenarios of the bugs found from
 * outside, scripted as plans.
 */
import { expect, test } from 'vitest'
import { createRandom } from '../helpers/random'
import type { FaultRates } from './backend'
import { type Action, planFor, runSeed, type SimPlan } from './scenario'

/**
 * Seeds found before history requests could be answered 429: each runs without that fault, so it
 * plays the scenario it was found in (a seed found since goes in a list run as `runSeed(seed)`).
 */
const FOUND_BEFORE_HISTORY_429: Array<[number, string]> = [
  [
    143,
    'a scrollback answer that arrives after a new window is not prepended: two windows are never joined (bug 2’s hole)',
  ],
  [236, 'the same rule; this seed found it, before later changes to the core moved its trajectory'],
  [7, 'sends acknowledged before a data reset are settled, not shown as optimistic forever'],
  [93, 'a channel started again settles the sends its predecessor held as acknowledged'],
  [90, 'a gap page from a replaced log is never appended to the old one (every page overlaps one message)'],
  [492, 'a scrollback page from a replaced log is never prepended (scrollback overlaps one message)'],
  [1467, 'messages held before a new window are not trusted after it'],
  [1967, 'a reconnect after a new window still checks the log'],
  [72, 'a channel whose first inputs are acknowledgements is not dropped before it starts'],
  [
    1412749486,
    'after a new window, the open stream catching up below it costs no history request per event (a 20-minute run found it)',
  ],
  [
    1521057330,
    'a scrollback page from a log that now ends below what we hold is a data reset, not older rows',
  ],
  [696497845, 'a data reset ends the open stream: an old-log event in flight on it is never accepted'],
  [1325650744, 'while a new window is on its way, held replay messages are not joined to the old range'],
  [
    770566314,
    'a new window confirms every send it holds, also below the rows a snapshot shows: none stays optimistic',
  ],
  [
    739571685,
    'a tab that subscribes hidden gets its snapshot: the channel starts for it, as the session does (a model-hub bug)',
  ],
  [
    1714873657,
    'a send settled by its echo after a data reset is looked for in the log that held it (a model-outbox bug)',
  ],
  [
    302267388,
    'the first stream after a new window checks the message at highSeq: the log was replaced between the window and the stream',
  ],
  [
    658632674,
    'a malformed message event at a seq we hold is another log’s, maybe: the log is checked before more is accepted',
  ],
  [
    279218651,
    'older messages from the cache that echo a send still shown as optimistic replace it in the tab',
  ],
  [1939371329, 'a stopped channel serving a scrollback ends its history request when it is stopped again'],
  [
    939522403,
    'a send acknowledged while no stream is open waits for the next one to check the log: it may be another log’s (a 6-minute run found it)',
  ],
  [
    1204081598,
    'no page is asked ahead while history is retrying: a backend over-reporting its latest seq costs one request per retry, not two (a 5-minute run found it)',
  ],
  [
    1591424599,
    'a send acknowledged by the old log and held for a gap is never joined to the page of the new log that fills it (a 5-minute run found it)',
  ],
]

for (const [seed, rule] of FOUND_BEFORE_HISTORY_429) {
  test(`seed ${seed}: ${rule}`, () => {
    const plan = planFor(seed)
    const result = runSeed(seed, { ...plan, rates: { ...plan.rates, history429: 0 } })
    expect(result.violation).toBeUndefined()
  })
}

const NO_FAULTS: FaultRates = {
  streamStatus: 0,
  stream429: 0,
  stream401: 0,
  cut: 0,
  stall: 0,
  malformed: 0,
  duplicate: 0,
  earlier: 0,
  unknown: 0,
  split: 0,
  historyStatus: 0,
  history429: 0,
  sendStatus: 0,
  sendLost: 0,
  maxDelayMs: 20,
}

test('bug 1: an empty cache and a backend whose answer without a cursor is the OLDEST page — every tab reaches the latest messages', () => {
  const plan: SimPlan = {
    ...planFor(1),
    variant: {
      replayLimit: 200,
      heartbeatMs: 5_000,
      historyCap: 200,
      totalAvailable: 'exact',
      noCursor: 'oldest',
      resetCutsStreams: true,
    },
    rates: NO_FAULTS,
    config: {
      pageSize: 200,
      maxBackfill: 10_000,
      windowSize: 500,
      maxTabBackfill: 5_000,
      prefetchHistory: true,
      closeWhenAllHiddenMs: null,
    },
    projects: ['sim_a'],
    slots: [{ project: 0 }, { project: 0 }, { project: 0 }],
    transport: { kind: 'per-project' },
    faultMs: 30_000,
    actions: [
      { at: 0, kind: 'append', project: 0, count: 1500 },
      ...[0, 1, 2].map((slot): Action => ({ at: 100, kind: 'open', slot })),
      ...Array.from(
        { length: 30 },
        (_, i): Action => ({ at: 1_000 + i * 500, kind: 'append', project: 0, count: 1 }),
      ),
      { at: 5_000, kind: 'send', slot: 1 },
    ],
  }
  expect(runSeed(1, plan).violation).toBeUndefined()
})

/**
 * Bug 2 as reported: 8 tabs on one project; ~12 % of stream events faulted (cuts mid-character,
 * stalls of 10–90 s, malformed frames with a real id, duplicates and earlier events again,
 * fragments, unknown events); 30 % of stream requests 5xx or 429; 2,000 messages in 90 s; one
 * tab reloaded 6 times and scrolling back.
 */
function bug2Plan(maxBackfill: number): SimPlan {
  const r = createRandom(2)
  const actions: Action[] = [
    ...Array.from({ length: 8 }, (_, slot): Action => ({ at: 50 * slot, kind: 'open', slot })),
  ]
  for (let i = 0; i < 2000; i++)
    actions.push({ at: Math.floor((i * 90_000) / 2000), kind: 'append', project: 0, count: 1 })
  for (let i = 1; i <= 6; i++) actions.push({ at: i * 13_000, kind: 'reload', slot: 0 })
  // The reloaded tab scrolls back often (the app loads older rows whenever the top is in view).
  for (let i = 0; i < 300; i++) actions.push({ at: 2_000 + Math.floor(r() * 88_000), kind: 'older', slot: 0 })
  for (let i = 0; i < 10; i++) actions.push({ at: Math.floor(r() * 90_000), kind: 'send', slot: 1 + (i % 7) })
  actions.sort((a, b) => a.at - b.at)
  return {
    variant: {
      replayLimit: 200,
      heartbeatMs: 5_000,
      historyCap: 200,
      totalAvailable: 'exact',
      noCursor: 'newest',
      resetCutsStreams: true,
    },
    rates: {
      streamStatus: 0.25,
      stream429: 0.05,
      stream401: 0,
      cut: 0.02,
      stall: 0.01,
      malformed: 0.02,
      duplicate: 0.02,
      earlier: 0.02,
      unknown: 0.02,
      split: 0.02,
      historyStatus: 0.1,
      history429: 0,
      sendStatus: 0.1,
      sendLost: 0.05,
      maxDelayMs: 80,
    },
    config: {
      pageSize: 200,
      maxBackfill,
      windowSize: 500,
      maxTabBackfill: 5_000,
      prefetchHistory: true,
      closeWhenAllHiddenMs: null,
    },
    projects: ['sim_a'],
    slots: Array.from({ length: 8 }, () => ({ project: 0 })),
    transport: { kind: 'per-project' },
    faultMs: 95_000,
    actions,
  }
}

test('bug 2 with the default maxBackfill (10,000): a minute-long stall is backfilled; every tab, the reloaded one included, ends on the latest messages with no hole', () => {
  for (const seed of [1, 2, 3, 4, 5]) expect(runSeed(seed, bug2Plan(10_000)).violation).toBeUndefined()
})

test('bug 2 with a small maxBackfill (the old 1,000 and less): new windows in every tab alike, never a hole', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    expect(runSeed(seed, bug2Plan(1_000)).violation).toBeUndefined()
    expect(runSeed(seed, bug2Plan(100)).violation).toBeUndefined()
  }
})
