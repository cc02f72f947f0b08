#!/usr/bin/env node
// `npm test`: typecheck, lint, unit + integration tests (Vitest), browser end-to-end tests
// (Playwright on a system Chromium) and the Next.js example's suite (scripts/nextjs-e2e.mjs). Ends with one line
// `N passed, M failed` summing every suite; exits non-zero when anything failed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { findChromium } from './chromium.mjs'

const results = []
const run = (command, args, env = {}) => {
  console.log(`\n$ ${command} ${args.join(' ')}`)
  return spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status === 0
}
const record = (suite, passed, failed) => {
  results.push({ suite, passed, failed })
  console.log(`\n[${suite}] ${passed} passed, ${failed} failed`)
}

// Typecheck and lint count as one check each.
const typecheck = run('npx', ['tsc', '-b'])
record('typecheck', typecheck ? 1 : 0, typecheck ? 0 : 1)
const lint = run('npx', ['biome', 'check', '.'])
record('lint', lint ? 1 : 0, lint ? 0 : 1)

mkdirSync('.tmp', { recursive: true })
const vitestReport = '.tmp/vitest.json'
rmSync(vitestReport, { force: true })
run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${vitestReport}`])
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'))
  // A file that fails to load has no tests but a failed suite: count it as a failure.
  const brokenFiles = report.testResults.filter(
    (f) => f.status === 'failed' && f.assertionResults.length === 0,
  ).length
  record('vitest', report.numPassedTests, report.numFailedTests + brokenFiles)
} else {
  record('vitest', 0, 1)
}

const specs = existsSync('e2e') ? readdirSync('e2e').filter((f) => f.endsWith('.spec.ts')) : []
if (specs.length > 0) {
  const chromium = findChromium({ install: true })
  if (!chromium) {
    record('e2e', 0, specs.length)
  } else {
    const e2eReport = '.tmp/playwright.json'
    rmSync(e2eReport, { force: true })
    run('npx', ['playwright', 'test'], { CHROMIUM_PATH: chromium, PLAYWRIGHT_JSON_OUTPUT_NAME: e2eReport })
    if (existsSync(e2eReport)) {
      const { stats } = JSON.parse(readFileSync(e2eReport, 'utf8'))
      record('e2e', stats.expected + stats.flaky, stats.unexpected)
    } else {
      record('e2e', 0, 1)
    }
  }
}

// The Next.js example (examples/nextjs): packed library, `next build`, Playwright on `next start`.
const nextjsReport = '.tmp/nextjs-playwright.json'
rmSync(nextjsReport, { force: true })
run('node', ['scripts/nextjs-e2e.mjs'])
if (existsSync(nextjsReport)) {
  const { stats } = JSON.parse(readFileSync(nextjsReport, 'utf8'))
  record('nextjs', stats.expected + stats.flaky, stats.unexpected)
} else {
  record('nextjs', 0, 1)
}

const passed = results.reduce((sum, r) => sum + r.passed, 0)
const failed = results.reduce((sum, r) => sum + r.failed, 0)
console.log('')
for (const r of results) console.log(`  ${r.suite.padEnd(10)} ${r.passed} passed, ${r.failed} failed`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
