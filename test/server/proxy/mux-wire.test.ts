/**
 * The pure parts of the mux stream: the `<projectId>/<innerId>` ids, the `projects` query and
 * control body rules, and the frames, which must come out of our own SSE parser exactly as
 * they went in, however the bytes are split.
 */
import { expect, test } from 'vitest'
import { formatMuxId, formatMuxProjects, parseMuxId } from '../../../src/protocol/mux'
import {
  eventFrame,
  projectEventFrame,
  projectPingFrame,
  projectStateFrame,
} from '../../../src/server/proxy/mux/frames'
import { validateMuxControl, validateMuxQuery } from '../../../src/server/proxy/mux/validate'
import { createParser } from '../../../src/sse/parse'
import type { ServerSentEvent } from '../../../src/sse/types'
import { createRandom } from '../../helpers/random'

test('a mux id names the project and keeps the inner id verbatim, slashes included', () => {
  expect(formatMuxId('p_1', '42')).toBe('p_1/42')
  expect(formatMuxId('p_1', undefined)).toBe('p_1/')
  expect(parseMuxId('p_1/42')).toEqual({ projectId: 'p_1', innerId: '42' })
  expect(parseMuxId('p_1/')).toEqual({ projectId: 'p_1', innerId: undefined })
  expect(parseMuxId('p_1/a/b')).toEqual({ projectId: 'p_1', innerId: 'a/b' })
})

test('ids that are not <projectId>/… are not mux ids', () => {
  for (const id of [undefined, '', '42', '/42', 'a b/1', `${'x'.repeat(65)}/1`]) {
    expect(parseMuxId(id)).toBeUndefined()
  }
})

test('the projects query round-trips through formatMuxProjects and URLSearchParams', () => {
  const projects = [
    { projectId: 'a', cursor: 0 },
    { projectId: 'B-2_x', cursor: 9007199254740991 },
  ]
  const search = new URLSearchParams({ projects: formatMuxProjects(projects) })

  expect(validateMuxQuery(new URLSearchParams(search.toString()))).toEqual({ ok: true, value: projects })
  expect(validateMuxQuery(new URLSearchParams('projects='))).toEqual({ ok: true, value: [] })
})

test('query errors say which entry is wrong', () => {
  expect(validateMuxQuery(new URLSearchParams('projects=a:0,b:x'))).toMatchObject({
    ok: false,
    message: 'projects entry 2 (b): the cursor must be a non-negative integer.',
  })
  expect(validateMuxQuery(new URLSearchParams('projects=a:0,a:1'))).toMatchObject({
    ok: false,
    message: 'projects lists a more than once.',
  })
})

test('a control body yields the change, without unknown fields', () => {
  const streamId = 'abcdefghijklmnopqrstuv'
  expect(
    validateMuxControl({
      streamId,
      add: [{ projectId: 'p', cursor: 3, extra: 1 }],
      remove: ['q'],
      more: true,
    }),
  ).toEqual({ ok: true, value: { streamId, add: [{ projectId: 'p', cursor: 3 }], remove: ['q'] } })
  expect(validateMuxControl({ streamId })).toEqual({ ok: true, value: { streamId, add: [], remove: [] } })
  expect(validateMuxControl({ streamId, add: [{ projectId: 'p', cursor: 1.5 }] })).toMatchObject({
    ok: false,
    message: 'add[0].cursor must be a non-negative integer (a JSON number).',
  })
})

const alphabet = ['a', ' ', ':', 'é', '🙂', '\n', '{', '"', 'data: ', 'id: 9', '\u2028', '/']

function randomText(random: () => number, maxLength: number): string {
  let text = ''
  const length = Math.floor(random() * maxLength)
  for (let index = 0; index < length; index++) text += alphabet[Math.floor(random() * alphabet.length)]
  return text
}

test('frames parse back to the same events, ids and data, split anywhere (seeded)', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const random = createRandom(seed)
    const sent: ServerSentEvent[] = []
    let text = ''
    for (let index = 0; index < 20; index++) {
      const event: ServerSentEvent = {
        event: random() < 0.2 ? 'message' : `e.${Math.floor(random() * 5)}`,
        data: randomText(random, 12),
        id: random() < 0.3 ? undefined : String(Math.floor(random() * 1000)),
      }
      sent.push({ ...event, id: formatMuxId('proj', event.id) })
      text += projectEventFrame('proj', event)
    }

    const received: ServerSentEvent[] = []
    const parser = createParser({ onEvent: (event) => received.push(event) })
    for (let offset = 0; offset < text.length; ) {
      const size = 1 + Math.floor(random() * 16)
      parser.feed(text.slice(offset, offset + size))
      offset += size
    }

    expect(received, `seed ${seed}`).toEqual(sent)
  }
})

test('data with line breaks becomes one data line per line', () => {
  expect(eventFrame('x', 'p/1', 'one\ntwo\n')).toBe('event: x\nid: p/1\ndata: one\ndata: two\ndata: \n\n')
  expect(eventFrame('x', 'p/1', 'a\r\nb\rc')).toBe('event: x\nid: p/1\ndata: a\ndata: b\ndata: c\n\n')
})

test('state and ping frames carry the project id with an empty inner id', () => {
  expect(projectPingFrame('p')).toBe('event: mux.ping\nid: p/\ndata: {}\n\n')
  expect(projectStateFrame({ projectId: 'p', state: 'open', cursor: 4 })).toBe(
    'event: mux.project\nid: p/\ndata: {"projectId":"p","state":"open","cursor":4}\n\n',
  )
})
