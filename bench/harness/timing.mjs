// Nanoseconds per call for in-process code, from interleaved batches with a JIT warm-up, as medians.

import { median } from './stats.mjs';

/**
 * @template [Input=number]
 * @typedef {object} TimedCase
 * @property {string} name
 * @property {(iterations: number) => Input} [prepare]  untimed: builds what one batch consumes (default: the count)
 * @property {(input: Input) => unknown | Promise<unknown>} run  timed: runs the code once per iteration
 */

/**
 * Runs each case's batch in turn (A B A B ...), after two unmeasured warm-up batches each, and returns
 * the median ns per call of each case.
 * @param {TimedCase<any>[]} cases
 * @param {{ batches: number, iterations: number }} plan
 * @returns {Promise<Record<string, { median: number, batches: number[] }>>}
 */
export async function nsPerCall(cases, { batches, iterations }) {
  /** @param {TimedCase<any>} timedCase @returns {Promise<number>} ns per iteration */
  const batch = async ({ prepare, run }) => {
    const input = prepare === undefined ? iterations : prepare(iterations);
    const start = process.hrtime.bigint();
    await run(input);
    return Number(process.hrtime.bigint() - start) / iterations;
  };
  for (let warmup = 0; warmup < 2; warmup += 1) for (const timedCase of cases) await batch(timedCase);
  /** @type {Record<string, number[]>} */
  const samples = Object.fromEntries(cases.map(({ name }) => [name, []]));
  for (let round = 0; round < batches; round += 1) {
    for (const timedCase of cases) samples[timedCase.name].push(await batch(timedCase));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, { median: median(values), batches: values }]));
}
