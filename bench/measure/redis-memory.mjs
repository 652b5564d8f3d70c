// Redis memory per stored bucket: used_memory growth over many buckets each holding a 3-rule configuration of its own, written through RedisRuleStore, beside the JSON it stores.

import { bucketName, threeRulesVariant } from './heap.mjs';

/** Puts in flight at once while filling (ioredis pipelines them). */
const CONCURRENT_PUTS = 500;

/** @param {import('ioredis').Redis} client @returns {Promise<number>} INFO memory's used_memory */
async function usedMemory(client) {
  const info = await client.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}

/**
 * Writes `buckets` buckets, each its own `threeRulesVariant`, through a RedisRuleStore with default
 * options (history included) on an otherwise empty Redis, and divides the growth of `used_memory`
 * by their number.
 * @param {{ client: import('ioredis').Redis }} redis  a Redis of its own
 * @param {number} buckets
 * @returns {Promise<Record<string, number>>}
 */
export async function redisBytesPerStoredBucket(redis, buckets) {
  const { RedisRuleStore, DEFAULT_KEY_PREFIX } = await import('express-bucket-cors');
  const store = new RedisRuleStore({ client: redis.client });
  try {
    const before = await usedMemory(redis.client);
    for (let start = 0; start < buckets; start += CONCURRENT_PUTS) {
      const batch = Array.from({ length: Math.min(CONCURRENT_PUTS, buckets - start) }, (_, k) => store.put(bucketName(start + k), threeRulesVariant(start + k)));
      await Promise.all(batch);
    }
    const after = await usedMemory(redis.client);
    const keys = await redis.client.dbsize();
    const storedValue = /** @type {string} */ (await redis.client.get(DEFAULT_KEY_PREFIX + bucketName(0)));
    return {
      redis_bytes_per_stored_bucket: (after - before) / buckets,
      redis_keys_per_stored_bucket: keys / buckets,
      redis_stored_value_bytes: Buffer.byteLength(storedValue),
      configuration_json_bytes: JSON.stringify(threeRulesVariant(0)).length,
    };
  } finally {
    await store.close?.();
  }
}
