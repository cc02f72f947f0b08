/**
 * Identifiers the backend mints: `msg_…`, `build_…`, `conn_…`. ULID-shaped (time first, then
 * randomness, Crockford base32) so they sort roughly by creation time in logs and databases.
 */
import { randomBytes } from 'node:crypto'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** @internal A new id `<prefix>_<10 time chars><16 random chars>`, e.g. `msg_01J…`. */
export function createId(prefix: string, now: number = Date.now()): string {
  let time = ''
  let rest = now
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(rest % 32) + time
    rest = Math.floor(rest / 32)
  }
  let random = ''
  // 16 chars × 5 bits = 80 bits, as in a ULID; one byte per char keeps it simple.
  for (const byte of randomBytes(16)) random += CROCKFORD.charAt(byte % 32)
  return `${prefix}_${time}${random}`
}
