// RuleCache logic against the memory store and a scripted store: hits, negatives, single flight, invalidation races, timeouts, stale-on-error.

import { MAX_STORED_RULES_CHARACTERS, type CorsConfiguration } from 'express-bucket-cors/core';
import { REFRESH_BATCH_MS, STALE_RETRY_MS } from '../support/internals';
import { RuleCache, type RuleLookup, MemoryRuleStore, type InvalidationEvent, type RuleStore, type StoredConfiguration, type StoreReadOptions } from 'express-bucket-cors';
import { RULES_A, RULES_B } from '../store/contract';
import { collectUnhandledRejections, configurationOf, isPromise, silentLogger } from '../store/helpers';

/** A store whose reads the test answers by hand (unit tests of the cache's own logic). */
class ScriptedStore implements RuleStore {
  readonly reads: { bucket: string; signal: AbortSignal | undefined; resolve: (value: StoredConfiguration | null) => void; reject: (error: unknown) => void }[] = [];
  readonly listeners = new Set<(event: InvalidationEvent) => void>();
  constructor(readonly shared: boolean) {}
  get(bucket: string, options?: StoreReadOptions): Promise<StoredConfiguration | null> {
    return new Promise((resolve, reject) => this.reads.push({ bucket, signal: options?.signal, resolve, reject }));
  }
  put(): Promise<StoredConfiguration> {
    throw new Error('not used');
  }
  delete(): Promise<void> {
    throw new Error('not used');
  }
  subscribe(listener: (event: InvalidationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: InvalidationEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

const stored = (configuration = RULES_A, version = '1'): StoredConfiguration => ({ configuration, version });

/** Resolves once the refreshes queued so far have been sent to the store. */
const refreshBatchSent = () => new Promise((resolve) => setTimeout(resolve, REFRESH_BATCH_MS + 10));

afterEach(() => {
  jest.restoreAllMocks();
});

describe('RuleCache with the memory store', () => {
  it('loads compiled rules once, then answers synchronously with the same object', async () => {
    const store = new MemoryRuleStore();
    await store.put('photos', RULES_A);
    const get = jest.spyOn(store, 'get');
    const cache = new RuleCache(store);
    const first = cache.lookup('photos');
    expect(isPromise(first)).toBe(true);
    const loaded = await first;
    expect(loaded).toMatchObject({ kind: 'configured', rules: { configuration: RULES_A, ruleCount: 2 } });
    const second = cache.lookup('photos');
    expect(isPromise(second)).toBe(false);
    expect(second).toBe(loaded);
    expect(get).toHaveBeenCalledTimes(1);
  });

  it('caches buckets without configuration as none', async () => {
    const store = new MemoryRuleStore();
    const get = jest.spyOn(store, 'get');
    const cache = new RuleCache(store);
    await expect(cache.lookup('empty')).resolves.toEqual({ kind: 'no-configuration' });
    expect(cache.lookup('empty')).toEqual({ kind: 'no-configuration' });
    expect(get).toHaveBeenCalledTimes(1);
  });

  it('answers with the new rules right after a put or delete through the same store', async () => {
    const store = new MemoryRuleStore();
    const cache = new RuleCache(store);
    await store.put('photos', RULES_A);
    expect(configurationOf(await cache.lookup('photos'))).toEqual(RULES_A);
    await store.put('photos', RULES_B);
    expect(configurationOf(await cache.lookup('photos'))).toEqual(RULES_B);
    await store.delete('photos');
    expect(await cache.lookup('photos')).toEqual({ kind: 'no-configuration' });
  });

  it('reads the store once for 200 concurrent misses', async () => {
    const store = new MemoryRuleStore();
    await store.put('photos', RULES_A);
    const get = jest.spyOn(store, 'get');
    const cache = new RuleCache(store);
    const results = await Promise.all(Array.from({ length: 200 }, () => cache.lookup('photos')));
    expect(get).toHaveBeenCalledTimes(1);
    expect(new Set(results).size).toBe(1);
  });

  it('keeps at most `max` buckets, dropping the least recently used', async () => {
    const store = new MemoryRuleStore();
    const get = jest.spyOn(store, 'get');
    const cache = new RuleCache(store, { max: 2 });
    await cache.lookup('a');
    await cache.lookup('b');
    cache.lookup('a'); // a is now more recent than b
    await cache.lookup('c'); // evicts b
    expect(isPromise(cache.lookup('a'))).toBe(false);
    expect(isPromise(cache.lookup('b'))).toBe(true);
    expect(get).toHaveBeenCalledTimes(4);
  });

  it('never expires entries of a single-process store by default', async () => {
    const store = new MemoryRuleStore();
    const cache = new RuleCache(store);
    await cache.lookup('photos');
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 365 * 24 * 3600 * 1000);
    expect(isPromise(cache.lookup('photos'))).toBe(false);
  });

  it('stops listening to the store on close()', async () => {
    const store = new MemoryRuleStore();
    const unsubscribe = jest.fn();
    jest.spyOn(store, 'subscribe').mockReturnValue(unsubscribe);
    const cache = new RuleCache(store);
    cache.close();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });
});

describe('RuleCache with a scripted store', () => {
  it('expires entries of a shared store after ttlMs (default 60 s): the next request gets them while one read refreshes them', async () => {
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store);
    const first = cache.lookup('photos');
    store.reads[0]!.resolve(stored());
    await first;
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 59_000);
    expect(configurationOf(cache.lookup('photos') as RuleLookup)).toEqual(RULES_A);
    expect(store.reads).toHaveLength(1);
    jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
    // Expired: answered at once with the old rules, and the store is asked (once, however many ask)
    // with the batch of refreshes that leaves REFRESH_BATCH_MS later.
    expect(configurationOf(cache.lookup('photos') as RuleLookup)).toEqual(RULES_A);
    expect(configurationOf(cache.lookup('photos') as RuleLookup)).toEqual(RULES_A);
    expect(store.reads).toHaveLength(1);
    await refreshBatchSent();
    expect(configurationOf(cache.lookup('photos') as RuleLookup)).toEqual(RULES_A);
    expect(store.reads).toHaveLength(2);
    store.reads[1]!.resolve(stored(RULES_B, '2'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(configurationOf(cache.lookup('photos') as RuleLookup)).toEqual(RULES_B);
    expect(store.reads).toHaveLength(2);
  });

  it('sends the refreshes of entries found expired within REFRESH_BATCH_MS together, leaving out buckets invalidated meanwhile', async () => {
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store, { ttlMs: 1_000 });
    const buckets = ['a', 'b', 'c', 'd'];
    const loads = buckets.map((bucket) => cache.lookup(bucket));
    store.reads.forEach((read) => read.resolve(stored()));
    await Promise.all(loads);
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 1_001);
    const readsByTurn: number[] = [];
    const get = store.get.bind(store);
    let turn = 0;
    setImmediate(function count() {
      turn += 1;
      if (turn < 1_000) setImmediate(count);
    });
    store.get = (bucket, options) => {
      readsByTurn.push(turn);
      return get(bucket, options);
    };
    for (const bucket of buckets) {
      expect(configurationOf(cache.lookup(bucket) as RuleLookup)).toEqual(RULES_A);
      await new Promise((resolve) => setImmediate(resolve)); // found expired in different turns
    }
    store.emit({ type: 'bucket', bucket: 'c' }); // c changed: it is read again when next asked, not refreshed
    await refreshBatchSent();
    expect(store.reads.slice(4).map((read) => read.bucket)).toEqual(['a', 'b', 'd']);
    expect(new Set(readsByTurn).size).toBe(1); // one turn: a Redis store sends them as one MGET
    // Every refresh shares one deadline signal.
    expect(new Set(store.reads.slice(4).map((read) => read.signal)).size).toBe(1);
    store.reads.slice(4).forEach((read) => read.resolve(stored(RULES_B, '2')));
    await new Promise((resolve) => setImmediate(resolve));
    expect(configurationOf(cache.lookup('a') as RuleLookup)).toEqual(RULES_B);
    const reread = cache.lookup('c');
    expect(isPromise(reread)).toBe(true);
    store.reads.at(-1)!.resolve(stored(RULES_B, '2'));
    expect(configurationOf(await reread)).toEqual(RULES_B);
    cache.close();
  });

  it('refuses a stored configuration that does not validate (a corrupted or foreign store entry): unavailable, never its header values', async () => {
    const store = new ScriptedStore(true);
    const logger = silentLogger();
    const onStoreError = jest.fn();
    const cache = new RuleCache(store, { logger, onStoreError });
    const pending = cache.lookup('photos');
    const injected: CorsConfiguration = { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['ETag\r\nSet-Cookie: x=1'] }] };
    store.reads[0]!.resolve(stored(injected));
    // The core's neutral reason (not an S3 error: the cache serves every dialect).
    await expect(pending).resolves.toMatchObject({ kind: 'unavailable', error: { violation: { code: 'invalid-header-name', field: 'ExposeHeaders' } } });
    expect(onStoreError).toHaveBeenCalledWith(expect.objectContaining({ name: 'RuleViolationError' }), 'photos');
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('refuses a corrupted entry that only a null, a number or an object tells apart from valid rules cached for another bucket', async () => {
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store, { logger: silentLogger() });
    const valid = cache.lookup('valid');
    store.reads[0]!.resolve(stored());
    const known = rulesOf(await valid);
    const [withId, withoutId] = RULES_A.CORSRules as unknown as [Record<string, unknown>, Record<string, unknown>];
    const corrupted = [
      [withId, { ...withoutId, ID: null }], // absent and null must not spell the same content
      [{ ...withId, MaxAgeSeconds: '3000' }, withoutId],
      [{ ...withId, ExposeHeaders: [{ toString: () => 'ETag' }] }, withoutId],
    ];
    for (const [i, CORSRules] of corrupted.entries()) {
      const pending = cache.lookup(`corrupted-${i}`);
      store.reads.at(-1)!.resolve(stored({ CORSRules } as unknown as CorsConfiguration));
      await expect(pending).resolves.toMatchObject({ kind: 'unavailable', error: { violation: { code: 'wrong-type' } } });
    }
    // Fields outside the rule table are ignored by the validator and compiler alike: the same content.
    const extra = cache.lookup('extra');
    store.reads.at(-1)!.resolve(stored({ CORSRules: [{ ...withId, Comment: 'x' }, withoutId] } as unknown as CorsConfiguration));
    expect(rulesOf(await extra)).toBe(known);
  });

