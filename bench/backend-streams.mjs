#!/usr/bin/env node
/**
 * Backend capacity benchmark: 1,000 concurrent SSE streams (1,000 users) on the reference
 * backend running in its own process, then one message fanned out to all of them. Unlike
 * test/integration/backend-capacity.test.ts, the RSS reported here is the backend's alone.
 *
 * Usage: node bench/backend-streams.mjs [streams=1000]. Prints one JSON line.
 * The TypeScript sources are bundled once with Vite (SSR build) into .tmp/, since Node 20
 * cannot run .ts directly.
 */
import { fork } from 'node:child_process'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const outDir = `${root}.tmp/bench-backend`
const STREAMS = Number(process.argv[2] ?? 1000)
/** Opens in waves: a burst of 1,000 connects would overflow the listen backlog (511). */
const WAVE = 100
const SECRET = 'bench-secret'

if (process.argv[2] === '--child') {
  // Child: run the backend, answer RSS probes from the parent.
  const { startBackend } = await import(`${outDir}/backend.mjs`)
  const backend = await startBackend({ dbPath: ':memory:', secret: SECRET })
  const report = () => ({ url: backend.url, rss: process.memoryUsage().rss, streams: backend.openStreams() })
  process.send(report())
  process.on('message', (message) => {
    if (message === 'probe') process.send(report())
    else backend.close().then(() => process.exit(0))
  })
} else {
  // Imported here, not at the top, so the child's RSS does not include Vite.
  const { build } = await import('vite')
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: true,
      outDir,
      emptyOutDir: true,
      rollupOptions: {
        input: { backend: 'src/server/backend/index.ts', signing: 'src/server/signing.ts' },
        output: { format: 'esm', entryFileNames: '[name].mjs' },
      },
    },
  })
  const { signRequest } = await import(`${outDir}/signing.mjs`)
  const child = fork(fileURLToPath(import.meta.url), ['--child'])
  const reply = () => new Promise((resolve) => child.once('message', resolve))
  const probe = async () => {
    child.send('probe')
    return reply()
  }
  const idle = await reply()
  const url = new URL(idle.url)

  const sockets = []
  let received = 0
  const open = (userId) =>
    new Promise((resolve, reject) => {
      const path = '/v1/projects/crowd/chat/stream'
      const outgoing = request(
        {
          host: url.hostname,
          port: url.port,
          path,
          agent: false,
          headers: signRequest({ secret: SECRET, method: 'GET', pathWithQuery: path, userId }),
        },
        (response) => {
          if (response.statusCode !== 200) reject(new Error(`stream ${userId}: ${response.statusCode}`))
          response.setEncoding('utf8')
          let text = ''
          let replayed = false
          let got = false
          response.on('data', (chunk) => {
            text += chunk
            if (!replayed && text.includes('event: replay.end')) {
              replayed = true
              resolve()
            }
            if (!got && text.includes('event: message.new')) {
              got = true
              received++
            }
          })
        },
      )
      outgoing.on('error', reject)
      outgoing.end()
      sockets.push(outgoing)
    })

  const started = performance.now()
  for (let first = 0; first < STREAMS; first += WAVE) {
    const size = Math.min(WAVE, STREAMS - first)
    await Promise.all(Array.from({ length: size }, (_, i) => open(`user_${first + i}`)))
  }
  const opened = performance.now()
  const held = await probe()

  const path = '/v1/projects/crowd/chat/messages'
  const body = JSON.stringify({ client_msg_id: 'bench-1', text: 'hello, everyone' })
  const posted = performance.now()
  await new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...signRequest({ secret: SECRET, method: 'POST', pathWithQuery: path, userId: 'poster', body }),
        },
      },
      (response) => response.resume().on('end', resolve),
    )
    outgoing.on('error', reject)
    outgoing.end(body)
  })
  while (received < STREAMS) await new Promise((resolve) => setImmediate(resolve))
  const delivered = performance.now()

  const mib = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10
  console.log(
    JSON.stringify({
      benchmark: 'backend-streams',
      streams: held.streams,
      openMs: Math.round(opened - started),
      fanOutMs: Math.round(delivered - posted),
      backendRssIdleMiB: mib(idle.rss),
      backendRssOpenMiB: mib(held.rss),
      perStreamKiB: Math.round(((held.rss - idle.rss) / 1024 / STREAMS) * 10) / 10,
    }),
  )
  for (const socket of sockets) socket.destroy()
  child.send('exit')
}
