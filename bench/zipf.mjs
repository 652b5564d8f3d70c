// bench/zipf.mjs
// Hit rate of the rule cache with its default options under a Zipf(1.0) popularity over many buckets, as real tenancy looks.

import { bucketName, bucketNumber, parsingStore, threeRulesVariant } from './heap.mjs';
import { importLibrary } from './library.mjs';

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
 * Looks up Zipf-distributed buckets (each holding one of 10 configurations) through a RuleCache with
 * default options (or `cache`), a hit being an answer without a store read. Warm-up, as a server
 * that has been up a while: every bucket once (least popular first, so none starts out favoured),
 * then `warmup` Zipf lookups; then `lookups` counted ones. Without the first pass, misses on buckets
 * never seen before (which no cache can avoid) would dominate: a million Zipf draws over a million
 * buckets meet a few hundred thousand of them for the first time.
 * @param {{ buckets: number, warmup: number, lookups: number, cache?: import('../lib/store/cache.js').RuleCacheOptions }} plan
 * @returns {Promise<{ zipf_hit_rate_default: number, zipf_cached_buckets: number, zipf_cache_bytes: number }>}
 */
export async function zipfHitRate({ buckets, warmup, lookups, cache: cacheOptions = {} }) {
  const { RuleCache } = await importLibrary('store/cache.js');
  const tenJson = Array.from({ length: 10 }, (_, i) => JSON.stringify(threeRulesVariant(i)));
  const cache = new RuleCache(parsingStore((bucket) => /** @type {string} */ (tenJson[bucketNumber(bucket) % 10])), cacheOptions);
  const next = zipfSampler(buckets, 1.0, seededRandom(14));
  for (let rank = buckets - 1; rank >= 0; rank -= 1) {
    const found = cache.lookup(bucketName(rank));
    if (found instanceof Promise) await found;
  }
  let hits = 0;
  for (let i = 0; i < warmup + lookups; i += 1) {
    const found = cache.lookup(bucketName(next()));
    if (found instanceof Promise) await found;
    else if (i >= warmup) hits += 1;
  }
  const { buckets: cached, bytes } = cache.usage;
  cache.close();
  return { zipf_hit_rate_default: hits / lookups, zipf_cached_buckets: cached, zipf_cache_bytes: bytes };
}
