/**
 * Every `ts` / `tsx` code block of the README compiles as written, against the package's own
 * entries (`persistent-chat/*` mapped to src/) and React's types, in strict mode. A block that
 * only illustrates (another library's code) says so in its info string: ```tsx nocheck.
 * The only names a block may use without importing are the stand-ins for the reader's own code,
 * declared in PRELUDE (an auth module) and Vite's `?worker` imports.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'pc-readme-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const PRELUDE = `
declare module '@/lib/auth' {
  /** The reader's auth: the signed-in user's id, or null. */
  export function currentUserId(request: Request): Promise<string | null>
}
declare module '*?sharedworker' {
  const SharedWorkerConstructor: { new (options?: { name?: string }): SharedWorker }
  export default SharedWorkerConstructor
}
declare module '*?worker' {
  const WorkerConstructor: { new (options?: { name?: string }): Worker }
  export default WorkerConstructor
}
`

/** The package's entries, as `exports` maps them, pointed at the sources. */
const ENTRIES: Record<string, string> = {
  'persistent-chat/client': 'src/client/index.ts',
  'persistent-chat/react': 'src/react/index.ts',
  'persistent-chat/worker': 'src/worker/shared-worker.ts',
  'persistent-chat/leader-worker': 'src/worker/leader-worker.ts',
  'persistent-chat/sse': 'src/sse/index.ts',
  'persistent-chat/server': 'src/server/index.ts',
  'persistent-chat/backend': 'src/server/backend/index.ts',
}

interface Block {
  language: 'ts' | 'tsx'
  line: number
  code: string
}

function readmeBlocks(): Block[] {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const info = /^```(\S*)(.*)$/.exec(lines[i] ?? '')
    if (!info) continue
    const end = lines.findIndex((line, j) => j > i && line === '```')
    const [, language, rest = ''] = info
    if ((language === 'ts' || language === 'tsx') && !/\bnocheck\b/.test(rest)) {
      blocks.push({ language, line: i + 1, code: lines.slice(i + 1, end).join('\n') })
    }
    i = end
  }
  return blocks
}

test('every ts/tsx block of the README type-checks as written', { timeout: 120_000 }, () => {
  const blocks = readmeBlocks()
  // The client, server, React and migration blocks at least.
  expect(blocks.length).toBeGreaterThanOrEqual(4)
  mkdirSync(join(work, 'blocks'), { recursive: true })
  writeFileSync(join(work, 'prelude.d.ts'), PRELUDE)
  const files = blocks.map((block) => {
    const file = join(work, 'blocks', `readme-line-${block.line}.${block.language}`)
    // `export {}`: each block is a module of its own (top-level await, no shared names).
    writeFileSync(file, `${block.code}\nexport {}\n`)
    return file
  })
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        jsx: 'react-jsx',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
        paths: {
          ...Object.fromEntries(Object.entries(ENTRIES).map(([name, path]) => [name, [join(root, path)]])),
          react: [join(root, 'node_modules/@types/react')],
          'react/*': [join(root, 'node_modules/@types/react/*')],
        },
      },
      files: [join(work, 'prelude.d.ts'), ...files],
    }),
  )

  let output = ''
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', work], {
      encoding: 'utf8',
      stdio: 'pipe',
    })
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error)
  }
  // Errors name the README line of the block they are in.
  expect(output.replace(/^.*blocks\//gm, '')).toBe('')
})
