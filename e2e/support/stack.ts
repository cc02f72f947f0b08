/**
 * The servers a browser test talks to: the reference backend (SQLite file in a temp folder)
 * and the app + proxy, each stoppable and restartable on the same port, so tests can take
 * the network away and give it back.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MessageData } from '../../src/protocol'
import { type RunningBackend, startBackend } from '../../src/server/backend'
import type { ProxyLogEntry } from '../../src/server/proxy/log'
import { type RunningServer, startServer } from '../../src/server/start-server'
import { readBackendLog } from '../../test/helpers/backend-client'

const SECRET = 'e2e-worker-shared-secret'
const SESSION_SECRET = 'e2e-session-secret-0123456789'

/** @internal */
export interface Stack {
  /** The app + proxy origin, e.g. `http://127.0.0.1:41234`. */
  url: string
  backend(): RunningBackend
  /** A project's whole log, read from the backend's history route as `userId`. */
  readLog(projectId: string, userId: string): Promise<MessageData[]>
  /** Proxy request log since start (survives app restarts). */
  proxyLog: ProxyLogEntry[]
  stopBackend(): Promise<void>
  startBackend(): Promise<void>
  stopApp(): Promise<void>
  startApp(): Promise<void>
  close(): Promise<void>
}

/** @internal Start backend and app on free ports with a fresh database. */
export async function startStack(options: { heartbeatMs?: number } = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-e2e-'))
  const dbPath = join(dir, 'backend.sqlite')
  const proxyLog: ProxyLogEntry[] = []
  const heartbeatMs = options.heartbeatMs ?? 20_000
  let backend: RunningBackend | undefined = await startBackend({
    port: 0,
    dbPath,
    secret: SECRET,
    heartbeatMs,
    assistantDelayMs: 200,
  })
  const backendPort = backend.port
  const launchApp = (port: number) =>
    startServer({
      port,
      backendUrl: `http://127.0.0.1:${backendPort}`,
      secret: SECRET,
      sessionSecret: SESSION_SECRET,
      heartbeatMs,
      appDir: 'dist/app',
      log: (entry) => proxyLog.push(entry),
    })
  let app: RunningServer | undefined = await launchApp(0)
  const appPort = Number(new URL(app.url).port)

  const stack: Stack = {
    url: app.url,
    proxyLog,
    backend() {
      if (!backend) throw new Error('the backend is stopped')
      return backend
    },
    readLog: (project, userId) => readBackendLog(stack.backend().url, { secret: SECRET, project, userId }),
    async stopBackend() {
      await backend?.close()
      backend = undefined
    },
    async startBackend() {
      backend ??= await startBackend({
        port: backendPort,
        dbPath,
        secret: SECRET,
        heartbeatMs,
        assistantDelayMs: 200,
      })
    },
    async stopApp() {
      await app?.close()
      app = undefined
    },
    async startApp() {
      app ??= await launchApp(appPort)
    },
    async close() {
      await stack.stopApp()
      await stack.stopBackend()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return stack
}
