/**
 * Small hand-written validators for JSON values: each checks one shape and returns the value
 * typed, or a `Mismatch` saying why not, never throwing. `decode.ts` composes them into the
 * wire payloads.
 *
 * Every event of every stream passes through here, so success costs no more than the checks
 * (bench/decoding.mjs): a validator returns the value itself rather than a wrapper, and a
 * mismatch's path is built only on failure, each parent prefixing its key as the mismatch
 * travels up, instead of every field building its path on the way down.
 */

/** @internal Why a value was rejected; `decode.ts` turns it into a described `DecodeError`. */
export class Mismatch {
  constructor(
    readonly type: 'missing-field' | 'invalid-type' | 'invalid-value',
    /** Where, inside the value the outermost validator checked: `content.text`, `messages[3].seq`, `''` for itself. */
    readonly field: string,
    readonly expected: string,
    readonly received: string,
  ) {}

  /** The same mismatch seen from the parent: `segment` is the key (`content`) or index (`[3]`) it was found at. */
  within(segment: string): Mismatch {
    const field =
      this.field === ''
        ? segment
        : this.field.startsWith('[')
          ? segment + this.field
          : `${segment}.${this.field}`
    return new Mismatch(this.type, field, this.expected, this.received)
  }
}

/** @internal Checks `value` and returns it typed, or why not. `undefined` means the field was absent (JSON has no `undefined`). */
export type Validator<T> = (value: unknown) => T | Mismatch

type Shape = Record<string, Validator<unknown>>
type ShapeOutput<S extends Shape> = { [K in keyof S]: S[K] extends Validator<infer T> ? T : never }

const missing = (): Mismatch => new Mismatch('missing-field', '', '', '')

function mismatch(type: 'invalid-type' | 'invalid-value', expected: string, value: unknown): Mismatch {
  return new Mismatch(type, '', expected, describeValue(value))
}

/**
 * Why `value` failed a primitive check: absent, of another JSON type than `expectedType`, or
 * of that type but not `expectedValue`. Only reached on failure, so the checks stay one
 * expression each.
 */
function rejected(
  value: unknown,
  ofType: boolean,
  expectedType: string,
  expectedValue = expectedType,
): Mismatch {
  if (value === undefined) return missing()
  return ofType
    ? mismatch('invalid-value', expectedValue, value)
    : mismatch('invalid-type', expectedType, value)
}

/** @internal Any string. */
export const string: Validator<string> = (value) =>
  typeof value === 'string' ? value : rejected(value, false, 'a string')

/** @internal A non-empty string (identifiers). */
export const nonEmptyString: Validator<string> = (value) =>
  typeof value === 'string' && value !== ''
    ? value
    : rejected(value, typeof value === 'string', 'a string', 'a non-empty string')

/** @internal A string `Date.parse` understands (the wire uses ISO 8601). */
export const dateString: Validator<string> = (value) =>
  typeof value === 'string' && isDate(value)
    ? value
    : rejected(value, typeof value === 'string', 'a string', 'an ISO 8601 date')

/** @internal A positive safe integer (a `seq`). */
export const positiveInteger: Validator<number> = (value) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    ? value
    : rejected(value, typeof value === 'number', 'a number', 'a positive safe integer')

/** @internal A non-negative safe integer (a cursor or a count). */
export const nonNegativeInteger: Validator<number> = (value) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    ? value
    : rejected(value, typeof value === 'number', 'a number', 'a non-negative safe integer')

/** @internal `true` or `false`. */
export const boolean: Validator<boolean> = (value) =>
  typeof value === 'boolean' ? value : rejected(value, false, 'a boolean')

/** @internal A JSON object that is not an array, kept as is. */
export const plainObject: Validator<Record<string, unknown>> = (value) =>
  isPlainObject(value) ? value : rejected(value, false, 'an object')

/**
 * The wire's own form, `2025-08-27T10:30:00.000Z`, with every part in range. ECMAScript makes
 * every `Date.parse` accept such a string on a real calendar day, so those skip it: reading
 * the 24 characters in place costs a fraction of parsing (or of a regular expression), on
 * every message.
 */
function isWireTimestamp(value: string): boolean {
  if (
    value.length !== 24 ||
    value.charCodeAt(4) !== HYPHEN ||
    value.charCodeAt(7) !== HYPHEN ||
    value.charCodeAt(10) !== LATIN_T ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON ||
    value.charCodeAt(19) !== FULL_STOP ||
    value.charCodeAt(23) !== LATIN_Z
  )
    return false
  const century = twoDigits(value, 0)
  const yearOfCentury = twoDigits(value, 2)
  const month = twoDigits(value, 5)
  const day = twoDigits(value, 8)
  return (
    century >= 0 &&
    yearOfCentury >= 0 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    (day <= 28 || day <= daysInMonth(century * 100 + yearOfCentury, month)) &&
    twoDigitsUpTo(value, 11, 23) &&
    twoDigitsUpTo(value, 14, 59) &&
    twoDigitsUpTo(value, 17, 59) &&
    twoDigits(value, 20) >= 0 &&
    digit(value, 22) >= 0
  )
}

