// Many buckets over HTTP: seeding a million of them quickly, Zipf-distributed load targets, and cold bursts over distinct uncached buckets.

import autocannon from 'autocannon';
import { bucketName, bucketNumber, threeRulesVariant } from './heap.mjs';
import { ACTUAL_HEADERS } from '../harness/fixtures.mjs';
import { seededRandom, zipfSampler } from './zipf.mjs';

/** Keys per pipelined batch while seeding. */
const SEED_BATCH = 10_000;

/**
 * Gives every bucket of `names` one of the 10 configurations of `threeRulesVariant` (by its
 * number). Ten buckets are written through the store; the others get copies of those exact stored
 * values by pipelined SETs (a million puts with their PUBLISHes would take minutes), so the format is
 * always the store's own.
 * @param {import('ioredis').Redis} client
 * @param {string[]} names
 * @returns {Promise<void>}
 */
export async function seedBuckets(client, names) {
  const { RedisRuleStore, DEFAULT_KEY_PREFIX } = await import('express-bucket-cors');
  const seeder = new RedisRuleStore({ client });
  /** @type {string[]} */
  const storedValues = [];
  for (let variant = 0; variant < 10; variant += 1) {
    const template = `template-${variant}`;
    await seeder.put(template, threeRulesVariant(variant));
    storedValues.push(/** @type {string} */ (await client.get(DEFAULT_KEY_PREFIX + template)));
  }
  await seeder.close?.();
  for (let start = 0; start < names.length; start += SEED_BATCH) {
    const pipeline = client.pipeline();
    for (const name of names.slice(start, start + SEED_BATCH)) pipeline.set(DEFAULT_KEY_PREFIX + name, /** @type {string} */ (storedValues[bucketNumber(name) % 10]));
    await pipeline.exec();
  }
}

/**
 * A load target whose every request asks for a bucket drawn from Zipf(1.0) over `buckets` buckets.
 * @param {string} origin
 * @param {number} buckets
 * @returns {import('../harness/load.mjs').LoadTarget}
 */
export function zipfTarget(origin, buckets) {
  const next = zipfSampler(buckets, 1.0, seededRandom(13));
  return pathTarget(origin, () => `/${bucketName(next())}/object`);
}

/**
 * The load target of the hottest Zipf bucket alone, sent through the same per-request path choice as
 * {@link zipfTarget} (a sample drawn and thrown away), so that both cases cost the load generator the
 * same and the server sees the same request rate: a slower client alone raises the server's CPU time
 * per request (fewer requests per event-loop turn, less coalesced writes).
 * @param {string} origin
 * @param {number} buckets
 * @returns {import('../harness/load.mjs').LoadTarget}
 */
export function hotTarget(origin, buckets) {
  const next = zipfSampler(buckets, 1.0, seededRandom(13));
  const hotPath = `/${bucketName(0)}/object`;
  return pathTarget(origin, () => {
    next(); // drawn and thrown away
    return hotPath;
  });
}

/**
 * A GET with `ACTUAL_HEADERS` whose path `pathOf()` chooses per request.
 * @param {string} origin
 * @param {() => string} pathOf
 * @returns {import('../harness/load.mjs').LoadTarget}
 */
function pathTarget(origin, pathOf) {
  return {
    url: `${origin}/${bucketName(0)}/object`,
    method: 'GET',
    headers: ACTUAL_HEADERS,
    setupRequest: (request) => ({ ...request, path: pathOf() }),
  };
}

/**
 * Requests per second for `paths.length` requests over `connections` connections, one per path.
 * @param {string} origin
 * @param {string[]} paths
 * @param {number} connections
 * @returns {Promise<number>}
 */
export async function burst(origin, paths, connections) {
  let i = 0;
  const result = await autocannon({
    url: origin,
    connections,
    amount: paths.length,
    requests: [{ method: 'GET', headers: ACTUAL_HEADERS, setupRequest: (request) => ({ ...request, path: /** @type {string} */ (paths[i++ % paths.length]) }) }],
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) throw new Error(`burst: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`);
  return result['2xx'] / result.duration;
}