  it('does not let a read that started before an invalidation fill the cache with old rules', async () => {
    for (const event of [{ type: 'bucket', bucket: 'photos' }, { type: 'all' }] as const) {
      const store = new ScriptedStore(true);
      const cache = new RuleCache(store);
      const beforeChange = cache.lookup('photos');
      store.emit(event); // rules changed while the first read was on its way
      const afterChange = cache.lookup('photos');
      expect(store.reads).toHaveLength(2); // the change started a fresh read
      store.reads[0]!.resolve(stored(RULES_A, 'old'));
      store.reads[1]!.resolve(stored(RULES_B, 'new'));
      expect(configurationOf(await beforeChange)).toEqual(RULES_A); // that caller asked before the change
      expect(configurationOf(await afterChange)).toEqual(RULES_B);
      expect(configurationOf(cache.lookup('photos') as RuleLookup)).toEqual(RULES_B);

      // Old read finishing last must not overwrite either.
      store.emit(event);
      const third = cache.lookup('photos');
      const fourth = (store.emit(event), cache.lookup('photos'));
      store.reads[3]!.resolve(stored(RULES_A, 'newest'));
      store.reads[2]!.resolve(stored(RULES_B, 'stale'));
      await Promise.all([third, fourth]);
      expect(configurationOf(cache.lookup('photos') as RuleLookup)).toEqual(RULES_A);
    }
  });

