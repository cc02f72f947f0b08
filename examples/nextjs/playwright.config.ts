/**
 * The Next.js example's browser tests (run by scripts/nextjs-e2e.mjs, which packs the library,
 * installs it into a copy of this app, runs `next build`, and points NEXTJS_APP_DIR at the copy).
 * The app is served by `next start` against the reference backend (e2e/support.ts).
 */
import { defineConfig } from '@playwright/test'
import { findChromium } from '../../scripts/chromium.mjs'

const executablePath = process.env['CHROMIUM_PATH'] ?? findChromium()
const launchOptions = {
  ...(executablePath ? { executablePath } : {}),
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-quic',
    '--no-first-run',
  ],
}

export default defineConfig<{ sharedWorker: boolean }>({
  testDir: 'e2e',
  // Two cores: one browser and one `next start` at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  forbidOnly: true,
  retries: 0,
  reporter: [
    ['list'],
    [
      'json',
      { outputFile: process.env['PLAYWRIGHT_JSON_OUTPUT_NAME'] ?? '../../.tmp/nextjs-playwright.json' },
    ],
  ],
  outputDir: '../../.tmp/nextjs-test-results',
  use: { browserName: 'chromium', trace: 'retain-on-failure' },
  projects: [
    { name: 'chromium', use: { launchOptions } },
    {
      // The leader worker, bundled by Next too, where SharedWorker is missing (Chrome on Android).
      name: 'no-shared-worker',
      testMatch: ['multi-tab.spec.ts'],
      use: { launchOptions, sharedWorker: false },
    },
  ],
})
