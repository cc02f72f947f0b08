/**
 * `npm start`'s entry (DESIGN.md §6): reads the environment, starts the reference backend
 * (unless `WORKER_BASE_URL` is set) and the app + proxy, prints their URLs, and shuts down
 * cleanly on SIGINT/SIGTERM. Importing this module starts nothing; running it does.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ConfigError, readConfig } from './config'
import { jsonLineLogger } from './proxy/log'
import { type RunningServer, startServer } from './start-server'

export type { RunningServer, StartServerOptions } from './start-server'
export { startServer } from './start-server'

/** @public Starts everything from `env` and installs the signal handlers. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const config = readConfig(env)
  for (const warning of config.warnings) console.warn(`[persistent-chat] warning: ${warning}`)

  const server = await startServer({
    ...config.options,
    // Two levels below the package root both as src/server/main.ts and dist/server/main.js.
    appDir: fileURLToPath(new URL('../../dist/app/', import.meta.url)),
    log: jsonLineLogger,
    backendLog: (entry) => console.log(JSON.stringify({ time: new Date().toISOString(), ...entry })),
  })
  const backendKind =
    server.backend === undefined ? 'external' : `reference, db ${config.options.backend?.dbPath}`
  console.log(`[persistent-chat] backend: ${server.backendUrl} (${backendKind})`)
  console.log(`[persistent-chat] app: ${server.url} (sign in at ${server.url}/login)`)

  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.warn(`[persistent-chat] ${signal} again: exiting without waiting.`)
      process.exit(1)
    }
    stopping = true
    console.log(`[persistent-chat] ${signal}: shutting down…`)
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[persistent-chat] shutdown failed:', error)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return server
}

function isEntry(): boolean {
  const entry = process.argv[1]
  if (entry === undefined) return false
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href
  } catch {
    return false
  }
}

if (isEntry()) {
  main().catch((error: unknown) => {
    console.error(`[persistent-chat] ${error instanceof ConfigError ? error.message : String(error)}`)
    process.exit(1)
  })
}
