/** Builds app and server; `logLevel` is passed to Vite. */
export function build(options?: { logLevel?: 'info' | 'warn' | 'error' | 'silent' }): Promise<void>
