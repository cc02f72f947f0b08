/**
 * `npm start` configuration from the environment (DESIGN.md §6): parses and checks every
 * variable, falls back to the documented defaults, and keeps the dev session key in
 * `.data/session.key` (created once, mode 0600). Problems are thrown with the variable's name.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { DEFAULT_HEARTBEAT_MS } from '../protocol/limits'
import type { StartServerOptions } from './start-server'

/** @public The shared secret used when `WORKER_SHARED_SECRET` is not set. Development only. */
export const DEV_WORKER_SHARED_SECRET = 'persistent-chat-dev-secret-do-not-use-in-production'

/** @public The configuration of one `npm start`. */
export interface ServerConfig {
  options: StartServerOptions
  /** Human-readable warnings to print before starting (never containing secrets). */
  warnings: string[]
}

/** @public A variable has an unusable value. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** @public Where `readConfig` keeps generated state; default `.data` under the current directory. */
export interface ReadConfigOptions {
  dataDir?: string | undefined
}

/** @public Reads DESIGN.md §6's variables from `env`. */
export function readConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: ReadConfigOptions = {},
): ServerConfig {
  const warnings: string[] = []
  const dataDir = options.dataDir ?? '.data'

  let secret = nonEmpty(env, 'WORKER_SHARED_SECRET')
  if (secret === undefined) {
    secret = DEV_WORKER_SHARED_SECRET
    warnings.push(
      'WORKER_SHARED_SECRET is not set: using the built-in development secret. Set it outside development.',
    )
  }

  let sessionSecret: string
  const fromEnv = nonEmpty(env, 'SESSION_SECRET')
  if (fromEnv !== undefined) {
    if (Buffer.byteLength(fromEnv) < 16)
      throw new ConfigError('SESSION_SECRET must be at least 16 bytes long.')
    sessionSecret = fromEnv
  } else {
    const keyFile = join(dataDir, 'session.key')
    const loaded = loadOrCreateSessionKey(keyFile)
    sessionSecret = loaded.key
    if (loaded.created)
      warnings.push(`SESSION_SECRET is not set: created a random one in ${keyFile} (mode 0600).`)
  }

  const backendUrl = nonEmpty(env, 'WORKER_BASE_URL')
  if (backendUrl !== undefined && !/^https?:$/.test(safeProtocol(backendUrl))) {
    throw new ConfigError(`WORKER_BASE_URL must be an http(s) URL, got "${backendUrl}".`)
  }
  const acceptV1 = nonEmpty(env, 'HMAC_ACCEPT_V1')?.toLowerCase() !== 'false'

  return {
    warnings,
    options: {
      host: nonEmpty(env, 'HOST') ?? '127.0.0.1',
      port: port(env, 'PORT', 3000),
      backendUrl,
      backend:
        backendUrl === undefined
          ? {
              port: port(env, 'BACKEND_PORT', 8081),
              dbPath: nonEmpty(env, 'BACKEND_DB') ?? join(dataDir, 'backend.sqlite'),
              acceptV1,
            }
          : undefined,
      secret,
      sessionSecret,
      heartbeatMs: positiveInteger(env, 'HEARTBEAT_MS', DEFAULT_HEARTBEAT_MS),
    },
  }
}

/**
 * @public Reads the session key from `path`, or creates it (32 random bytes, hex) with mode
 * 0600. Creation uses the exclusive flag, so two processes starting at once agree on one key.
 */
export function loadOrCreateSessionKey(path: string): { key: string; created: boolean } {
  mkdirSync(dirname(path), { recursive: true })
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
    return { key: readKey(path), created: true }
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error
  }
  // A key readable by others is no secret: tighten it rather than refuse to start.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600)
  return { key: readKey(path), created: false }
}

function readKey(path: string): string {
  const key = readFileSync(path, 'utf8').trim()
  if (Buffer.byteLength(key) < 16)
    throw new ConfigError(`${path} holds a key shorter than 16 bytes; delete it.`)
  return key
}

function nonEmpty(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

function port(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const value = nonEmpty(env, name)
  if (value === undefined) return fallback
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new ConfigError(`${name} must be a port number 0..65535 (0 = any free port), got "${value}".`)
  }
  return Number(value)
}

function positiveInteger(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): number {
  const value = nonEmpty(env, name)
  if (value === undefined) return fallback
  if (!/^[1-9]\d{0,8}$/.test(value))
    throw new ConfigError(`${name} must be a positive integer, got "${value}".`)
  return Number(value)
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol
  } catch {
    return ''
  }
}
