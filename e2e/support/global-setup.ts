/** Build the app and server once before the browser tests (they serve `dist/app`). */
import { build } from '../../scripts/build.mjs'

export default async function globalSetup(): Promise<void> {
  await build({ logLevel: 'warn' })
}
