#!/usr/bin/env node
// `npm run sim -- [--seeds N] [--from S] | [--minutes M] | [--seed S [--plan file]] [--fault-minutes F]`:
// the deterministic simulation of the channel core (test/sim). Bundles test/sim/cli.ts for Node
// with Vite, then runs it on every core. A failing seed prints its replay command and shrunk trace.
import { mkdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'vite'

const root = fileURLToPath(new URL('..', import.meta.url))
const outDir = `${root}.tmp/sim`
mkdirSync(outDir, { recursive: true })
await build({
  root,
  configFile: false,
  logLevel: 'warn',
  publicDir: false,
  build: {
    ssr: `${root}test/sim/cli.ts`,
    outDir,
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rolldownOptions: { output: { entryFileNames: 'cli.js', format: 'es' } },
  },
  ssr: { target: 'node' },
})
const { main } = await import(pathToFileURL(`${outDir}/cli.js`).href)
process.exitCode = await main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error)
  return 2
})
