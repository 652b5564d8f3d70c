// Small statistics helpers: medians, percentiles and paired ratios, the only figures the benchmark reports.

/**
 * The median of a non-empty list (mean of the two middle values for an even count).
 * @param {readonly number[]} values
 * @returns {number}
 */
export function median(values) {
  return percentile(values, 50);
}

/**
 * The p-th percentile (0–100) by linear interpolation between closest ranks.
 * @param {readonly number[]} values
 * @param {number} p
 * @returns {number}
 */
export function percentile(values, p) {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/**
 * Ratios of two series measured side by side (round i of `numerator` against round i of
 * `denominator`), so that machine-wide drift between rounds cancels out.
 * @param {readonly number[]} numerator
 * @param {readonly number[]} denominator
 * @returns {{ median: number, min: number, max: number, rounds: number[] }}
 */
export function pairedRatio(numerator, denominator) {
  const rounds = numerator.map((value, i) => value / denominator[i]);
  return { median: median(rounds), min: Math.min(...rounds), max: Math.max(...rounds), rounds };
}

/**
 * Rounds a figure for display and JSON: 3 significant digits, integers kept whole.
 * @param {number} value
 * @returns {number}
 */
export function round(value) {
  if (!Number.isFinite(value) || Math.abs(value) >= 1000) return Math.round(value);
  return Number(value.toPrecision(3));
}
