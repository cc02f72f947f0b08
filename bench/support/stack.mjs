/**
 * The servers the browser benchmarks talk to, in a child process of their own: the app + proxy
 * (`startServer` serving `.tmp/bench-site`) and the reference backend on a temp SQLite file,
 * as e2e/support/stack.ts starts them for the browser tests. A separate process keeps the
 * benchmark driver (Playwright) off the servers' event loop and lets the servers' own CPU time
 * be read. Publishing happens in the child, so each publish time is `Date.now()` taken right
 * before `backend.append` on the same machine clock the pages use.
 */
import { fork } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { selfSignedCertificate } from '../../scripts/certificate.mjs'
import { nodeDir, siteDir } from './build.mjs'

const SECRET = 'bench-worker-shared-secret'
const SESSION_SECRET = 'bench-session-secret-0123456789'

/**
 * Start the stack. Resolves with `{ url, call(command, args) }`; `call` runs one of the
 * child's commands below and resolves with its answer. With `tls: true` the app + proxy speak
 * HTTP/2 over TLS (and HTTP/1.1 to clients without it) with a self-signed certificate made
 * here for 127.0.0.1, so a browser told to accept it (`--ignore-certificate-errors`) loads
 * every tab over one connection instead of six per origin.
 */
export async function startStack({ tls = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-'))
  if (tls) selfSignedCertificate(dir)
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--child', join(dir, 'backend.sqlite'), tls ? dir : ''],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  )
  const waiting = new Map()
  let next = 0
  child.on('message', (message) => {
    const pending = waiting.get(message.id)
    if (!pending) return
    waiting.delete(message.id)
    if (message.error) pending.reject(new Error(message.error))
    else pending.resolve(message.result)
  })
  const call = (command, args = {}) =>
    new Promise((resolve, reject) => {
      const id = next++
      waiting.set(id, { resolve, reject })
      child.send({ id, command, args })
    })
  const { url } = await call('start')
  return {
    url,
    pid: child.pid,
    call,
    async close() {
      await call('stop').catch(() => {})
      child.kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Commands the child answers; `tlsDir` holds the certificate when the server speaks HTTP/2. */
function childCommands(dbPath, tlsDir) {
  let server
  let port = 0
  const backend = () => {
    if (!server?.backend) throw new Error('the servers are stopped')
    return server.backend
  }
  const append = (projectId, userId, index) => {
    const publishedAt = Date.now()
    const message = backend().append(projectId, userId, textFor(index))
    return { seq: message.seq, publishedAt }
  }
  return {
    async start() {
      const { startServer } = await import(`${nodeDir}/start-server.mjs`)
      server = await startServer({
        port,
        secret: SECRET,
        sessionSecret: SESSION_SECRET,
        appDir: siteDir,
        backend: { dbPath },
        ...(tlsDir && {
          tls: { key: readFileSync(join(tlsDir, 'key.pem')), cert: readFileSync(join(tlsDir, 'cert.pem')) },
        }),
      })
      port = Number(new URL(server.url).port)
      return { url: server.url }
    },
    async stop() {
      await server?.close()
      server = undefined
      return {}
    },
    openStreams: ({ userId }) => server?.backend?.openStreams(userId) ?? 0,
    latestSeq: ({ projectId }) => backend().latestSeq(projectId),
    cpu: () => process.cpuUsage(),
    /** `count` messages in one synchronous loop; also the way to fill a gap. */
    burst({ projectId, userId, count }) {
      const published = []
      for (let i = 0; i < count; i++) published.push(append(projectId, userId, i))
      return published
    },
    /**
     * `count` messages at `perSecond` in all, on a schedule that does not drift; with several
     * `projectIds` they take turns (each message is tagged with its project).
     */
    steady({ projectId, projectIds = [projectId], userId, count, perSecond }) {
      return new Promise((resolve) => {
        const published = []
        const start = performance.now()
        const tick = () => {
          const project = projectIds[published.length % projectIds.length]
          published.push({ ...append(project, userId, published.length), projectId: project })
          if (published.length === count) return resolve(published)
          setTimeout(tick, Math.max(0, start + (published.length * 1000) / perSecond - performance.now()))
        }
        tick()
      })
    },
  }
}

/** Chat-like texts of varied length, some with non-ASCII characters. */
export function textFor(index) {
  const words = ['deploy', 'the', 'landing', 'page', 'build', 'préview', 'looks', 'great', '👍', 'ship', 'it']
  const length = 4 + ((index * 7) % 29)
  return Array.from({ length }, (_, i) => words[(index + i * 3) % words.length]).join(' ')
}

if (process.argv[2] === '--child') {
  const commands = childCommands(process.argv[3], process.argv[4])
  process.on('message', async ({ id, command, args }) => {
    try {
      process.send({ id, result: await commands[command](args) })
    } catch (error) {
      process.send({ id, error: String(error?.stack ?? error) })
    }
  })
  process.on('disconnect', () => process.exit(0))
}
