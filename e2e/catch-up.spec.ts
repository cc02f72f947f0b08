/**
 * Tabs reopened after more missed messages than the list keeps in the DOM (5,000): the hub pages
 * them all into the store (`maxBackfill` above the gap) and tells the tabs how far it has to go;
 * a gap above `maxTabBackfill` (5,000) reaches them as one new window near its end. What a reader
 * sees must never suffer for it: every frame shows one contiguous run of seqs, and at the end
 * every tab shows the newest of its list (5,000 at most), which it counts in full. Meanwhile the
 * list keeps what it showed rather than drawing every page (app/catch-up-hold.ts).
 */
import type { Page } from '@playwright/test'
import { at, expect, expectCount, listed, login, openProject, test } from './support/fixtures'

const SEEN = 100
const GAP = 6_000
const ROWS = 5_000
const QUERY = '&maxBackfill=20000&grace=0'

/**
 * Records, at every animation frame, whether the rows on screen were one ascending run of seqs,
 * and each newest row a frame showed (one per time the list was drawn anew).
 */
function watchFrames(page: Page) {
  return page.evaluate(() => {
    const state = { frames: 0, broken: [] as string[], newest: [] as number[] }
    const look = () => {
      const seqs = [...document.querySelectorAll('[data-testid=message]')].map((row) =>
        Number(row.getAttribute('data-seq')),
      )
      state.frames++
      const newest = seqs.at(-1)
      if (newest !== undefined && newest !== state.newest.at(-1)) state.newest.push(newest)
      for (let i = 1; i < seqs.length; i++) {
        if (seqs[i] !== (seqs[i - 1] ?? 0) + 1) {
          state.broken.push(`${seqs[i - 1]} then ${seqs[i]} (frame ${state.frames}, ${seqs.length} rows)`)
          break
        }
      }
      requestAnimationFrame(look)
    }
    requestAnimationFrame(look)
    ;(window as unknown as { __frames: typeof state }).__frames = state
  })
}

const framesOf = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __frames: { frames: number; broken: string[]; newest: number[] } }).__frames,
  )

test('two tabs reopened after 6,000 missed: every frame shows one run of seqs, and both end on the newest messages, 5,000 at most', async ({
  context,
  stack,
  ids,
}) => {
  test.setTimeout(120_000)
  const user = ids.user('cu')
  const project = ids.project('catchup')
  for (let i = 1; i <= SEEN; i++) stack.backend().append(project, 'bot', `seen ${i}`)
  await login(context, stack, user)
  const first = await openProject(context, stack, project, QUERY)
  await expectCount(first, SEEN)
  await first.close()
  await expect.poll(() => stack.backend().openStreams(user), { timeout: 10_000 }).toBe(0)

  for (let i = SEEN + 1; i <= SEEN + GAP; i++) stack.backend().append(project, 'bot', `missed ${i}`)
  const latest = SEEN + GAP

  const pages = [await context.newPage(), await context.newPage()]
  for (const page of pages)
    await page.goto(`${stack.url}/?project=${project}${QUERY}`, { waitUntil: 'commit' })
  // Watching starts as soon as each page has a document: the catch-up takes seconds.
  for (const page of pages) await watchFrames(page)

  for (const page of pages) {
    const list = page.getByTestId('message-list')
    await expect(list).toHaveAttribute('data-last-seq', String(latest), { timeout: 60_000 })
    // A tab that subscribed while the hub was paging starts from the hub's window then (older
    // ones are a scroll away): its list need not reach back to seq 1, but it has no hole.
    const firstSeq = Number(await list.getAttribute('data-first-seq'))
    const count = latest - firstSeq + 1
    await expectCount(page, count)
    const shown = Math.min(count, ROWS)
    await expect(page.getByTestId('message')).toHaveCount(shown)
    const rows = await listed(page)
    expect(at(rows, 0)).toMatchObject({ seq: String(latest - shown + 1) })
    expect(at(rows, shown - 1)).toMatchObject({ seq: String(latest), text: `missed ${latest}` })
    if (count > ROWS)
      await expect(page.locator('.list-caption')).toHaveText(
        `Showing the newest ${ROWS.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} messages`,
      )
    const frames = await framesOf(page)
    expect(frames.frames).toBeGreaterThan(0)
    expect(frames.broken).toEqual([])
    // The list waited for the catch-up instead of drawing its pages as they came: what the tab
    // had, perhaps one progress draw (after 10 s), the end. (Drawing the final window's pages
    // showed 100, 5076, 5275, 6100 here.)
    expect(frames.newest.length, `newest rows drawn: ${frames.newest.join(', ')}`).toBeLessThanOrEqual(3)
    expect(frames.newest.at(-1)).toBe(latest)
  }
})
