#!/usr/bin/env node
// `npm run dev`: like `npm start`, but the browser app is rebuilt on every change
// (`vite build --watch`; reload the page to see it). Server changes need a restart.
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build as viteBuild } from 'vite'
import { build } from './build.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))

await build({ logLevel: 'warn' })
const { main } = await import(pathToFileURL(`${root}dist/server/main.js`).href)
await main(process.env).catch((error) => {
  console.error(`[persistent-chat] ${error?.name === 'ConfigError' ? error.message : String(error)}`)
  process.exit(1)
})
const watcher = await viteBuild({
  configFile: `${root}vite.config.ts`,
  logLevel: 'warn',
  build: { watch: {}, emptyOutDir: false },
})
console.log('[persistent-chat] dev: rebuilding dist/app on change; restart for server changes.')
process.on('exit', () => watcher.close?.())
