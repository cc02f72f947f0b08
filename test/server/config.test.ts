import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { ConfigError, DEV_WORKER_SHARED_SECRET, readConfig } from '../../src/server/config'

let dataDir: string

beforeEach(() => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'pc-config-')), '.data')
})

afterEach(() => {
  rmSync(join(dataDir, '..'), { recursive: true, force: true })
})

test('an empty environment gives DESIGN.md §6 defaults, with warnings for the secrets', () => {
  const { options, warnings } = readConfig({}, { dataDir })

  expect(options).toMatchObject({
    host: '127.0.0.1',
    port: 3000,
    backendUrl: undefined,
    backend: { port: 8081, dbPath: join(dataDir, 'backend.sqlite'), acceptV1: true },
    secret: DEV_WORKER_SHARED_SECRET,
    heartbeatMs: 20_000,
  })
  expect(warnings.join('\n')).toMatch(/WORKER_SHARED_SECRET/)
  expect(warnings.join('\n')).toMatch(/SESSION_SECRET/)
  expect(warnings.join('\n')).not.toContain(String(options.sessionSecret))
})

test('the session key is created once with mode 0600 and reused', () => {
  const first = readConfig({}, { dataDir })
  const second = readConfig({}, { dataDir })

  const keyFile = join(dataDir, 'session.key')
  expect(statSync(keyFile).mode & 0o777).toBe(0o600)
  expect(second.options.sessionSecret).toBe(first.options.sessionSecret)
  expect(readFileSync(keyFile, 'utf8').trim()).toBe(first.options.sessionSecret)
  expect(second.warnings.join('\n')).not.toMatch(/SESSION_SECRET/)
})

test('a session key readable by others is tightened to 0600', () => {
  readConfig({}, { dataDir })
  const keyFile = join(dataDir, 'session.key')
  chmodSync(keyFile, 0o644)

  readConfig({}, { dataDir })

  expect(statSync(keyFile).mode & 0o777).toBe(0o600)
})

test('every variable is read', () => {
  const { options, warnings } = readConfig(
    {
      PORT: '0',
      HOST: '0.0.0.0',
      BACKEND_PORT: '0',
      BACKEND_DB: ':memory:',
      WORKER_SHARED_SECRET: 'shared',
      SESSION_SECRET: 'a-session-secret-of-length',
      HEARTBEAT_MS: '1500',
      HMAC_ACCEPT_V1: 'false',
    },
    { dataDir },
  )

  expect(options).toMatchObject({
    host: '0.0.0.0',
    port: 0,
    backend: { port: 0, dbPath: ':memory:', acceptV1: false },
    secret: 'shared',
    sessionSecret: 'a-session-secret-of-length',
    heartbeatMs: 1500,
  })
  expect(warnings).toEqual([])
})

test('WORKER_BASE_URL replaces the reference backend', () => {
  const { options } = readConfig({ WORKER_BASE_URL: 'https://chat.example.com' }, { dataDir })

  expect(options.backendUrl).toBe('https://chat.example.com')
  expect(options.backend).toBeUndefined()
})

test.each([
  ['PORT', 'http'],
  ['PORT', '70000'],
  ['BACKEND_PORT', '-1'],
  ['HEARTBEAT_MS', '0'],
  ['HEARTBEAT_MS', '1.5'],
  ['WORKER_BASE_URL', 'ftp://x'],
  ['SESSION_SECRET', 'short'],
])('%s=%s is a ConfigError naming the variable', (name, value) => {
  expect(() => readConfig({ [name]: value }, { dataDir })).toThrow(ConfigError)
  expect(() => readConfig({ [name]: value }, { dataDir })).toThrow(name)
})
