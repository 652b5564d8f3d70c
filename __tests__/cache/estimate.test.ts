// The cache's byte estimate bounds the heap it really holds: what `cache.maxBytes` counts must not undercount (bench/measure/heap.mjs measures the same at full size).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RuleCache, type CorsConfiguration, type RuleStore } from 'express-bucket-cors';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A store that hands out a freshly parsed copy on every read (as a Redis store may) and keeps nothing itself. */
function parsingStore(jsonOf: (bucket: string) => string): RuleStore {
  return {
    shared: true,
    get: async (bucket) => ({ configuration: JSON.parse(jsonOf(bucket)) as CorsConfiguration, version: '1' }),
    put: async () => {
      throw new Error('read-only');
    },
    delete: async () => undefined,
    subscribe: () => () => undefined,
  };
}

const collectedHeap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const name = (i: number): string => `bucket-${String(i).padStart(7, '0')}`;
const tenant = (bucket: string): string => bucket.slice(7);

/** Heap growth and the cache's estimate per bucket, for `buckets` buckets read through one cache. */
async function perBucket(buckets: number, jsonOf: (bucket: string) => string, nameOf = name): Promise<{ heap: number; estimate: number }> {
  const before = collectedHeap();
  const cache = new RuleCache(parsingStore(jsonOf), { max: buckets, maxBytes: Number.MAX_SAFE_INTEGER });
  for (let i = 0; i < buckets; i++) await cache.lookup(nameOf(i));
  const after = collectedHeap();
  const { bytes, buckets: cached } = cache.usage;
  cache.close();
  expect(cached).toBe(buckets);
  return { heap: (after - before) / buckets, estimate: bytes / buckets };
}

/** Three rules, the second rule's second origin the tenant's own (the others shared with every tenant). */
const ownOrigin = (bucket: string) =>
  JSON.stringify({
    CORSRules: [
      { ID: 'admin-writes', AllowedOrigins: ['https://admin.example.com'], AllowedMethods: ['PUT', 'POST', 'DELETE'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 },
      { ID: 'app', AllowedOrigins: ['https://app.example.com', `https://www.t${tenant(bucket)}.example.com`], AllowedMethods: ['GET', 'HEAD', 'PUT'], AllowedHeaders: ['content-type', 'x-amz-*'], ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 600 },
      { ID: 'public-read', AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
    ],
  });

/** Three rules whose every value is the tenant's own: nothing shared with another configuration. */
const allOwn = (bucket: string) => {
  const t = tenant(bucket);
  return JSON.stringify({
    CORSRules: [
      { ID: `admin-${t}`, AllowedOrigins: [`https://admin.t${t}.example.com`], AllowedMethods: ['PUT', 'POST', 'DELETE'], AllowedHeaders: ['*'], ExposeHeaders: [`x-${t}-etag`], MaxAgeSeconds: 3000 + (Number(t) % 1000) },
      { ID: `app-${t}`, AllowedOrigins: [`https://app.t${t}.example.com`, `https://www.t${t}.example.com`], AllowedMethods: ['GET', 'HEAD', 'PUT'], AllowedHeaders: ['content-type', `x-${t}-*`], ExposeHeaders: ['ETag', `x-${t}-id`], MaxAgeSeconds: Number(t) },
      { ID: `read-${t}`, AllowedOrigins: [`https://*.t${t}.example.net`], AllowedMethods: ['GET'] },
    ],
  });
};

/** Forty rules of four literal origins each: the Map that finds literal Origins, and long lists. */
const manyOrigins = (bucket: string) =>
  JSON.stringify({
    CORSRules: Array.from({ length: 40 }, (_, rule) => ({
      AllowedOrigins: Array.from({ length: 4 }, (_, i) => `https://app${i}.t${tenant(bucket)}-${rule}.example.com`),
      AllowedMethods: ['GET', 'PUT'],
      AllowedHeaders: [`x-${tenant(bucket)}-${rule}`],
    })),
  });

describe("the cache's byte estimate", () => {
  // Other tenants' buckets first, as in a server up a while: the process-wide tables of shared values
  // (4,096 values, bounded, counted by no bucket) are full then, and what a configuration holds of
  // its own is counted as such.
  it.each([
    ['each bucket with 3 rules of its own (one origin its own)', 10_000, ownOrigin, 6_000],
    ['each bucket with 3 rules whose every value is its own', 10_000, allOwn, 6_000],
    ['each bucket with 40 rules of 4 origins of its own', 300, manyOrigins, 150],
  ])('is at least the heap the cache holds: %s', async (_, buckets, jsonOf, others) => {
    await perBucket(others, jsonOf, (i) => name(1_000_000 + i));
    const { heap, estimate } = await perBucket(buckets, jsonOf);
    expect(heap).toBeGreaterThan(0);
    expect(estimate).toBeGreaterThanOrEqual(heap);
  });

  it('counts a bucket name sliced from a long request URL as the name alone, as the cache keeps a copy', async () => {
    const shared = ownOrigin(name(0));
    const query = `?X-Amz-Signature=${'0'.repeat(600)}`;
    const sliced = (i: number) => {
      const url = Buffer.from(`/${name(i)}/object${query}`, 'latin1').toString('latin1');
      return url.slice(1, 1 + name(i).length);
    };
    const { heap, estimate } = await perBucket(20_000, () => shared, sliced);
    expect(estimate).toBeGreaterThanOrEqual(heap);
    expect(heap).toBeLessThan(400); // the 640-character URL is not kept
  });
});
