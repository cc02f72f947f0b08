/** Small numeric helpers for the benchmark reports. */
import os from 'node:os'

/** The `p`-th percentile (0–100) of `values`, nearest rank; `null` for none. */
export function percentile(values, p) {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** The median (the mean of the middle two for an even count); `null` for none. */
export function median(values) {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** `value` rounded to `digits` decimals; `null` stays `null`. */
export function round(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) return value ?? null
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

/** `a / b` rounded to two decimals, `null` when either is missing. */
export function ratio(a, b) {
  if (a === null || b === null || a === undefined || b === undefined || b === 0) return null
  return round(a / b, 2)
}

/** The 1-minute load average, to judge how noisy a run was. */
export function load1() {
  return round(os.loadavg()[0], 2)
}
