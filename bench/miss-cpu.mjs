// `node bench/miss-cpu.mjs`: CPU time per RuleCache lookup through RedisRuleStore, in process: a lookup that reads Redis alone, 50 of them at once, and a hit.
// The cache is kept full (10,000 buckets), so every read also evicts one. `node --cpu-prof bench/miss-cpu.mjs` shows where a read's time goes.

import { bucketName } from './measure/heap.mjs';
import { startRedis } from './harness/redis.mjs';
import { seedBuckets } from './measure/tenancy.mjs';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

const CACHED = 10_000;
const READS = 5_000;

await ensureBuilt();
const redis = await startRedis({});
try {
  await seedBuckets(redis.client, Array.from({ length: 4 * CACHED + 3 * READS }, (_, i) => bucketName(i)));
  const { RedisRuleStore, RuleCache } = await import('express-bucket-cors');
  const store = new RedisRuleStore({ client: redis.client });
  const cache = new RuleCache(store, { max: CACHED });
  let next = 0;
  // Fills the cache, then as many again so that the figures below are taken while evicting.
  while (next < 2 * CACHED) await cache.lookup(bucketName(next++));
  /** @param {string} name @param {() => Promise<void>} run @param {number} count */
  const cpuPer = async (name, run, count) => {
    const before = process.cpuUsage();
    await run();
    const { user, system } = process.cpuUsage(before);
    process.stdout.write(`${name.padEnd(28)} ${((user + system) / count).toFixed(2)} µs CPU each\n`);
  };
  const lone = async () => {
    for (let i = 0; i < READS; i += 1) await cache.lookup(bucketName(next++));
  };
  const fifty = async () => {
    for (let i = 0; i < READS; i += 50) await Promise.all(Array.from({ length: 50 }, () => cache.lookup(bucketName(next++))));
  };
  await cpuPer('read, alone', lone, READS);
  await cpuPer('read, 50 at a time', fifty, READS);
  await cpuPer('read, alone (again)', lone, READS);
  const hot = bucketName(next - 1);
  await cpuPer('hit', async () => {
    for (let i = 0; i < 100_000; i += 1) cache.lookup(hot);
  }, 100_000);
  cache.close();
  await store.close();
} finally {
  await redis.stop();
}
