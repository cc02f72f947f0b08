/**
 * Fixtures of the Next.js example's tests: the reference backend (in memory) and the built app
 * served by `next start` against it, once per worker (the build is the slow part, done once by
 * scripts/nextjs-e2e.mjs); a fresh browser context and fresh user and project ids per test.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { type BrowserContext, test as base, expect, type Page } from '@playwright/test'
import { type RunningBackend, startBackend } from '../../../src/server/backend'

export { expect }

const SECRET = 'nextjs-e2e-worker-shared-secret'

/** @internal The app under test. */
export interface NextApp {
  url: string
  backend: RunningBackend
  /** Stop `next start` (the network the app needs is gone); `start()` brings it back on the same port. */
  stop(): Promise<void>
  start(): Promise<void>
}

export const test = base.extend<
  { sharedWorker: boolean; ids: { user(name: string): string; project(name: string): string } },
  { app: NextApp }
>({
  sharedWorker: [true, { option: true }],
  context: async ({ context, sharedWorker }, use) => {
    if (!sharedWorker) {
      await context.addInitScript(() => {
        delete (globalThis as { SharedWorker?: unknown }).SharedWorker
      })
    }
    await use(context)
  },
  app: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a pattern.
    async ({}, use) => {
      const dir = process.env['NEXTJS_APP_DIR']
      if (!dir) throw new Error('NEXTJS_APP_DIR is not set: run the suite with `node scripts/nextjs-e2e.mjs`')
      const backend = await startBackend({
        port: 0,
        dbPath: ':memory:',
        secret: SECRET,
        assistantDelayMs: 60_000,
      })
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      let server: ChildProcess | undefined
      const app: NextApp = {
        url,
        backend,
        async start() {
          server = spawn(
            process.execPath,
            [join(dir, 'node_modules/next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
            {
              cwd: dir,
              env: {
                ...process.env,
                NODE_ENV: 'production',
                NEXT_TELEMETRY_DISABLED: '1',
                WORKER_BASE_URL: backend.url,
                WORKER_SHARED_SECRET: SECRET,
                SESSION_SECRET: 'nextjs-e2e-session-secret-0123456789',
                HEARTBEAT_MS: '20000',
              },
              stdio: ['ignore', 'inherit', 'inherit'],
            },
          )
          await waitUntilServing(url, server)
        },
        async stop() {
          const running = server
          server = undefined
          if (!running || running.exitCode !== null) return
          const exited = new Promise((resolve) => running.once('exit', resolve))
          running.kill('SIGTERM')
          await exited
        },
      }
      await app.start()
      await use(app)
      await app.stop()
      await backend.close()
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: as above.
  ids: async ({}, use, testInfo) => {
    const suffix = `${testInfo.testId.slice(0, 8)}_${testInfo.repeatEachIndex}_${testInfo.retry}`
    await use({ user: (name) => `${name}_${suffix}`, project: (name) => `${name}_${suffix}` })
  },
})

/** @internal Sign in through the dev login (the context's pages share the cookie). */
export async function login(context: BrowserContext, app: NextApp, userId: string): Promise<void> {
  const response = await context.request.post(`${app.url}/api/dev/login`, {
    data: { userId },
    headers: { origin: app.url },
  })
  expect(response.status()).toBe(200)
}

/** @internal Open the project in a new page and wait until it streams. */
export async function openProject(context: BrowserContext, app: NextApp, projectId: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${app.url}/?project=${projectId}`)
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected')
  return page
}

/** @internal The texts the page lists, with their seq ('' while optimistic). */
export function listed(page: Page): Promise<Array<[string, string]>> {
  return page.$$eval('[data-testid=message]', (rows) =>
    rows.map((row): [string, string] => [
      row.getAttribute('data-seq') ?? '',
      row.querySelector('[data-testid=message-text]')?.textContent ?? '',
    ]),
  )
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

async function waitUntilServing(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 45_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`next start exited with ${server.exitCode}`)
    try {
      const response = await fetch(`${url}/login`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`next start did not serve ${url}/login within 45 s`)
}
