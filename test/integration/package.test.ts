/**
 * The published package works for a user: `npm pack`, install the tarball into a fresh Vite
 * app (a clean install: no native module, no server framework, no build step), type-check the
 * app against the shipped declarations, and build it with the SharedWorker bundled from
 * `persistent-chat/worker`. The reference backend, whose SQLite is an optional peer, says what to
 * install instead of failing to load.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { afterAll, expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'pc-pack-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

test('the packed package installs into a fresh Vite app, type-checks, and builds with its SharedWorker', {
  timeout: 240_000,
}, async () => {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>
  const tarball = join(work, packed[0]?.filename ?? '')
  const shipped = packed[0]?.files.map((f) => f.path) ?? []
  expect(shipped).toContain('dist/lib/client.js')
  expect(shipped).toContain('dist/lib/types/client/index.d.ts')
  expect(shipped).toContain('dist/lib/types/react/index.d.ts')
  expect(readFileSync(join(root, 'dist/lib/react.js'), 'utf8').startsWith('"use client";\n')).toBe(true)
  expect(shipped.filter((path) => path.startsWith('src/') || path.endsWith('.map'))).toEqual([])

  const app = join(work, 'app')
  mkdirSync(join(app, 'src'), { recursive: true })
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  )
  // Scripts allowed, as a user's install runs them: nothing may build or fetch a binary.
  const installLog = execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', tarball],
    { cwd: app, encoding: 'utf8', stdio: 'pipe' },
  )
  const installed = readdirSync(join(app, 'node_modules')).flatMap((name) =>
    name.startsWith('@') ? readdirSync(join(app, 'node_modules', name)).map((n) => `${name}/${n}`) : [name],
  )
  // What a browser app gets: the client's three dependencies and theirs. No better-sqlite3, hono,
  // @hono/node-server or react (React is an optional peer; the app brings its own).
  expect(installed.filter((name) => !name.startsWith('.')).sort()).toEqual([
    '@types/trusted-types',
    'comlink',
    'idb',
    'persistent-chat',
    'workbox-core',
    'workbox-window',
  ])
  expect(installLog).not.toMatch(/gyp|prebuild|install script/i)
  expect(
    findFiles(join(app, 'node_modules'), (path) => path.endsWith('.node') || path.endsWith('binding.gyp')),
  ).toEqual([])

  writeFileSync(
    join(app, 'backend.mjs'),
    "import { startBackend } from 'persistent-chat/backend'\nawait startBackend({ secret: 's', port: 0 }).catch((error) => console.log(error.message))\n",
  )
  expect(execFileSync(process.execPath, ['backend.mjs'], { cwd: app, encoding: 'utf8' }).trim()).toBe(
    'persistent-chat/backend needs better-sqlite3, an optional peer dependency: run `npm install better-sqlite3@12`',
  )
  writeFileSync(
    join(app, 'index.html'),
    '<!doctype html><html><body><ul id="list"></ul><script type="module" src="/src/main.ts"></script></body></html>',
  )
  writeFileSync(
    join(app, 'src/main.ts'),
    [
      "import { createChatClient, type PersistentChatMessage } from 'persistent-chat/client'",
      "import ChatWorker from 'persistent-chat/worker?sharedworker'",
      "import LeaderWorker from 'persistent-chat/leader-worker?worker'",
      'const client = createChatClient({',
      '  sharedWorker: (name) => new ChatWorker({ name }),',
      '  dedicatedWorker: (name) => new LeaderWorker({ name }),',
      '})',
      "const project = client.project('general')",
      'project.subscribe((view) => {',
      '  const texts: string[] = view.messages.map((m: PersistentChatMessage) => m.text)',
      "  document.getElementById('list')!.textContent = texts.join('\\n')",
      '})',
      "void project.send('hello')",
    ].join('\n'),
  )
  writeFileSync(
    join(app, 'src/env.d.ts'),
    [
      "declare module '*?sharedworker' {",
      '  const W: { new (options?: { name?: string }): SharedWorker }',
      '  export default W',
      '}',
      "declare module '*?worker' {",
      '  const W: { new (options?: { name?: string }): Worker }',
      '  export default W',
      '}',
    ].join('\n'),
  )
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        lib: ['ES2022', 'DOM', 'DOM.Iterable', 'WebWorker.ImportScripts'],
        types: [],
      },
      include: ['src'],
    }),
  )

  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], {
    stdio: 'pipe',
  })
  await build({ root: app, logLevel: 'silent', build: { outDir: join(app, 'dist') } })

  const assets = readdirSync(join(app, 'dist/assets'))
  const main = assets.find((f) => f.startsWith('index-') && f.endsWith('.js'))
  const worker = assets.find((f) => f.startsWith('worker-') && f.endsWith('.js'))
  const leader = assets.find((f) => f.startsWith('leader-worker-') && f.endsWith('.js'))
  expect(leader).toBeDefined()
  expect(main).toBeDefined()
  expect(worker).toBeDefined()
  expect(readFileSync(join(app, 'dist/assets', main ?? ''), 'utf8')).toContain('SharedWorker')
  expect(readFileSync(join(app, 'dist/assets', worker ?? ''), 'utf8')).toContain('persistent-chat:tab:')
})

/** Every file under `dir` (recursively) for which `match` holds. */
function findFiles(dir: string, match: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((path) => join(dir, path))
    .filter(match)
}
