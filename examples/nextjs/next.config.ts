import { fileURLToPath } from 'node:url'
import { withSerwist } from '@serwist/turbopack'
import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // This folder is the app (it sits inside the library's repository, whose lockfile Next
  // would otherwise take as the workspace root).
  turbopack: { root: fileURLToPath(new URL('.', import.meta.url)) },
  outputFileTracingRoot: fileURLToPath(new URL('.', import.meta.url)),
}

// Keeps esbuild (used once at build time to bundle app/sw.ts) out of the server bundle.
export default withSerwist(nextConfig)
