// Interleaved load rounds over all variants: every round runs each target once, in a rotated order.

import { CORS_FREE_VARIANTS } from '../harness/apps.mjs';
import { ACTUAL_HEADERS, OBJECT_PATH, ORIGIN, PREFLIGHT_HEADERS } from '../harness/fixtures.mjs';
import { send, throughput } from '../harness/load.mjs';

/**
 * @typedef {object} LoadCase
 * @property {string} name  e.g. 'redis GET'
 * @property {import('../harness/processes.mjs').ServerProcess} server
 * @property {import('../harness/load.mjs').LoadTarget} target
 * @property {(answer: import('../harness/load.mjs').Answer) => string | undefined} check  what is wrong with a sample answer
 */

/** @param {import('../harness/load.mjs').Answer} answer */
const checkNoCors = (answer) =>
  answer.status !== 200 ? `status ${answer.status}` : answer.headers['access-control-allow-origin'] !== undefined ? 'sent CORS headers' : undefined;
/** @param {import('../harness/load.mjs').Answer} answer */
export const checkCors = (answer) =>
  answer.status !== 200 ? `status ${answer.status}` : answer.headers['access-control-allow-origin'] !== ORIGIN ? 'no matching Access-Control-Allow-Origin' : undefined;
/** @param {import('../harness/load.mjs').Answer} answer */
const checkPreflight = (answer) =>
  checkCors(answer) ?? (/\bPUT\b/.test(String(answer.headers['access-control-allow-methods'])) ? undefined : 'PUT not in Access-Control-Allow-Methods');

/**
 * The load cases: an actual GET with a matching Origin on every variant, and a preflight answered by
 * the Redis-backed middleware (compared with `bare GET` of the same path).
 * @param {import('../harness/processes.mjs').ServerProcess[]} servers  one per variant, named after it
 * @returns {LoadCase[]}
 */
export function loadCases(servers) {
  /** @type {LoadCase[]} */
  const cases = servers.map((server) => ({
    name: `${server.name} GET`,
    server,
    target: { url: server.origin + OBJECT_PATH, method: 'GET', headers: ACTUAL_HEADERS },
    check: CORS_FREE_VARIANTS.has(server.name) ? checkNoCors : checkCors,
  }));
  const redis = servers.find(({ name }) => name === 'redis');
  if (redis === undefined) throw new TypeError('loadCases: the preflight case needs the redis variant');
  cases.push({
    name: 'redis OPTIONS',
    server: redis,
    target: { url: redis.origin + OBJECT_PATH, method: 'OPTIONS', headers: PREFLIGHT_HEADERS },
    check: checkPreflight,
  });
  return cases;
}

/**
 * One measured run: requests per second, and the server's CPU time per request, which other load on
 * the machine disturbs far less than throughput.
 * @param {LoadCase} loadCase
 * @param {number} seconds
 * @returns {Promise<{ perSecond: number, cpuMicrosPerRequest: number }>}
 */
async function measure({ server, target }, seconds) {
  const cpuBefore = await server.cpuMicros();
  const { requests, perSecond } = await throughput(target, { seconds });
  return { requests, perSecond, cpuMicrosPerRequest: ((await server.cpuMicros()) - cpuBefore) / requests };
}

/**
 * Checks each case's answer once, warms every server up, then runs `rounds` rounds in which each
 * case gets `seconds` of load; round r starts at case r (mod count) so no case always follows the
 * same neighbour or always goes first.
 * @param {LoadCase[]} cases
 * @param {{ rounds: number, seconds: number, warmupSeconds: number, progress: (line: string) => void, afterWarmup?: () => Promise<void> }} plan
 * @returns {Promise<{ perSecond: Record<string, number[]>, cpuMicrosPerRequest: Record<string, number[]>, requests: Record<string, number> }>}
 *   by case name, one entry per round; `requests`: all measured requests of each case
 */
export async function interleavedThroughput(cases, { rounds, seconds, warmupSeconds, progress, afterWarmup }) {
  for (const { name, target, check } of cases) {
    const problem = check(await send(target));
    if (problem !== undefined) throw new Error(`${name}: ${problem}; the variant does not do what it is meant to`);
  }
  for (const { target } of cases) await throughput(target, { seconds: warmupSeconds });
  await afterWarmup?.();
  /** @type {Record<string, number>} */
  const requests = Object.fromEntries(cases.map(({ name }) => [name, 0]));
  /** @type {Record<string, number[]>} */
  const perSecond = Object.fromEntries(cases.map(({ name }) => [name, []]));
  /** @type {Record<string, number[]>} */
  const cpuMicrosPerRequest = Object.fromEntries(cases.map(({ name }) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const order = cases.map((_, i) => cases[(i + round) % cases.length]);
    for (const loadCase of order) {
      const sample = await measure(loadCase, seconds);
      perSecond[loadCase.name].push(sample.perSecond);
      requests[loadCase.name] += sample.requests;
      cpuMicrosPerRequest[loadCase.name].push(sample.cpuMicrosPerRequest);
    }
    progress(`round ${round + 1}/${rounds}: ${order.map(({ name }) => `${name} ${Math.round(perSecond[name][round])}/s`).join(', ')}`);
  }
  return { perSecond, cpuMicrosPerRequest, requests };
}
