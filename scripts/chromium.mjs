// Find a system Chromium for Playwright, or install Debian's package when running as root.
// Never downloads a browser from a browser vendor's CDN.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/snap/bin/chromium',
]

/** The path of a usable Chromium, or undefined (after printing why) when there is none. */
export function findChromium({ install = false } = {}) {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv && existsSync(fromEnv)) return fromEnv
  const found = CANDIDATES.find((path) => existsSync(path))
  if (found) return found
  if (install && process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log("Chromium not found: installing Debian's chromium package (apt-get install -y chromium) …")
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
    const installed = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
    if (installed.status === 0 && existsSync('/usr/bin/chromium')) return '/usr/bin/chromium'
  }
  console.error(
    [
      'No Chromium found for the browser tests.',
      `Looked at $CHROMIUM_PATH and ${CANDIDATES.join(', ')}.`,
      'Install one (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH to its executable.',
    ].join('\n'),
  )
  return undefined
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = findChromium({ install: process.argv.includes('--install') })
  if (!path) process.exit(1)
  console.log(path)
  console.log(execFileSync(path, ['--version'], { encoding: 'utf8' }).trim())
}
