// Memory cost of the rule cache (needs node --expose-gc): heap bytes per cached bucket when buckets share a few configurations and when each has its own, and the cache's own byte estimate beside the real heap.

import { ORIGIN, THREE_RULES } from '../harness/fixtures.mjs';

/**
 * A store that, like Redis, hands out a freshly parsed copy on every read and keeps nothing on the
 * heap itself, so that the heap growth is the cache's alone.
 * @param {(bucket: string) => string} jsonOf  the bucket's configuration as JSON
 * @returns {import('express-bucket-cors').RuleStore}
 */
export function parsingStore(jsonOf) {
  return {
    shared: true,
    get: async (bucket) => ({ configuration: JSON.parse(jsonOf(bucket)), version: '1' }),
    put: async () => {
      throw new Error('read-only');
    },
    delete: async () => {},
    subscribe: () => () => {},
  };
}

/** @returns {number} heapUsed after full collections */
function collectedHeap() {
  const gc = /** @type {() => void} */ (globalThis.gc);
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** @param {number} i @returns {string} the i-th bucket name; all have the same length */
export const bucketName = (i) => `bucket-${String(i).padStart(7, '0')}`;
/** @param {string} bucket @returns {number} the number in a {@link bucketName} */
export const bucketNumber = (bucket) => Number(bucket.slice(7));

/**
 * {@link THREE_RULES} with the second rule's second origin made unique by `variant`: as many distinct
 * configurations as variants, all of the same size.
 * @param {number} variant
 * @returns {import('express-bucket-cors').CorsConfiguration}
 */
export function threeRulesVariant(variant) {
  const [first, second, third] = THREE_RULES.CORSRules;
  return { CORSRules: [first, { ...second, AllowedOrigins: [ORIGIN, `https://tenant-${String(variant).padStart(7, '0')}.example.com`] }, third] };
}

/**
 * A configuration near S3's size limit (100 rules, about 60 KB as XML), unique by `variant`.
 * @param {number} variant
 * @returns {import('express-bucket-cors').CorsConfiguration}
 */
export function largeConfiguration(variant) {
  return {
    CORSRules: Array.from({ length: 100 }, (_, rule) => ({
      ID: `rule-${variant}-${rule}`,
      AllowedOrigins: Array.from({ length: 4 }, (_, i) => `https://app${i}.tenant-${variant}-${rule}.example.com`),
      AllowedMethods: ['GET', 'HEAD', 'PUT'],
      AllowedHeaders: Array.from({ length: 12 }, (_, i) => `x-amz-meta-field-${i}`),
      ExposeHeaders: ['ETag', 'x-amz-request-id', 'x-amz-version-id'],
      MaxAgeSeconds: 3000,
    })),
  };
}

/**
 * Looks up `buckets` buckets through a RuleCache large enough to keep them all and divides the heap
 * growth by their number; reports the cache's own byte estimate beside it.
 * @param {number} buckets
 * @param {(bucket: string) => string} jsonOf
 * @returns {Promise<{ heapBytes: number, estimatedBytes: number, configurations: number }>}  per bucket
 */
async function cacheCost(buckets, jsonOf) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const { RuleCache } = await import('express-bucket-cors');
  // Everything the cache keeps is made inside the measured window, bucket names included.
  const before = collectedHeap();
  const cache = new RuleCache(parsingStore(jsonOf), { max: buckets, maxBytes: Number.MAX_SAFE_INTEGER });
  for (let i = 0; i < buckets; i += 1) await cache.lookup(bucketName(i));
  const after = collectedHeap();
  const { buckets: cached, configurations, bytes } = cache.usage;
  if (cached !== buckets) throw new Error(`${buckets - cached} of ${buckets} buckets were not kept in the cache`);
  cache.close();
  return { heapBytes: (after - before) / buckets, estimatedBytes: bytes / buckets, configurations };
}

/**
 * @param {{ sharedBuckets: number, distinctBuckets: number, largeBuckets: number }} plan
 * @returns {Promise<Record<string, number>>}
 */
export async function heapPerBucket({ sharedBuckets, distinctBuckets, largeBuckets }) {
  const tenJson = Array.from({ length: 10 }, (_, i) => JSON.stringify(threeRulesVariant(i)));
  const shared = await cacheCost(sharedBuckets, (bucket) => /** @type {string} */ (tenJson[bucketNumber(bucket) % 10]));
  const distinct = await cacheCost(distinctBuckets, (bucket) => JSON.stringify(threeRulesVariant(bucketNumber(bucket))));
  const large = await cacheCost(largeBuckets, (bucket) => JSON.stringify(largeConfiguration(bucketNumber(bucket))));
  return {
    heap_bytes_per_cached_bucket_shared: shared.heapBytes,
    cache_estimate_bytes_per_cached_bucket_shared: shared.estimatedBytes,
    heap_bytes_per_cached_bucket: distinct.heapBytes,
    cache_estimate_bytes_per_cached_bucket: distinct.estimatedBytes,
    heap_bytes_per_cached_large_bucket: large.heapBytes,
    cache_estimate_bytes_per_cached_large_bucket: large.estimatedBytes,
    large_configuration_json_bytes: JSON.stringify(largeConfiguration(0)).length,
  };
}
