#!/usr/bin/env node
// `npm start`: builds the app and the server, then runs dist/server/main.js in this process
// (reference backend + app + proxy; see DESIGN.md §6 for the environment variables).
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from './build.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))

await build({ logLevel: 'warn' })
const { main } = await import(pathToFileURL(`${root}dist/server/main.js`).href)
await main(process.env).catch((error) => {
  console.error(`[persistent-chat] ${error?.name === 'ConfigError' ? error.message : String(error)}`)
  process.exit(1)
})
