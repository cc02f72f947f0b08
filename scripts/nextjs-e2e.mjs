#!/usr/bin/env node
// The Next.js example, tested as a user would use it: `npm pack` the library, install the
// tarball into a copy of examples/nextjs (.tmp/nextjs-e2e/app: the example folder itself stays
// clean; its node_modules are kept between runs), `next build` with none of the server's
// environment variables set, then Playwright against `next start` and the reference backend
// (examples/nextjs/playwright.config.ts). `--webpack` builds with webpack instead of Turbopack;
// other arguments go to Playwright (`--repeat-each 10`).
// Prints `[nextjs] N passed, M failed`; the report is .tmp/nextjs-playwright.json.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findChromium } from './chromium.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const example = join(root, 'examples/nextjs')
const work = join(root, '.tmp/nextjs-e2e')
const app = join(work, 'app')
const report = join(root, '.tmp/nextjs-playwright.json')
const webpack = process.argv.includes('--webpack')
const playwrightArgs = process.argv.slice(2).filter((arg) => arg !== '--webpack')
/** Not copied: what the build makes, the tests, and what the copy installs itself. */
const SKIP = new Set([
  'node_modules',
  '.next',
  'e2e',
  'playwright.config.ts',
  'persistent-chat.tgz',
  'next-env.d.ts',
])

const run = (command, args, options = {}) => {
  console.log(`\n$ ${command} ${args.join(' ')}`)
  const result = spawnSync(command, args, { stdio: 'inherit', ...options })
  return result.status === 0
}
const fail = (why) => {
  console.error(`[nextjs] ${why}`)
  console.log('\n[nextjs] 0 passed, 1 failed')
  process.exit(1)
}

mkdirSync(app, { recursive: true })
rmSync(report, { force: true })

// 1. The package, packed exactly as it would be published.
const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', work], {
  cwd: root,
  encoding: 'utf8',
})
if (packed.status !== 0) fail(`npm pack failed:\n${packed.stderr}`)
const [{ filename }] = JSON.parse(packed.stdout)
renameSync(join(work, filename), join(app, 'persistent-chat.tgz'))

// 2. A fresh copy of the example's sources next to the kept node_modules.
for (const entry of readdirSync(app)) {
  if (entry !== 'node_modules' && entry !== 'persistent-chat.tgz')
    rmSync(join(app, entry), { recursive: true, force: true })
}
for (const entry of readdirSync(example)) {
  if (!SKIP.has(entry)) cpSync(join(example, entry), join(app, entry), { recursive: true })
}
// The committed lock pins every version and records no integrity for the tarball (it changes with
// every build of the library), so npm would keep an installed copy of the same version: drop it.
rmSync(join(app, 'node_modules/persistent-chat'), { recursive: true, force: true })

// 3. Install as a user would (the lock's versions; the tarball).
if (!run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app }))
  fail('npm install failed')

// 4. Build without WORKER_BASE_URL and friends: the route handlers must not need them at build time.
const buildEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }
for (const name of ['WORKER_BASE_URL', 'WORKER_SHARED_SECRET', 'SESSION_SECRET', 'HEARTBEAT_MS'])
  delete buildEnv[name]
if (
  !run(
    process.execPath,
    [join(app, 'node_modules/next/dist/bin/next'), 'build', ...(webpack ? ['--webpack'] : [])],
    {
      cwd: app,
      env: buildEnv,
    },
  )
)
  fail('next build failed')

// 5. The browser tests.
const chromium = process.env.CHROMIUM_PATH ?? findChromium({ install: true })
if (!chromium) fail('no Chromium found')
run('npx', ['playwright', 'test', '-c', join(example, 'playwright.config.ts'), ...playwrightArgs], {
  cwd: root,
  env: { ...process.env, CHROMIUM_PATH: chromium, NEXTJS_APP_DIR: app, PLAYWRIGHT_JSON_OUTPUT_NAME: report },
})
if (!existsSync(report)) fail('Playwright wrote no report')
const { stats } = JSON.parse(readFileSync(report, 'utf8'))
const passed = stats.expected + stats.flaky
const failed = stats.unexpected
console.log(`\n[nextjs] ${passed} passed, ${failed} failed`)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
