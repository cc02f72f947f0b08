/**
 * Browser end-to-end tests: real Chromium (a system build, see scripts/chromium.mjs) against
 * the built app, the proxy and the reference backend, started per test by e2e/support.
 */
import { defineConfig } from '@playwright/test'
import { findChromium } from './scripts/chromium.mjs'

const executablePath = process.env['CHROMIUM_PATH'] ?? findChromium()

export default defineConfig({
  testDir: 'e2e',
  // The browser chaos suite runs through `npm run chaos` (it sets CHAOS_SEED); it is not yet
  // stable enough for CI on this 2-core machine (see README, "Known gaps").
  testIgnore: process.env['CHAOS_SEED'] === undefined ? ['**/chaos.spec.ts'] : [],
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
    ...(executablePath ? { launchOptions: { executablePath } } : {}),
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        launchOptions: {
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
        },
      },
    },
  ],
})
