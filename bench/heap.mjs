// bench/heap.mjs
// Memory cost of the rule cache: heap bytes per cached bucket with a 3-rule configuration (needs node --expose-gc).

import { THREE_RULES } from './fixtures.mjs';
import { importLibrary } from './library.mjs';

/**
 * A store that, like Redis, hands out a freshly parsed copy on every read and keeps nothing on the
 * heap itself, so that the heap growth is the cache's alone.
 * @type {import('../lib/store/types.js').RuleStore}
 */
const parsingStore = {
  shared: true,
  get: async () => ({ configuration: JSON.parse(JSON.stringify(THREE_RULES)), version: '1' }),
  put: async () => {
    throw new Error('read-only');
  },
  delete: async () => {},
  subscribe: () => () => {},
};

/** @returns {number} heapUsed after full collections */
function collectedHeap() {
  const gc = /** @type {() => void} */ (globalThis.gc);
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Looks up `buckets` distinct buckets through a RuleCache large enough to keep them all, and divides
 * the heap growth by their number.
 * @param {{ buckets: number }} options
 * @returns {Promise<{ heap_bytes_per_cached_bucket: number }>}
 */
export async function heapPerBucket({ buckets }) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const { RuleCache } = await importLibrary('store/cache.js');
  // Names are made inside the measured window: the cache keeps them as keys, so they are its cost too.
  const name = (/** @type {number} */ i) => `bucket-${String(i).padStart(6, '0')}`;
  const cache = new RuleCache(parsingStore, { max: buckets });
  const before = collectedHeap();
  for (let i = 0; i < buckets; i += 1) await cache.lookup(name(i));
  const after = collectedHeap();
  let uncached = 0;
  for (let i = 0; i < buckets; i += 1) {
    const found = cache.lookup(name(i));
    if (found instanceof Promise || found.kind !== 'configured') uncached += 1;
  }
  if (uncached > 0) throw new Error(`${uncached} of ${buckets} buckets were not kept in the cache; raise its max`);
  cache.close();
  return { heap_bytes_per_cached_bucket: (after - before) / buckets };
}
