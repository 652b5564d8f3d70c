// Hit rate of the rule cache with its default options under a Zipf(1.0) popularity over many buckets, as real tenancy looks.

import { mock } from 'node:test';
import { bucketName, bucketNumber, parsingStore, threeRulesVariant } from './heap.mjs';

/**
 * Bucket ranks 0..n-1 drawn with probability ∝ 1 / (rank + 1)^s, by inverting the cumulative
 * distribution with a binary search; `random` makes runs repeatable.
 * @param {number} n
 * @param {number} s
 * @param {() => number} random  uniform in [0, 1)
 * @returns {() => number}
 */
export function zipfSampler(n, s, random) {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let rank = 0; rank < n; rank += 1) cumulative[rank] = sum += 1 / (rank + 1) ** s;
  return () => {
    const target = random() * sum;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (/** @type {number} */ (cumulative[middle]) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/** @param {number} seed @returns {() => number} a small deterministic PRNG (mulberry32) */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Looks up Zipf-distributed buckets (holding the configurations `jsonOf` gives) through a RuleCache with
 * default options (or `cache`), a hit being an answer that did not wait for the store (an expired
 * entry is answered at once and refreshed in the background: a store read, counted apart), on a simulated clock
 * that advances 1 / `requestsPerSecond` per lookup (so that the TTL counts as it would in a server
 * at that rate, however fast this machine is). Warm-up, as a server that has been up a while: every
 * bucket once (least popular first), then `warmup` Zipf lookups; then `lookups` counted ones. The
 * first pass leaves the cache holding the most popular buckets, which no policy keeping recency
 * beats (0.942 of the traffic for 435,000 buckets); the Zipf lookups must then be enough for the
 * cache to drift to where least-recently-used eviction settles (0.917 by Che's approximation) and for
 * the TTL to have expired every entry a few times: with 1,000,000 of them (100 s at 10,000/s) the
 * figure still read 0.938.
 * @param {{ buckets: number, warmup: number, lookups: number, requestsPerSecond: number, cache?: import('express-bucket-cors').RuleCacheOptions }} plan
 * @param {(bucket: string) => string} jsonOf  the bucket's configuration as JSON
 * @returns {Promise<{ hitRate: number, readsPerLookup: number, refreshesPerLookup: number, cachedBuckets: number, cacheBytes: number }>}
 */
async function hitRate({ buckets, warmup, lookups, requestsPerSecond, cache: cacheOptions = {} }, jsonOf) {
  const [{ RuleCache }, { REFRESH_BATCH_MS }] = await Promise.all([import('express-bucket-cors'), import('../harness/internals.mjs')]);
  // Simulated time: the clock and the cache's timers (the batch of refreshes, the lookup deadline)
  // move 1 / requestsPerSecond per lookup. The MockTimers API is experimental in Node 20; its one
  // warning would only clutter the bench's output.
  process.removeAllListeners('warning');
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  try {
    let reads = 0;
    const cache = new RuleCache(
      parsingStore((bucket) => {
        reads += 1;
        return jsonOf(bucket);
      }),
      cacheOptions,
    );
    const next = zipfSampler(buckets, 1.0, seededRandom(14));
    /** @param {string} bucket @returns {Promise<boolean>} whether it was a hit */
    const lookup = async (bucket) => {
      mock.timers.tick(1000 / requestsPerSecond);
      const found = cache.lookup(bucket);
      if (!(found instanceof Promise)) return true;
      await found;
      return false;
    };
    for (let rank = buckets - 1; rank >= 0; rank -= 1) await lookup(bucketName(rank));
    for (let i = 0; i < warmup; i += 1) await lookup(bucketName(next()));
    let hits = 0;
    const readsBefore = reads;
    for (let i = 0; i < lookups; i += 1) if (await lookup(bucketName(next()))) hits += 1;
    // The last batch of refreshes is sent, and answered, too: none is left uncounted.
    mock.timers.tick(REFRESH_BATCH_MS);
    await new Promise((resolve) => setImmediate(resolve));
    const { buckets: cachedBuckets, bytes } = cache.usage;
    cache.close();
    const readsPerLookup = (reads - readsBefore) / lookups;
    // Every miss is one read; the reads beyond them refreshed expired entries.
    return { hitRate: hits / lookups, readsPerLookup, refreshesPerLookup: readsPerLookup - (1 - hits / lookups), cachedBuckets, cacheBytes: bytes };
  } finally {
    mock.timers.reset();
  }
}

/**
 * The Zipf hit rate with default options, and the store reads per lookup behind it (misses, and
 * refreshes of expired entries), for buckets sharing 10 configurations and for buckets each with a
 * 3-rule configuration of its own (`_distinct_`: the cache then holds far fewer buckets in its byte
 * budget); `plan.cache` sets other cache options (e.g. `ttlMs`) to compare.
 * @param {{ buckets: number, warmup: number, lookups: number, requestsPerSecond: number, cache?: import('express-bucket-cors').RuleCacheOptions }} plan
 * @returns {Promise<Record<string, number>>}
 */
export async function zipfHitRate(plan) {
  const tenJson = Array.from({ length: 10 }, (_, i) => JSON.stringify(threeRulesVariant(i)));
  const shared = await hitRate(plan, (bucket) => /** @type {string} */ (tenJson[bucketNumber(bucket) % 10]));
  const distinct = await hitRate(plan, (bucket) => JSON.stringify(threeRulesVariant(bucketNumber(bucket))));
  return {
    zipf_hit_rate_default: shared.hitRate,
    zipf_store_reads_per_lookup_default: shared.readsPerLookup,
    zipf_refreshes_per_lookup_default: shared.refreshesPerLookup,
    zipf_cached_buckets: shared.cachedBuckets,
    zipf_cache_bytes: shared.cacheBytes,
    zipf_hit_rate_distinct_default: distinct.hitRate,
    zipf_store_reads_per_lookup_distinct_default: distinct.readsPerLookup,
    zipf_cached_buckets_distinct: distinct.cachedBuckets,
    zipf_cache_bytes_distinct: distinct.cacheBytes,
  };
}
