/**
 * `npm start`'s artefact end to end: build, spawn `node dist/server/main.js` on free ports with
 * an in-memory database, sign in, stream through the proxy, then SIGTERM → exit code 0.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { cookieFrom, openSse, waitFor } from '../helpers/servers'

const root = join(import.meta.dirname, '..', '..')
let child: ChildProcess
let output = ''
let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
let workDir: string

beforeAll(() => {
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' })
  if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}\n${built.stderr}`)

  // A fresh working directory: .data/session.key must be created there, nothing else.
  workDir = mkdtempSync(join(tmpdir(), 'persistent-chat-smoke-'))
  child = spawn(process.execPath, [join(root, 'dist/server/main.js')], {
    cwd: workDir,
    env: { ...process.env, PORT: '0', BACKEND_PORT: '0', BACKEND_DB: ':memory:', HEARTBEAT_MS: '1000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  child.on('exit', (code, signal) => {
    exit = { code, signal }
  })
}, 120_000)

afterAll(() => {
  if (exit === undefined) child.kill('SIGKILL')
  rmSync(workDir, { recursive: true, force: true })
})

function printed(name: 'app' | 'backend'): string | undefined {
  return new RegExp(`\\[persistent-chat\\] ${name}: (http://\\S+)`).exec(output)?.[1]
}

test('npm start’s server signs in, streams and exits 0 on SIGTERM', async () => {
  await waitFor(() => printed('app') !== undefined || exit !== undefined, 15_000, 'the printed app URL')
  const app = printed('app')
  if (app === undefined) throw new Error(`server did not start:\n${output}`)
  expect(printed('backend')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  expect(output).toContain('WORKER_SHARED_SECRET is not set')
  expect(statSync(join(workDir, '.data', 'session.key')).mode & 0o777).toBe(0o600)

  const login = await fetch(`${app}/login`)
  expect(login.status).toBe(200)
  const html = await login.text()
  expect(html).toMatch(/<input[^>]*name="userId"/)
  expect(html).toMatch(/<button type="submit"/)
  expect(login.headers.get('content-security-policy')).toContain("script-src 'self'")

  const home = await fetch(`${app}/`, { headers: { accept: 'text/html' } })
  expect(home.status).toBe(200)
  expect(await home.text()).toContain('data-testid="connection-status"')

  const signedIn = await fetch(`${app}/api/dev/login`, {
    method: 'POST',
    headers: { origin: app, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'smoke' }),
  })
  expect(signedIn.status).toBe(200)
  const cookie = cookieFrom(signedIn)

  const stream = await openSse(`${app}/api/persistent-chat/stream?projectId=smoke`, { cookie })
  await stream.until(() => stream.events.length > 0, 5000)
  expect(stream.status).toBe(200)
  expect(stream.events[0]?.event).toBe('connection.established')

  const signalledAt = Date.now()
  child.kill('SIGTERM')
  await waitFor(() => exit !== undefined, 5000, 'the server to exit')
  expect(exit).toEqual({ code: 0, signal: null })
  expect(Date.now() - signalledAt).toBeLessThan(5000)
  await waitFor(() => stream.ended, 1000, 'the open stream to end')
  expect(stream.complete).toBe(true)
}, 60_000)