  it('keeps an entry read at the version a late invalidation announces, and drops it for any other version or none', async () => {
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store, { logger: silentLogger() });
    const first = cache.lookup('photos');
    store.reads[0]!.resolve(stored(RULES_A, 'v2')); // read after the change, before its message came
    const known = await first;
    store.emit({ type: 'bucket', bucket: 'photos', version: 'v2' }); // that change's message, late
    expect(cache.lookup('photos')).toBe(known);
    expect(store.reads).toHaveLength(1);

    // A deleted bucket's entry and a deletion's message (version null) agree too.
    const none = cache.lookup('gone');
    store.reads[1]!.resolve(null);
    await none;
    store.emit({ type: 'bucket', bucket: 'gone', version: null });
    expect(cache.lookup('gone')).toEqual({ kind: 'no-configuration' });
    expect(store.reads).toHaveLength(2);

    for (const event of [{ type: 'bucket', bucket: 'photos', version: 'v3' }, { type: 'bucket', bucket: 'photos' }, { type: 'bucket', bucket: 'gone', version: 'v1' }] as const) {
      store.emit(event);
      const again = cache.lookup(event.bucket);
      expect(isPromise(again)).toBe(true);
      store.reads.at(-1)!.resolve(stored(RULES_A, 'v2'));
      await again;
    }
    expect(store.reads).toHaveLength(5);
  });

  it('reads every bucket again, waiting for it, after an "all" invalidation, and keeps the last-known rules for when that read fails', async () => {
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store, { logger: silentLogger() });
    const a = cache.lookup('a');
    const b = cache.lookup('b');
    store.reads[0]!.resolve(stored(RULES_A));
    store.reads[1]!.resolve(stored(RULES_B));
    await Promise.all([a, b]);
    store.emit({ type: 'all' });
    const reloads = [cache.lookup('a'), cache.lookup('b')];
    expect(reloads.every(isPromise)).toBe(true);
    expect(store.reads).toHaveLength(4);
    store.reads[2]!.resolve(null); // changed unheard: the fresh answer wins
    store.reads[3]!.reject(new Error('connection refused')); // unreachable: last-known rules beat a 503
    expect((await reloads[0]!).kind).toBe('no-configuration');
    expect(configurationOf(await reloads[1]!)).toEqual(RULES_B);
    // The failed one is trusted again for a while, not read on every request.
    expect(isPromise(cache.lookup('b'))).toBe(false);
    expect(store.reads).toHaveLength(4);
  });

  it('gives up on a slow store after lookupTimeoutMs: aborts the read and answers unavailable', async () => {
    const logger = silentLogger();
    const onStoreError = jest.fn();
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store, { lookupTimeoutMs: 200, logger, onStoreError });
    const started = Date.now();
    const result = await cache.lookup('photos');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result).toMatchObject({ kind: 'unavailable', error: { name: 'TimeoutError' } });
    expect(store.reads[0]!.signal?.aborted).toBe(true);
    expect(onStoreError).toHaveBeenCalledWith(expect.objectContaining({ name: 'TimeoutError' }), 'photos');
    // Not cached: the next lookup asks the store again.
    const next = cache.lookup('photos');
    expect(store.reads).toHaveLength(2);
    store.reads[1]!.resolve(stored());
    expect((await next).kind).toBe('configured');
  });

  it('answers unavailable, never rejects, when the store rejects or throws with nothing cached', async () => {
    const unhandled = await collectUnhandledRejections(async () => {
      const store = new ScriptedStore(true);
      const cache = new RuleCache(store, { logger: silentLogger() });
      const pending = cache.lookup('photos');
      const failure = new Error('connection refused');
      store.reads[0]!.reject(failure);
      await expect(pending).resolves.toEqual({ kind: 'unavailable', error: failure });

      const throwing = new ScriptedStore(true);
      throwing.get = () => {
        throw new Error('broken store');
      };
      const cache2 = new RuleCache(throwing, { logger: silentLogger() });
      await expect(cache2.lookup('photos')).resolves.toMatchObject({ kind: 'unavailable', error: { message: 'broken store' } });
    });
    expect(unhandled).toEqual([]);
  });

  it('keeps serving last-known rules when a refresh fails, without waiting on the store again for a while', async () => {
    const logger = silentLogger();
    const onStoreError = jest.fn();
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store, { ttlMs: 60_000, logger, onStoreError });
    const first = cache.lookup('photos');
    store.reads[0]!.resolve(stored());
    const known = await first;

    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
    expect(cache.lookup('photos')).toBe(known); // expired: served while the refresh runs
    await refreshBatchSent();
    store.reads[1]!.reject(new Error('READONLY'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(onStoreError).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('serving last-known rules'), expect.any(Error));
    // Within the retry window the old rules come back synchronously.
    jest.spyOn(Date, 'now').mockReturnValue(now + 61_000 + STALE_RETRY_MS - 1);
    expect(cache.lookup('photos')).toBe(known);
    expect(store.reads).toHaveLength(2);
  });

  it('keeps a refused entry for STALE_RETRY_MS (at most the TTL), then reads it again in the background; an invalidation drops it at once', async () => {
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store, { logger: silentLogger() });
    const tooLarge = { CORSRules: [{ AllowedOrigins: ['x'.repeat(MAX_STORED_RULES_CHARACTERS)], AllowedMethods: ['GET'] }] } as CorsConfiguration;
    const first = cache.lookup('photos');
    store.reads[0]!.resolve(stored(tooLarge));
    const refused = await first;
    expect(refused).toMatchObject({ kind: 'unavailable', error: { code: 'ENTRY_TOO_LARGE' } });
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + STALE_RETRY_MS - 10);
    expect(cache.lookup('photos')).toBe(refused);
    jest.spyOn(Date, 'now').mockReturnValue(now + STALE_RETRY_MS + 10);
    expect(cache.lookup('photos')).toBe(refused); // expired: still the refusal while one read checks again
    await refreshBatchSent();
    expect(store.reads).toHaveLength(2);
    store.reads[1]!.resolve(stored(RULES_A)); // fixed straight in the store, without an invalidation
    await new Promise((resolve) => setImmediate(resolve));
    expect(configurationOf(cache.lookup('photos') as RuleLookup)).toEqual(RULES_A);

    const again = cache.lookup('other');
    store.reads[2]!.resolve(stored(tooLarge));
    await again;
    store.emit({ type: 'bucket', bucket: 'other' });
    expect(isPromise(cache.lookup('other'))).toBe(true);
  });

  it('keeps serving last-known rules when a refresh finds an entry too large to use', async () => {
    const logger = silentLogger();
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store, { ttlMs: 1_000, logger });
    const first = cache.lookup('photos');
    store.reads[0]!.resolve(stored());
    const known = await first;
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 1_001);
    expect(cache.lookup('photos')).toBe(known);
    await refreshBatchSent();
    store.reads[1]!.resolve(stored({ CORSRules: [{ AllowedOrigins: ['x'.repeat(MAX_STORED_RULES_CHARACTERS)], AllowedMethods: ['GET'] }] }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(cache.lookup('photos')).toBe(known);
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('serving last-known rules'), expect.objectContaining({ code: 'ENTRY_TOO_LARGE' }));
  });

  it('logs store errors at most once per kind per 10 s, but reports each one to onStoreError', async () => {
    const logger = silentLogger();
    const onStoreError = jest.fn();
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store, { logger, onStoreError });
    const fail = async (bucket: string, error: Error) => {
      const pending = cache.lookup(bucket);
      store.reads.at(-1)!.reject(error);
      await pending;
    };
    const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    for (let i = 0; i < 5; i++) await fail(`b${i}`, refused());
    await fail('other', new TypeError('odd reply'));
    expect(onStoreError).toHaveBeenCalledTimes(6);
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.error.mock.calls[0]![0]).toContain('(ECONNREFUSED)');
    expect(logger.error.mock.calls[1]![0]).toContain('(TypeError)');

    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 10_001);
    await fail('later', refused());
    expect(logger.error).toHaveBeenCalledTimes(3);
    expect(logger.error.mock.calls[2]![0]).toContain('4 more ECONNREFUSED error(s) since the last report');
  });

  it('survives an onStoreError hook that throws', async () => {
    const store = new ScriptedStore(true);
    const cache = new RuleCache(store, {
      logger: silentLogger(),
      onStoreError: () => {
        throw new Error('metrics down');
      },
    });
    const pending = cache.lookup('photos');
    store.reads[0]!.reject(new Error('down'));
    await expect(pending).resolves.toMatchObject({ kind: 'unavailable' });
  });

  it('rejects unusable options with a TypeError that names the option and quotes what was given', () => {
    const store = new ScriptedStore(true);
    expect(() => new RuleCache(store, { max: 0 })).toThrow('RuleCache: `max` must be a whole number of buckets >= 1 (default 500000), not 0.');
    expect(() => new RuleCache(store, { maxBytes: 1.5 })).toThrow('RuleCache: `maxBytes` must be a whole number of bytes >= 1 (default 67108864), not 1.5.');
    expect(() => new RuleCache(store, { ttlMs: -1 })).toThrow('RuleCache: `ttlMs` must be a positive number of milliseconds or Infinity (default 60000), not -1.');
    expect(() => new RuleCache(store, { lookupTimeoutMs: Infinity })).toThrow('RuleCache: `lookupTimeoutMs` must be a positive number of milliseconds (default 1000), not Infinity.');
    expect(() => new RuleCache(store, { onStoreError: 'log' } as never)).toThrow('RuleCache: `onStoreError` must be a function (error, bucket) => void, or be left out, not "log".');
    expect(() => new RuleCache(store, { maxSize: 10 } as never)).toThrow('RuleCache: unknown option `maxSize`; the options are `max`, `maxBytes`, `ttlMs`, `lookupTimeoutMs`, `logger`, `onStoreError`.');
    expect(() => new RuleCache({} as RuleStore)).toThrow('`store` must implement RuleStore');
  });
});

