// The RuleStore contract as one suite, run against every store (memory, Redis with ioredis 6 and 5).

import type { CorsConfiguration, CorsMethod } from 'express-bucket-cors/core';
import type { InvalidationEvent, RuleStore } from 'express-bucket-cors';

/** Two distinct configurations for put/replace checks. */
export const RULES_A: CorsConfiguration = {
  CORSRules: [
    { ID: 'a', AllowedOrigins: ['https://a.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 },
    { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
  ],
};
export const RULES_B: CorsConfiguration = {
  CORSRules: [{ AllowedOrigins: ['https://b.example'], AllowedMethods: ['POST'] }],
};

/**
 * Registers the contract tests for a store. `makeStore` is called once per test and must return a
 * store with no configurations; stores are closed after each test.
 */
export function describeStoreContract(name: string, makeStore: () => RuleStore | Promise<RuleStore>): void {
  describe(`${name}: RuleStore contract`, () => {
    let store: RuleStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close?.();
    });

    it('answers null for a bucket without configuration', async () => {
      await expect(store.get('nothing-here')).resolves.toBeNull();
    });

    it('returns what was put, with the version the put resolved with', async () => {
      const stored = await store.put('photos', RULES_A);
      expect(stored.configuration).toEqual(RULES_A);
      expect(typeof stored.version).toBe('string');
      await expect(store.get('photos')).resolves.toEqual({ configuration: RULES_A, version: stored.version });
    });

    it('replaces the whole configuration on put and assigns a new version', async () => {
      const first = await store.put('photos', RULES_A);
      const second = await store.put('photos', RULES_B);
      expect(second.version).not.toBe(first.version);
      await expect(store.get('photos')).resolves.toEqual({ configuration: RULES_B, version: second.version });
    });

    it('keeps buckets apart', async () => {
      await store.put('one', RULES_A);
      await store.put('two', RULES_B);
      expect((await store.get('one'))?.configuration).toEqual(RULES_A);
      expect((await store.get('two'))?.configuration).toEqual(RULES_B);
    });

    it('is not affected by later changes to the object that was put', async () => {
      const methods: CorsMethod[] = ['POST'];
      await store.put('photos', { CORSRules: [{ AllowedOrigins: ['https://b.example'], AllowedMethods: methods }] });
      methods.push('DELETE');
      expect((await store.get('photos'))?.configuration).toEqual(RULES_B);
    });

    it('deletes a configuration, and resolves deleting one that does not exist', async () => {
      await store.put('photos', RULES_A);
      await store.delete('photos');
      await expect(store.get('photos')).resolves.toBeNull();
      await expect(store.delete('never-configured')).resolves.toBeUndefined();
    });

    it('notifies its own subscribers before put and delete resolve', async () => {
      const seen: { event: InvalidationEvent; settled: boolean }[] = [];
      let settled = false;
      store.subscribe((event) => {
        if (event.type === 'bucket') seen.push({ event, settled });
      });
      const { version } = await store.put('photos', RULES_A).finally(() => (settled = true));
      expect(seen).toEqual([{ event: { type: 'bucket', bucket: 'photos', version }, settled: false }]);
      settled = false;
      await store.delete('photos').then(() => (settled = true));
      expect(seen).toEqual([
        { event: { type: 'bucket', bucket: 'photos', version }, settled: false },
        { event: { type: 'bucket', bucket: 'photos', version: null }, settled: false },
      ]);
    });

    it('stops notifying a listener once unsubscribed', async () => {
      const events: InvalidationEvent[] = [];
      const unsubscribe = store.subscribe((event) => events.push(event));
      unsubscribe();
      await store.put('photos', RULES_A);
      expect(events.filter((event) => event.type === 'bucket')).toEqual([]);
    });

    it('rejects a read whose signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('caller gave up'));
      await expect(store.get('photos', { signal: controller.signal })).rejects.toThrow('caller gave up');
    });

    it('says whether it is shared', () => {
      expect(typeof store.shared).toBe('boolean');
    });
  });
}
