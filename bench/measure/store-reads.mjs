// Counts the Redis reads the middleware causes, on the Redis server: for a hot bucket, and for a cold burst.

import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ACTUAL_HEADERS, ORIGIN } from '../harness/fixtures.mjs';
import { send, throughput } from '../harness/load.mjs';
import { commandsBetween } from '../harness/redis.mjs';

/**
 * Redis commands during `requests` actual GETs to a bucket whose rules are already cached.
 * @param {import('../harness/redis.mjs').BenchRedis} redis
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
 * How long Redis is kept busy while a cold burst arrives: long enough for most of the burst to reach
 * the server while its one read waits, and far enough under the cache's default lookup timeout (1 s)
 * that a loaded machine does not turn the wait into a timeout (700 ms did at load 9). Requests that
 * arrive after the read are cache hits, so they add no read either.
 */
const STALL_MS = 400;
/**
 * A Lua loop that only spins: Redis runs one command at a time, so every other command waits for it
 * to end, and it issues no Redis commands of its own that would be counted.
 */
const SPIN_SCRIPT = 'for i = 1, tonumber(ARGV[1]) do end';

/**
 * How many {@link SPIN_SCRIPT} iterations keep this Redis busy for about `ms`.
 * @param {import('ioredis').Redis} client
 * @param {number} ms
 * @returns {Promise<number>}
 */
async function spinIterations(client, ms) {
  const probe = 5_000_000;
  const started = performance.now();
  await client.eval(SPIN_SCRIPT, 0, probe);
  return Math.round((probe * ms) / Math.max(1, performance.now() - started));
}

/**
 * Redis commands caused by `concurrency` simultaneous actual GETs, each on its own new connection,
 * to a bucket that is configured in Redis but that the server has never looked up. Redis is stalled
 * for about {@link STALL_MS} as the burst starts, so that the server's first read is still
 * outstanding while the other requests arrive (on loopback it would otherwise return before most
 * of them).
 * @param {import('../harness/redis.mjs').BenchRedis} redis
 * @param {string} url  an object URL in a fresh, already configured bucket
 * @param {number} concurrency
 * @returns {Promise<{ total: number, byCommand: Record<string, number>, burstMs: number }>}
 */
export async function coldBurstReads(redis, url, concurrency) {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const staller = redis.client.duplicate();
  const iterations = await spinIterations(staller, STALL_MS);
  const before = await redis.commandCalls();
  const started = performance.now();
  const [answers] = await Promise.all([
    Promise.all(Array.from({ length: concurrency }, () => send({ url, method: 'GET', headers: ACTUAL_HEADERS, agent }))),
    staller.eval(SPIN_SCRIPT, 0, iterations),
  ]);
  const burstMs = performance.now() - started;
  const reads = commandsBetween(before, await redis.commandCalls(), { eval: 1 });
  staller.disconnect();
  agent.destroy();
  const wrong = answers.filter((a) => a.status !== 200 || a.headers['access-control-allow-origin'] !== ORIGIN).length;
  if (wrong > 0) throw new Error(`cold burst: ${wrong} of ${concurrency} answers were not 200 with the matching CORS headers`);
  return { ...reads, burstMs };
}
