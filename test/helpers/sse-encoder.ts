/**
 * Test helper: writes event streams (text and UTF-8 bytes) and cuts them into chunks the way
 * a network might: whole, line by line, unit by unit, or at seeded random points.
 */

/** A line ending an encoder may use. */
export type LineEnd = '\n' | '\r' | '\r\n'

/** One block of an event stream, as a server writes it. */
export interface EncodedBlock {
  comment?: string | undefined
  event?: string | undefined
  id?: string | undefined
  retry?: number | string | undefined
  /** Each line of the data becomes one `data:` field; `''` is a single empty `data:` field. */
  data?: string | undefined
}

/** Encodes one block, ended by a blank line unless `terminated` is false. */
export function encodeBlock(block: EncodedBlock, lineEnd: LineEnd = '\n', terminated = true): string {
  const lines: string[] = []
  if (block.comment !== undefined) lines.push(`: ${block.comment}`)
  if (block.event !== undefined) lines.push(`event: ${block.event}`)
  if (block.id !== undefined) lines.push(`id: ${block.id}`)
  if (block.retry !== undefined) lines.push(`retry: ${block.retry}`)
  if (block.data !== undefined) {
    for (const line of block.data.split(/\r\n|\r|\n/)) lines.push(`data: ${line}`)
  }
  const text = lines.map((line) => line + lineEnd).join('')
  return terminated ? text + lineEnd : text
}

/** Encodes blocks back to back. */
export function encodeStream(blocks: readonly EncodedBlock[], lineEnd: LineEnd = '\n'): string {
  return blocks.map((block) => encodeBlock(block, lineEnd)).join('')
}

/** UTF-8 bytes of `text` (a U+FEFF in the text becomes the bytes EF BB BF). */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const result = new Uint8Array(parts.reduce((length, part) => length + part.length, 0))
  let offset = 0
  for (const part of parts) {
    result.set(part, offset)
    offset += part.length
  }
  return result
}

/** Something that can be sliced: a string or a byte array. */
type Sliceable = string | Uint8Array

/** Cuts `input` at the given ascending offsets. */
export function splitAt<T extends Sliceable>(input: T, offsets: readonly number[]): T[] {
  const chunks: T[] = []
  let start = 0
  for (const offset of [...offsets, input.length]) {
    chunks.push(input.slice(start, offset) as T)
    start = offset
  }
  return chunks
}

/** Cuts `input` into pieces of one unit (a UTF-16 code unit or a byte). */
export function unitByUnit<T extends Sliceable>(input: T): T[] {
  return splitAt(
    input,
    Array.from({ length: Math.max(0, input.length - 1) }, (_, index) => index + 1),
  )
}

/**
 * Cuts `input` after every CR and every LF, so each chunk ends a line, and a CRLF pair is cut
 * between its CR and LF.
 */
export function lineByLine<T extends Sliceable>(input: T): T[] {
  const offsets: number[] = []
  for (let index = 0; index < input.length - 1; index++) {
    const unit = typeof input === 'string' ? input.charCodeAt(index) : (input[index] ?? 0)
    if (unit === 0x0a || unit === 0x0d) offsets.push(index + 1)
  }
  return splitAt(input, offsets)
}

/** Cuts `input` at up to `count` random points drawn from `random`; may yield empty chunks. */
export function atRandomPoints<T extends Sliceable>(input: T, random: () => number, count = 8): T[] {
  const offsets = Array.from({ length: count }, () => Math.floor(random() * (input.length + 1)))
  return splitAt(
    input,
    offsets.sort((a, b) => a - b),
  )
}
