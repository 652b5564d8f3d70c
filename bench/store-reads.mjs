// bench/store-reads.mjs
// Counts the Redis reads the middleware causes, on the Redis server: for a hot bucket, and for a cold burst.

import { Agent } from 'node:http';
import { ACTUAL_HEADERS, ORIGIN } from './fixtures.mjs';
import { send, throughput } from './load.mjs';
import { commandsBetween } from './redis.mjs';

/**
 * Redis commands during `requests` actual GETs to a bucket whose rules are already cached.
 * @param {import('./redis.mjs').BenchRedis} redis
 * @param {string} url  an object URL in the hot bucket, on the Redis-backed server
 * @param {number} requests
 * @returns {Promise<{ total: number, byCommand: Record<string, number> }>}
 */
export async function hotBucketReads(redis, url, requests) {
  await send({ url, method: 'GET', headers: ACTUAL_HEADERS });
  const before = await redis.commandCalls();
  await throughput({ url, method: 'GET', headers: ACTUAL_HEADERS }, { amount: requests });
  return commandsBetween(before, await redis.commandCalls());
}

/**
 * Redis commands caused by `concurrency` simultaneous actual GETs, each on its own new connection,
 * to a bucket that is configured in Redis but that the server has never looked up.
 * @param {import('./redis.mjs').BenchRedis} redis
 * @param {string} url  an object URL in a fresh, already configured bucket
 * @param {number} concurrency
 * @returns {Promise<{ total: number, byCommand: Record<string, number> }>}
 */
export async function coldBurstReads(redis, url, concurrency) {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const before = await redis.commandCalls();
  const answers = await Promise.all(Array.from({ length: concurrency }, () => send({ url, method: 'GET', headers: ACTUAL_HEADERS, agent })));
  const reads = commandsBetween(before, await redis.commandCalls());
  agent.destroy();
  const wrong = answers.filter((a) => a.status !== 200 || a.headers['access-control-allow-origin'] !== ORIGIN).length;
  if (wrong > 0) throw new Error(`cold burst: ${wrong} of ${concurrency} answers were not 200 with the matching CORS headers`);
  return reads;
}