/** A configuration of `rules` rules with long names, unique by `variant` (tens of KB compiled). */
function largeConfiguration(variant: number, rules = 40): CorsConfiguration {
  return {
    CORSRules: Array.from({ length: rules }, (_, rule) => ({
      ID: `rule-${variant}-${rule}`,
      AllowedOrigins: Array.from({ length: 4 }, (_, i) => `https://app${i}.tenant-${variant}-${rule}.example.com`),
      AllowedMethods: ['GET', 'PUT'],
      AllowedHeaders: Array.from({ length: 12 }, (_, i) => `x-amz-meta-field-${i}`),
      ExposeHeaders: ['ETag'],
    })),
  };
}

/** The compiled rules of a cached lookup (fails the test for any other answer). */
function rulesOf(lookup: RuleLookup | Promise<RuleLookup>) {
  if (isPromise(lookup) || lookup.kind !== 'configured') throw new Error(`expected cached rules, got ${isPromise(lookup) ? 'a pending read' : lookup.kind}`);
  return lookup.rules;
}

describe('RuleCache sharing and byte budget', () => {
  it('compiles identical configurations once and shares them between buckets, by content', async () => {
    const store = new MemoryRuleStore();
    await store.put('a', RULES_A);
    await store.put('b', structuredClone(RULES_A));
    await store.put('c', RULES_B);
    await store.put('d', { CORSRules: RULES_A.CORSRules.map((rule, i) => (i === 0 ? { ...rule, ID: 'other' } : rule)) });
    const cache = new RuleCache(store);
    for (const bucket of ['a', 'b', 'c', 'd']) await cache.lookup(bucket);
    expect(rulesOf(cache.lookup('b'))).toBe(rulesOf(cache.lookup('a')));
    expect(rulesOf(cache.lookup('c'))).not.toBe(rulesOf(cache.lookup('a')));
    expect(rulesOf(cache.lookup('d'))).not.toBe(rulesOf(cache.lookup('a'))); // an ID is content too: GET returns it
    expect(cache.usage).toMatchObject({ buckets: 4, configurations: 3 });
  });

  it('shares by content when the store hands out a new copy on every read (as a store parsing JSON may)', async () => {
    const inner = new MemoryRuleStore();
    const copying: RuleStore = {
      shared: false,
      get: async (bucket, options) => {
        const stored = await inner.get(bucket, options);
        return stored === null ? null : { ...stored, configuration: structuredClone(stored.configuration) };
      },
      put: (bucket, configuration, options) => inner.put(bucket, configuration, options),
      delete: (bucket, options) => inner.delete(bucket, options),
      subscribe: (listener) => inner.subscribe(listener),
    };
    for (const bucket of ['a', 'b']) await inner.put(bucket, RULES_A);
    await inner.put('c', RULES_B);
    const cache = new RuleCache(copying);
    for (const bucket of ['a', 'b', 'c']) await cache.lookup(bucket);
    expect(rulesOf(cache.lookup('b'))).toBe(rulesOf(cache.lookup('a')));
    expect(rulesOf(cache.lookup('c'))).not.toBe(rulesOf(cache.lookup('a')));
    expect(cache.usage).toMatchObject({ buckets: 3, configurations: 2 });
  });

  it('finds the compiled rules of a configuration object the store shares between buckets without reading its rules again', async () => {
    const store = new MemoryRuleStore();
    for (const bucket of ['first', 'second', 'third']) await store.put(bucket, RULES_A);
    // The one object MemoryRuleStore keeps for RULES_A, its rules read through a counting getter.
    const shared = (await store.get('first'))!.configuration;
    expect((await store.get('third'))!.configuration).toBe(shared);
    const { CORSRules } = shared;
    let rulesRead = 0;
    Object.defineProperty(shared, 'CORSRules', {
      get: () => {
        rulesRead++;
        return CORSRules;
      },
    });
    const cache = new RuleCache(store);
    await cache.lookup('first');
    const afterFirst = rulesRead;
    expect(afterFirst).toBeGreaterThan(0);
    for (const bucket of ['second', 'third']) await cache.lookup(bucket);
    expect(rulesRead).toBe(afterFirst);
    expect(rulesOf(cache.lookup('third'))).toBe(rulesOf(cache.lookup('first')));
    expect(cache.usage).toMatchObject({ buckets: 3, configurations: 1 });
  });

  it('keeps the content key, not the parsed configuration: `configuration` is decoded from it on each read, equal to what was stored', async () => {
    const store = new MemoryRuleStore();
    await store.put('photos', RULES_B);
    const cache = new RuleCache(store);
    const loaded = await cache.lookup('photos');
    if (loaded.kind !== 'configured') throw new Error(`expected rules, got ${loaded.kind}`);
    expect(loaded.rules.configuration).toEqual(RULES_B);
    expect(loaded.rules.configuration).not.toBe(loaded.rules.configuration);
  });

  it('lets a shared configuration go with its last bucket, and an update of one bucket leave the others alone', async () => {
    const store = new MemoryRuleStore();
    await store.put('a', RULES_A);
    await store.put('b', RULES_A);
    const cache = new RuleCache(store);
    await cache.lookup('a');
    await cache.lookup('b');
    const shared = rulesOf(cache.lookup('a'));
    const { bytes: bothBytes } = cache.usage;
    await store.put('a', RULES_B); // invalidates a only
    expect(rulesOf(cache.lookup('b'))).toBe(shared);
    expect(configurationOf(await cache.lookup('a'))).toEqual(RULES_B);
    expect(cache.usage.configurations).toBe(2);
    await store.delete('b');
    expect(cache.usage.configurations).toBe(1);
    expect(cache.usage.bytes).toBeLessThan(bothBytes);
    // Nothing holds RULES_A any more: a new bucket with it counts it again (the compiled rules are
    // those dropped while they are still in memory: the store hands out the same object).
    const withoutA = cache.usage.bytes;
    await store.put('c', RULES_A);
    await cache.lookup('c');
    expect(cache.usage.configurations).toBe(2);
    expect(cache.usage.bytes).toBeGreaterThan(withoutA + 1_000);
    expect(configurationOf(cache.lookup('c') as RuleLookup)).toEqual(RULES_A);
    cache.close();
    expect(cache.usage).toEqual({ buckets: 0, configurations: 0, bytes: 0 });
  });

  it('counts a shared configuration once: a second bucket with it costs only its entry', async () => {
    const store = new MemoryRuleStore();
    const large = largeConfiguration(0);
    for (const bucket of ['one', 'two', 'other']) await store.put(bucket, bucket === 'other' ? largeConfiguration(1) : large);
    const cache = new RuleCache(store);
    await cache.lookup('one');
    const first = cache.usage.bytes;
    await cache.lookup('two');
    const entry = cache.usage.bytes - first;
    expect(entry).toBeGreaterThan(0);
    expect(entry).toBeLessThan(300);
    await cache.lookup('other');
    expect(cache.usage.bytes - first - entry).toBeGreaterThan(50 * entry);
  });

  it('stays within maxBytes when filled with large configurations, evicting the least recently used first', async () => {
    const store = new MemoryRuleStore();
    const buckets = Array.from({ length: 40 }, (_, i) => `large-${i}`);
    for (const [i, bucket] of buckets.entries()) await store.put(bucket, largeConfiguration(i));
    const get = jest.spyOn(store, 'get');
    const maxBytes = 1_000_000;
    const cache = new RuleCache(store, { maxBytes });
    let most = 0;
    for (const bucket of buckets) {
      await cache.lookup(bucket);
      rulesOf(cache.lookup(buckets[0]!)); // the first bucket stays in use, so it is never the least recent
      expect(cache.usage.bytes).toBeLessThanOrEqual(maxBytes);
      most = Math.max(most, cache.usage.buckets);
    }
    // Some fit, far from all 40: the budget is what bounds the cache here, not `max`.
    expect(most).toBeGreaterThan(2);
    expect(most).toBeLessThan(buckets.length);
    const kept = buckets.filter((bucket) => !isPromise(cache.lookup(bucket)));
    expect(kept).toHaveLength(cache.usage.buckets);
    // The first (always used) and the most recently loaded ones are kept; the oldest unused ones went.
    expect(kept).toEqual([buckets[0], ...buckets.slice(buckets.length - (kept.length - 1))]);
    expect(get).toHaveBeenCalledTimes(buckets.length + (buckets.length - kept.length));
  });

  it('refuses a configuration larger than the whole budget without compiling it, and keeps the refusal: one read, one log line', async () => {
    const store = new MemoryRuleStore();
    await store.put('huge', largeConfiguration(0));
    await store.put('small', RULES_A);
    const get = jest.spyOn(store, 'get');
    const logger = silentLogger();
    const cache = new RuleCache(store, { maxBytes: 20_000, logger });
    const small = await cache.lookup('small');
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.lookup('huge')));
    for (let i = 0; i < 50; i++) answers.push(cache.lookup('huge') as RuleLookup);
    for (const answer of answers) expect(answer).toMatchObject({ kind: 'unavailable', error: { name: 'UnusableEntryError', code: 'ENTRY_OVER_BUDGET' } });
    expect(get).toHaveBeenCalledTimes(2);
    expect(cache.lookup('small')).toBe(small);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![0]).toMatch(/bucket "huge".*more than cache\.maxBytes \(20000\)/);
    expect(cache.usage.bytes).toBeLessThanOrEqual(20_000);
  });

  it('refuses a configuration larger than any dialect can store, from any store, before validating or compiling it', async () => {
    const store = new MemoryRuleStore();
    const AllowedOrigins = Array.from({ length: 120_000 }, (_, i) => `https://tenant-${i}.example.com`);
    await store.put('huge', { CORSRules: [{ AllowedOrigins, AllowedMethods: ['GET'] }] });
    const get = jest.spyOn(store, 'get');
    const logger = silentLogger();
    const cache = new RuleCache(store, { logger });
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.lookup('huge')));
    answers.push(cache.lookup('huge') as RuleLookup);
    for (const answer of answers) expect(answer).toMatchObject({ kind: 'unavailable', error: { code: 'ENTRY_TOO_LARGE' } });
    expect(get).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![0]).toContain(`more than the ${MAX_STORED_RULES_CHARACTERS} any dialect can store`);
  });
});
