#!/usr/bin/env node
// The package build (`npm pack` runs it as `prepack`): JavaScript from vite.lib.config.ts,
// declarations from `tsc -b` copied next to it, so each export has `types` first.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const root = fileURLToPath(new URL('..', import.meta.url))
await build({ configFile: `${root}vite.lib.config.ts`, logLevel: 'warn' })
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', root], { stdio: 'inherit' })
const declarations = `${root}node_modules/.tsbuild/src`
if (!existsSync(declarations)) throw new Error('tsc -b produced no declarations')
rmSync(`${root}dist/lib/types`, { recursive: true, force: true })
cpSync(declarations, `${root}dist/lib/types`, {
  recursive: true,
  filter: (path) => !path.endsWith('.tsbuildinfo') && !path.includes('/app'),
})
// stderr: `npm pack --json` prints its report on stdout.
console.error('[persistent-chat] library built in dist/lib')