const HYPHEN = 0x2d
const COLON = 0x3a
const FULL_STOP = 0x2e
const LATIN_T = 0x54
const LATIN_Z = 0x5a

/** The ASCII digit at `at` as a number; any other character makes it (and any sum of two) negative. */
function digit(value: string, at: number): number {
  const code = value.charCodeAt(at) - 0x30
  return code >= 0 && code <= 9 ? code : -1000
}

/** The two ASCII digits at `at` as a number, negative unless both are digits. */
function twoDigits(value: string, at: number): number {
  return digit(value, at) * 10 + digit(value, at + 1)
}

/** Whether the two characters at `at` are ASCII digits reading at most `max`. */
function twoDigitsUpTo(value: string, at: number, max: number): boolean {
  const number = twoDigits(value, at)
  return number >= 0 && number <= max
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0)
}

/** @internal Whether `value` is a date string `Date.parse` understands (the wire's own form without calling it). */
export function isDate(value: string): boolean {
  return isWireTimestamp(value) || !Number.isNaN(Date.parse(value))
}

/** @internal One of the given strings. */
export function oneOf<const T extends string>(values: readonly T[]): Validator<T> {
  const expected = `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`
  const isAllowed = (value: string): value is T => (values as readonly string[]).includes(value)
  return (value) =>
    typeof value === 'string' && isAllowed(value)
      ? value
      : rejected(value, typeof value === 'string', 'a string', expected)
}

/** @internal `null`, or a value `validator` accepts. */
export function nullable<T>(validator: Validator<T>): Validator<T | null> {
  return (value) => (value === null ? null : validator(value))
}

/**
 * @internal An optional field. `null` counts as absent: JSON encoders often write `null` for
 * a missing optional value, and the contract's optional fields (`content.mode`) have no
 * meaning for `null` other than "none".
 */
export function optional<T>(validator: Validator<T>): Validator<T | undefined> {
  return (value) => (value === undefined || value === null ? undefined : validator(value))
}

/** @internal An array whose every item `item` accepts; paths are `path[index]`. */
export function array<T>(item: Validator<T>): Validator<T[]> {
  return (value) => {
    if (value === undefined) return missing()
    if (!Array.isArray(value)) return mismatch('invalid-type', 'an array', value)
    const items: T[] = []
    for (let index = 0; index < value.length; index++) {
      const checked = item(value[index])
      if (checked instanceof Mismatch) return checked.within(`[${index}]`)
      items.push(checked)
    }
    return items
  }
}

/**
 * @internal An object with the given fields, checked in order. The result holds only those
 * fields (unknown fields are dropped; absent optional fields stay absent): it is `value`
 * itself when `value` holds exactly the fields as they check out (the common case, and no
 * copy), else a fresh object.
 */
export function object<S extends Shape>(shape: S): Validator<ShapeOutput<S>> {
  const keys = Object.keys(shape)
  const validators = Object.values(shape)
  // A field is read as `value[key]`, which is `undefined` when absent only if no prototype of
  // a JSON object has that key (an own-property check on every field costs ~10 % of decoding).
  const inherited = keys.find((key) => key in Object.prototype)
  if (inherited !== undefined)
    throw new TypeError(`object(): the field name "${inherited}" is inherited from Object.prototype`)
  return (value) => {
    if (value === undefined) return missing()
    if (!isPlainObject(value)) return mismatch('invalid-type', 'an object', value)
    /** Whether every field checked out as itself (a nested copy or a `null` read as absent does not). */
    let unchanged = true
    let present = 0
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string
      const field = value[key]
      const checked = (validators[index] as Validator<unknown>)(field)
      if (checked instanceof Mismatch) return checked.within(key)
      if (checked !== field) unchanged = false
      if (field !== undefined) present++
    }
    if (unchanged && countKeys(value) === present) return value as ShapeOutput<S>
    const result: Record<string, unknown> = {}
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string
      const checked = (validators[index] as Validator<unknown>)(value[key])
      if (checked !== undefined) result[key] = checked
    }
    return result as ShapeOutput<S>
  }
}

/** @internal Enumerable keys of `value` (a JSON object's own ones, unless someone polluted Object.prototype, which only forces a copy). */
export function countKeys(value: object): number {
  let count = 0
  for (const _ in value) count++
  return count
}

/** @internal A JSON object that is not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A short description of a JSON value for error messages: `number 0`, `an array`. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value
    return `string ${JSON.stringify(shown)}`
  }
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}
