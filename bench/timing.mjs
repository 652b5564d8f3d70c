// bench/timing.mjs
// Nanoseconds per call for in-process code, from interleaved batches with a JIT warm-up, as medians.

import { median } from './stats.mjs';

/**
 * @typedef {object} TimedCase
 * @property {string} name
 * @property {(iterations: number) => unknown | Promise<unknown>} run  runs the code `iterations` times
 */

/**
 * Runs each case's batch in turn (A B A B ...), after two unmeasured warm-up batches each, and returns
 * the median ns per call of each case.
 * @param {TimedCase[]} cases
 * @param {{ batches: number, iterations: number }} plan
 * @returns {Promise<Record<string, { median: number, batches: number[] }>>}
 */
export async function nsPerCall(cases, { batches, iterations }) {
  for (let warmup = 0; warmup < 2; warmup += 1) for (const { run } of cases) await run(iterations);
  /** @type {Record<string, number[]>} */
  const samples = Object.fromEntries(cases.map(({ name }) => [name, []]));
  for (let batch = 0; batch < batches; batch += 1) {
    for (const { name, run } of cases) {
      const start = process.hrtime.bigint();
      await run(iterations);
      samples[name].push(Number(process.hrtime.bigint() - start) / iterations);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, { median: median(values), batches: values }]));
}
