/**
 * The goals of issue 14 as data: each benchmark reports the goals it measures, and
 * scripts/bench.mjs prints them together with met/missed. A goal compares a measured ratio
 * (ours ÷ baseline or floor, over the rounds' medians) or size with its limit. Nothing here
 * adjusts a measurement: a goal without a value is missed, and says why.
 */

/**
 * A goal row. `value` is the measured figure (`null` when it could not be measured, which
 * counts as missed); `limit` the goal; `atMost` whether the value must stay at or below the
 * limit (else at or above). `detail` says what the value is made of (medians, min–max, load).
 */
export function goal(name, { value, limit, atMost = true, unit = '×', detail = '' }) {
  const measured = value === null || value === undefined || !Number.isFinite(value) ? null : value
  const met = measured !== null && (atMost ? measured <= limit : measured >= limit)
  return {
    goal: name,
    measured: measured === null ? 'not measured' : `${measured}${unit === '×' ? ' ×' : ` ${unit}`}`,
    target: `${atMost ? '≤' : '≥'} ${limit}${unit === '×' ? ' ×' : ` ${unit}`}`,
    result: met ? 'met' : 'missed',
    detail,
  }
}

/** `median (min–max)` of `values` rounded to `digits`, for tables; '—' for none. */
export function spreadText(values, digits = 0) {
  const { median, min, max, rounds } = spread(values)
  if (rounds === 0) return '—'
  const show = (v) => (Math.round(v * 10 ** digits) / 10 ** digits).toLocaleString('en-US')
  return rounds === 1 ? show(median) : `${show(median)} (${show(min)}–${show(max)})`
}

/** `{ median, min, max, rounds }` of `values` (nulls dropped). */
export function spread(values) {
  const list = values.filter((v) => v !== null && v !== undefined && Number.isFinite(v))
  if (list.length === 0) return { median: null, min: null, max: null, rounds: 0 }
  const sorted = [...list].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  return { median, min: sorted[0], max: sorted.at(-1), rounds: list.length }
}

/** The round count from `--rounds=N` (at least 1), else `fallback`. */
export function roundsArg(fallback) {
  const arg = process.argv.find((a) => a.startsWith('--rounds='))
  const n = arg === undefined ? Number.NaN : Number(arg.slice('--rounds='.length))
  return Number.isInteger(n) && n >= 1 ? n : fallback
}
