/**
 * Small hand-written validators for JSON values: each checks one shape and reports the first
 * mismatch with its path, never throwing. `decode.ts` composes them into the wire payloads.
 */

/** @internal Why a value was rejected; `decode.ts` turns it into a described `DecodeError`. */
export type Mismatch =
  | { type: 'missing-field'; field: string }
  | { type: 'invalid-type' | 'invalid-value'; field: string; expected: string; received: string }

/** @internal The outcome of a validator. */
export type Checked<T> = { ok: true; value: T } | { ok: false; mismatch: Mismatch }

/**
 * @internal Checks `value`, found at `path` (`''` for the root), and returns it typed.
 * `undefined` means the field was absent (JSON has no `undefined`).
 */
export type Validator<T> = (value: unknown, path: string) => Checked<T>

type Shape = Record<string, Validator<unknown>>
type ShapeOutput<S extends Shape> = { [K in keyof S]: S[K] extends Validator<infer T> ? T : never }

function valid<T>(value: T): Checked<T> {
  return { ok: true, value }
}

function mismatch(
  type: 'invalid-type' | 'invalid-value',
  field: string,
  expected: string,
  value: unknown,
): Checked<never> {
  return { ok: false, mismatch: { type, field, expected, received: describeValue(value) } }
}

/** Builds a validator of a JSON primitive: absent → missing, wrong `typeof` → invalid type. */
function primitive<T>(
  expected: string,
  isType: (value: unknown) => value is T,
  isValid?: (value: T) => boolean,
  expectedValue = expected,
): Validator<T> {
  return (value, path) => {
    if (value === undefined) return { ok: false, mismatch: { type: 'missing-field', field: path } }
    if (!isType(value)) return mismatch('invalid-type', path, expected, value)
    if (isValid && !isValid(value)) return mismatch('invalid-value', path, expectedValue, value)
    return valid(value)
  }
}

const isString = (value: unknown): value is string => typeof value === 'string'
const isNumber = (value: unknown): value is number => typeof value === 'number'

/** @internal Any string. */
export const string = primitive('a string', isString)

/** @internal A non-empty string (identifiers). */
export const nonEmptyString = primitive('a string', isString, (value) => value !== '', 'a non-empty string')

/** @internal A string `Date.parse` understands (the wire uses ISO 8601). */
export const dateString = primitive(
  'a string',
  isString,
  (value) => !Number.isNaN(Date.parse(value)),
  'an ISO 8601 date',
)

/** @internal A positive safe integer (a `seq`). */
export const positiveInteger = primitive(
  'a number',
  isNumber,
  (value) => Number.isSafeInteger(value) && value > 0,
  'a positive safe integer',
)

/** @internal A non-negative safe integer (a cursor or a count). */
export const nonNegativeInteger = primitive(
  'a number',
  isNumber,
  (value) => Number.isSafeInteger(value) && value >= 0,
  'a non-negative safe integer',
)

/** @internal `true` or `false`. */
export const boolean = primitive('a boolean', (value): value is boolean => typeof value === 'boolean')

/** @internal A JSON object that is not an array, kept as is. */
export const plainObject = primitive('an object', isPlainObject)

/** @internal One of the given strings. */
export function oneOf<const T extends string>(values: readonly T[]): Validator<T> {
  const expected = `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`
  const isAllowed = (value: string): value is T => (values as readonly string[]).includes(value)
  return (value, path) => {
    const checked = string(value, path)
    if (!checked.ok) return checked
    return isAllowed(checked.value) ? valid(checked.value) : mismatch('invalid-value', path, expected, value)
  }
}

/** @internal `null`, or a value `validator` accepts. */
export function nullable<T>(validator: Validator<T>): Validator<T | null> {
  return (value, path) => (value === null ? valid(null) : validator(value, path))
}

/**
 * @internal An optional field. `null` counts as absent: JSON encoders often write `null` for
 * a missing optional value, and the contract's optional fields (`content.mode`) have no
 * meaning for `null` other than "none".
 */
export function optional<T>(validator: Validator<T>): Validator<T | undefined> {
  return (value, path) => (value === undefined || value === null ? valid(undefined) : validator(value, path))
}

/** @internal An array whose every item `item` accepts; paths are `path[index]`. */
export function array<T>(item: Validator<T>): Validator<T[]> {
  return (value, path) => {
    if (value === undefined) return { ok: false, mismatch: { type: 'missing-field', field: path } }
    if (!Array.isArray(value)) return mismatch('invalid-type', path, 'an array', value)
    const items: T[] = []
    for (const [index, element] of value.entries()) {
      const checked = item(element, `${path}[${index}]`)
      if (!checked.ok) return checked
      items.push(checked.value)
    }
    return valid(items)
  }
}

/**
 * @internal An object with the given fields, checked in order. The result is a fresh object
 * holding only those fields (unknown fields are dropped; absent optional fields stay absent).
 */
export function object<S extends Shape>(shape: S): Validator<ShapeOutput<S>> {
  return (value, path) => {
    if (value === undefined) return { ok: false, mismatch: { type: 'missing-field', field: path } }
    if (!isPlainObject(value)) return mismatch('invalid-type', path, 'an object', value)
    const result: Record<string, unknown> = {}
    for (const [key, validator] of Object.entries(shape)) {
      const checked = validator(
        Object.hasOwn(value, key) ? value[key] : undefined,
        path ? `${path}.${key}` : key,
      )
      if (!checked.ok) return checked
      if (checked.value !== undefined) result[key] = checked.value
    }
    return valid(result as ShapeOutput<S>)
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
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
