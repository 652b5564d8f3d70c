// bench/throughput.mjs
// Interleaved load rounds over all variants: every round runs each target once, in a rotated order.

import { ACTUAL_HEADERS, OBJECT_PATH, ORIGIN, PREFLIGHT_HEADERS } from './fixtures.mjs';
import { send, throughput } from './load.mjs';

/**
 * @typedef {object} LoadCase
 * @property {string} name  e.g. 'redis GET'
 * @property {import('./load.mjs').LoadTarget} target
 * @property {(answer: import('./load.mjs').Answer) => string | undefined} check  what is wrong with a sample answer
 */

/** @param {import('./load.mjs').Answer} answer */
const checkNoCors = (answer) =>
  answer.status !== 200 ? `status ${answer.status}` : answer.headers['access-control-allow-origin'] !== undefined ? 'sent CORS headers' : undefined;
/** @param {import('./load.mjs').Answer} answer */
const checkCors = (answer) =>
  answer.status !== 200 ? `status ${answer.status}` : answer.headers['access-control-allow-origin'] !== ORIGIN ? 'no matching Access-Control-Allow-Origin' : undefined;
/** @param {import('./load.mjs').Answer} answer */
const checkPreflight = (answer) =>
  checkCors(answer) ?? (/\bPUT\b/.test(String(answer.headers['access-control-allow-methods'])) ? undefined : 'PUT not in Access-Control-Allow-Methods');

/**
 * The load cases: an actual GET with a matching Origin on every variant, and a preflight answered by
 * the Redis-backed middleware (compared with `bare GET` of the same path).
 * @param {Record<string, string>} origins  server origin by variant
 * @returns {LoadCase[]}
 */
export function loadCases(origins) {
  /** @type {LoadCase[]} */
  const cases = Object.entries(origins).map(([variant, origin]) => ({
    name: `${variant} GET`,
    target: { url: origin + OBJECT_PATH, method: 'GET', headers: ACTUAL_HEADERS },
    check: variant === 'bare' ? checkNoCors : checkCors,
  }));
  cases.push({
    name: 'redis OPTIONS',
    target: { url: origins.redis + OBJECT_PATH, method: 'OPTIONS', headers: PREFLIGHT_HEADERS },
    check: checkPreflight,
  });
  return cases;
}

/**
 * Checks each case's answer once, warms every server up, then runs `rounds` rounds in which each
 * case gets `seconds` of load; round r starts at case r (mod count) so no case always follows the
 * same neighbour or always goes first.
 * @param {LoadCase[]} cases
 * @param {{ rounds: number, seconds: number, warmupSeconds: number, progress: (line: string) => void }} plan
 * @returns {Promise<Record<string, number[]>>} requests per second by case name, one entry per round
 */
export async function interleavedThroughput(cases, { rounds, seconds, warmupSeconds, progress }) {
  for (const { name, target, check } of cases) {
    const problem = check(await send(target));
    if (problem !== undefined) throw new Error(`${name}: ${problem}; the variant does not do what it is meant to`);
  }
  for (const { target } of cases) await throughput(target, { seconds: warmupSeconds });
  /** @type {Record<string, number[]>} */
  const samples = Object.fromEntries(cases.map(({ name }) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const order = cases.map((_, i) => cases[(i + round) % cases.length]);
    for (const { name, target } of order) samples[name].push(await throughput(target, { seconds }));
    progress(`round ${round + 1}/${rounds}: ${order.map(({ name }) => `${name} ${Math.round(samples[name][round])}`).join(', ')}`);
  }
  return samples;
}
