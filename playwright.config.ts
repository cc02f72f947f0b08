/**
 * Browser end-to-end tests: real Chromium (a system build, see scripts/chromium.mjs) against
 * the built app, the proxy and the reference backend, started per test by e2e/support.
 */
import { defineConfig } from '@playwright/test'
import { findChromium } from './scripts/chromium.mjs'

const executablePath = process.env['CHROMIUM_PATH'] ?? findChromium()

const launchOptions = {
  ...(executablePath ? { executablePath } : {}),
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ],
}

export default defineConfig<{ sharedWorker: boolean }>({
  testDir: 'e2e',
  globalSetup: './e2e/support/global-setup.ts',
  // Two cores: one browser at a time keeps timings honest and the suite stable.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  forbidOnly: true,
  retries: 0,
  reporter: [
    ['list'],
    ['json', { outputFile: process.env['PLAYWRIGHT_JSON_OUTPUT_NAME'] ?? '.tmp/playwright.json' }],
  ],
  outputDir: '.tmp/test-results',
  use: {
    browserName: 'chromium',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'chromium', use: { launchOptions } },
    {
      // The same guarantees where SharedWorker does not exist (Chrome for Android): the app
      // elects a leader tab. Runs the multi-tab, offline and chaos scenarios again.
      name: 'no-shared-worker',
      testMatch: [
        'multi-tab.spec.ts',
        'offline.spec.ts',
        'chaos.spec.ts',
        'long-stall.spec.ts',
        'hub-death.spec.ts',
        'many-projects.spec.ts',
      ],
      use: { launchOptions, sharedWorker: false },
    },
  ],
})
