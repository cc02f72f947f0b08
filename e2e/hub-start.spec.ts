/**
 * A hub that cannot start is an error with a cause, never a hang: a SharedWorker whose script
 * fails to load or start (as when Next.js 15's Turbopack copies it unbundled and it cannot
 * resolve `comlink`) hands over to a leader tab, one that cannot either to the page, and the
 * console says why. While no hub can start at all, every badge says `reconnecting`. And the
 * hub config travels in hello: tabs with two configs share one SharedWorker but get two hubs.
 * Runs in the `chromium` project only (it replaces the worker constructors itself).
 */
import type { BrowserContext, ConsoleMessage } from '@playwright/test'
import {
  at,
  expect,
  expectCount,
  hubStats,
  listed,
  login,
  openProject,
  openTabs,
  send,
  status,
  test,
} from './support/fixtures'
import { closeSharedWorker, sharedWorkerCount } from './support/hubs'

/** Every page of `context` builds `constructor` from a module that cannot start, whatever URL the app gives. */
async function breakWorkers(context: BrowserContext, constructors: Array<'SharedWorker' | 'Worker'>) {
  await context.addInitScript((names) => {
    const scripts = {
      // What a bundler that copies the worker unbundled ships: a bare import nothing resolves.
      SharedWorker: 'import "comlink"',
      Worker: 'throw new Error("the leader worker broke on start")',
    }
    for (const name of names) {
      const Original = globalThis[name] as unknown as new (url: string, options?: WorkerOptions) => object
      const broken = URL.createObjectURL(new Blob([scripts[name]], { type: 'text/javascript' }))
      Object.defineProperty(globalThis, name, {
        configurable: true,
        value: class extends Original {
          constructor(_url: string, options?: WorkerOptions) {
            super(broken, { ...options, type: 'module' })
          }
        },
      })
    }
  }, constructors)
}

/** The client's console lines naming `event`, with their details. */
function consoleEntries(context: BrowserContext, event: string): Array<Record<string, unknown>> {
  const entries: Array<Record<string, unknown>> = []
  context.on('console', (message: ConsoleMessage) => {
    if (!message.text().startsWith(`persistent-chat ${event}`)) return
    void message
      .args()[1]
      ?.jsonValue()
      .then((entry: Record<string, unknown>) => entries.push(entry))
  })
  return entries
}

test('a SharedWorker that cannot resolve its imports hands over to a leader tab: the console says why, and chat works', async ({
  context,
  stack,
  ids,
}) => {
  await breakWorkers(context, ['SharedWorker'])
  const fallbacks = consoleEntries(context, 'attach.mode_fallback')
  const user = ids.user('tia')
  const project = ids.project('fallback')
  await login(context, stack, user)

  const pages = await openTabs(context, stack, project, 2)
  await send(at(pages, 0), 'through the leader tab')

  for (const page of pages) await expectCount(page, 1)
  await expect(at(pages, 1).getByTestId('hub-stats')).toContainText('Leader tab')
  await expect.poll(() => stack.backend().openStreams(user)).toBe(1)
  await expect.poll(() => fallbacks.length).toBe(2)
  expect(fallbacks[0]).toMatchObject({
    level: 'error',
    from: 'shared-worker',
    to: 'leader-tab',
    reason: expect.stringMatching(/SharedWorker failed to load or start/),
  })
})

test('neither worker can start: each tab runs its hub in the page, and chat works', async ({
  context,
  stack,
  ids,
}) => {
  await breakWorkers(context, ['SharedWorker', 'Worker'])
  const fallbacks = consoleEntries(context, 'attach.mode_fallback')
  const user = ids.user('una')
  const project = ids.project('inpage')
  await login(context, stack, user)

  const page = await openProject(context, stack, project)
  await send(page, 'in the page')

  await expectCount(page, 1)
  await expect(page.getByTestId('hub-stats')).toContainText('In this page')
  await expect
    .poll(() => fallbacks.map((entry) => `${entry['from']} → ${entry['to']}`))
    .toEqual(['shared-worker → leader-tab', 'leader-tab → in-page'])
  expect(fallbacks[1]?.['reason']).toMatch(/the leader worker failed to start/)
})

test('while no new hub can start after the SharedWorker died, every badge says reconnecting; a message typed meanwhile lands once when one starts', async ({
  browser,
  context,
  stack,
  ids,
}) => {
  // The app's service worker would serve the worker script from its cache, past the route below.
  await context.route('**/sw.js', (route) => route.abort())
  const user = ids.user('vic')
  const project = ids.project('held')
  await login(context, stack, user)
  const pages = await openTabs(context, stack, project, 2)
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  await context.route('**/assets/shared-worker-*.js', async (route) => {
    await held
    await route.continue()
  })

  await closeSharedWorker(browser)
  for (const page of pages) await expect(status(page)).toHaveAttribute('data-status', 'reconnecting')
  await send(at(pages, 1), 'typed while no hub runs')
  release()

  for (const page of pages) {
    await expect(status(page)).toHaveAttribute('data-status', 'connected', { timeout: 30_000 })
    await expect
      .poll(async () =>
        (await listed(page)).filter((row) => row.text === 'typed while no hub runs' && row.seq),
      )
      .toHaveLength(1)
  }
  expect(stack.backend().latestSeq(project)).toBe(1)
})

test('two hub configs on one origin share one SharedWorker and still get two hubs (the config travels in hello)', async ({
  browser,
  context,
  stack,
  ids,
}) => {
  const user = ids.user('wes')
  const project = ids.project('configs')
  await login(context, stack, user)

  const plain = await openProject(context, stack, project)
  const tuned = await openProject(context, stack, project, '&grace=1000')
  await send(tuned, 'from the tuned tab')

  for (const page of [plain, tuned]) await expectCount(page, 1)
  expect(await sharedWorkerCount(browser)).toBe(1)
  await expect.poll(() => stack.backend().openStreams(user)).toBe(2)
  for (const page of [plain, tuned]) await expect.poll(async () => (await hubStats(page)).tabs).toBe(1)
})
