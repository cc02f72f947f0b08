#!/usr/bin/env node
// `npm run build`: the browser app (vite.config.ts → dist/app), then the Node server
// (vite.server.config.ts → dist/server/main.js). Usable as a module: `await build()`.
import { fileURLToPath } from 'node:url'
import { build as viteBuild } from 'vite'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Builds app and server; `logLevel` is passed to Vite ('info', 'warn', …). */
export async function build({ logLevel = 'info' } = {}) {
  await viteBuild({ configFile: `${root}vite.config.ts`, logLevel })
  await viteBuild({ configFile: `${root}vite.server.config.ts`, logLevel })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  build().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
