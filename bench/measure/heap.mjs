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
 * Three rules in which every value is the tenant's own (IDs, origins, header names, exposed headers,
 * max ages), so that nothing is shared with another configuration: the case the cache's estimate
 * must still bound.
 * @param {number} variant
 * @returns {import('express-bucket-cors').CorsConfiguration}
 */
export function threeRulesUnique(variant) {
  const tenant = String(variant).padStart(7, '0');
  return {
    CORSRules: [
      { ID: `admin-${tenant}`, AllowedOrigins: [`https://admin.t${tenant}.example.com`], AllowedMethods: ['PUT', 'POST', 'DELETE'], AllowedHeaders: ['*'], ExposeHeaders: [`x-${tenant}-etag`], MaxAgeSeconds: 3000 + (variant % 1000) },
      { ID: `app-${tenant}`, AllowedOrigins: [`https://app.t${tenant}.example.com`, `https://www.t${tenant}.example.com`], AllowedMethods: ['GET', 'HEAD', 'PUT'], AllowedHeaders: ['content-type', `x-${tenant}-*`], ExposeHeaders: ['ETag', `x-${tenant}-id`], MaxAgeSeconds: variant },
      { ID: `read-${tenant}`, AllowedOrigins: [`https://*.t${tenant}.example.net`], AllowedMethods: ['GET'] },
    ],
  };
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
async function cacheCost(buckets, jsonOf, nameOf = bucketName) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const { RuleCache } = await import('express-bucket-cors');
  // Everything the cache keeps is made inside the measured window, bucket names included.
  const before = collectedHeap();
  const cache = new RuleCache(parsingStore(jsonOf), { max: buckets, maxBytes: Number.MAX_SAFE_INTEGER });
  for (let i = 0; i < buckets; i += 1) await cache.lookup(nameOf(i));
  const after = collectedHeap();
  const { buckets: cached, configurations, bytes } = cache.usage;
  if (cached !== buckets) throw new Error(`${buckets - cached} of ${buckets} buckets were not kept in the cache`);
  cache.close();
  return { heapBytes: (after - before) / buckets, estimatedBytes: bytes / buckets, configurations };
}

/** What a presigned GET's query string adds to the path (about 600 characters, as SigV4 writes them). */
const PRESIGNED_QUERY = `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${'A'.repeat(20)}%2F20261208%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261208T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Security-Token=${'T'.repeat(380)}&X-Amz-Signature=${'0'.repeat(64)}`;

/**
 * The i-th bucket name as the built-in addressing finds it: sliced from a request URL of its own
 * (a flat string, as Node's parser makes it) — a presigned URL of about 660 characters.
 * @param {number} i
 */
function nameFromPresignedUrl(i) {
  const name = bucketName(i);
  const url = Buffer.from(`/${name}/albums/2026/cat.jpg${PRESIGNED_QUERY}`, 'latin1').toString('latin1');
  return url.slice(1, 1 + name.length);
}

/**
 * Throws when the cache's estimate of a case is below the heap it measured: `maxBytes` must bound
 * the real heap, so an undercount is a defect, not a figure.
 * @param {Record<string, { heapBytes: number, estimatedBytes: number }>} cases
 */
function assertEstimatesBound(cases) {
  const under = Object.entries(cases).filter(([, { heapBytes, estimatedBytes }]) => estimatedBytes < heapBytes);
  if (under.length > 0) throw new Error(`the cache's estimate undercounts: ${under.map(([name, { heapBytes, estimatedBytes }]) => `${name} ${Math.round(estimatedBytes)} B estimated < ${Math.round(heapBytes)} B heap`).join('; ')}`);
}

/** Buckets of other tenants read before the `unique` case: their values fill the tables of 4,096 shared values several times over. */
const TABLE_FILLING_BUCKETS = 5_000;
/** The fewest buckets per case whose heap per bucket the estimate is checked against (`__tests__/cache/estimate.test.ts` checks it too). */
const CHECKED_BUCKETS = 10_000;
/** Where those tenants' numbers start, apart from the measured ones. */
const FILLING_TENANTS = 5_000_000;

/**
 * @param {{ sharedBuckets: number, distinctBuckets: number, largeBuckets: number }} plan
 * @returns {Promise<Record<string, number>>}
 */
export async function heapPerBucket({ sharedBuckets, distinctBuckets, largeBuckets }) {
  const tenJson = Array.from({ length: 10 }, (_, i) => JSON.stringify(threeRulesVariant(i)));
  const sharedJson = (/** @type {string} */ bucket) => /** @type {string} */ (tenJson[bucketNumber(bucket) % 10]);
  const shared = await cacheCost(sharedBuckets, sharedJson);
  const presigned = await cacheCost(distinctBuckets, sharedJson, nameFromPresignedUrl);
  const distinct = await cacheCost(distinctBuckets, (bucket) => JSON.stringify(threeRulesVariant(bucketNumber(bucket))));
  const large = await cacheCost(largeBuckets, (bucket) => JSON.stringify(largeConfiguration(bucketNumber(bucket))));
  // Other tenants first, as in a server up a while: they fill the process-wide tables of shared values
  // (bounded, counted by no bucket), after which nothing new is shared and each tenant's own values
  // are counted as its own — at any size of this case (`--quick`'s too).
  await cacheCost(TABLE_FILLING_BUCKETS, (bucket) => JSON.stringify(threeRulesUnique(FILLING_TENANTS + bucketNumber(bucket))));
  const unique = await cacheCost(distinctBuckets, (bucket) => JSON.stringify(threeRulesUnique(bucketNumber(bucket))));
  const largeAfter = await cacheCost(largeBuckets, (bucket) => JSON.stringify(largeConfiguration(largeBuckets + bucketNumber(bucket))));
  // A few thousand buckets do not amortise what the cache holds whatever its size (its Map's spare
  // room, the bounded process-wide tables): `--quick`'s sizes report, the full ones are checked.
  if (distinctBuckets >= CHECKED_BUCKETS) assertEstimatesBound({ shared, presigned, distinct, unique, large, largeAfter });
  const { DEFAULT_CACHE_MAX_BYTES } = await import('express-bucket-cors');
  return {
    default_budget_buckets_of_their_own: Math.floor(DEFAULT_CACHE_MAX_BYTES / distinct.estimatedBytes),
    heap_bytes_per_cached_bucket_presigned_urls: presigned.heapBytes,
    cache_estimate_bytes_per_cached_bucket_presigned_urls: presigned.estimatedBytes,
    heap_bytes_per_cached_bucket_unique_values: unique.heapBytes,
    cache_estimate_bytes_per_cached_bucket_unique_values: unique.estimatedBytes,
    heap_bytes_per_cached_bucket_shared: shared.heapBytes,
    cache_estimate_bytes_per_cached_bucket_shared: shared.estimatedBytes,
    heap_bytes_per_cached_bucket: distinct.heapBytes,
    cache_estimate_bytes_per_cached_bucket: distinct.estimatedBytes,
    heap_bytes_per_cached_large_bucket: large.heapBytes,
    heap_bytes_per_cached_large_bucket_nothing_shared: largeAfter.heapBytes,
    cache_estimate_bytes_per_cached_large_bucket: large.estimatedBytes,
    large_configuration_json_bytes: JSON.stringify(largeConfiguration(0)).length,
  };
}
