// The lifecycle part of the RuleStore contract (conditional writes, history, rollback, change events) as one suite, run against every built-in store.

import diagnosticsChannel from 'node:diagnostics_channel';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { serializeCorsXml } from 'express-bucket-cors/s3';
import {
  DIAGNOSTICS_CHANNELS,
  isPreconditionFailedError,
  PreconditionFailedError,
  rollbackConfiguration,
  VersionNotFoundError,
  type ConfigurationChangeEvent,
  type InvalidationEvent,
  type RuleStore,
} from 'express-bucket-cors';
import { RULES_A, RULES_B } from './contract';

export const RULES_C: CorsConfiguration = {
  CORSRules: [{ ID: 'c', AllowedOrigins: ['https://c.example', 'https://*.c.example'], AllowedMethods: ['GET', 'HEAD'], ExposeHeaders: ['x-amz-request-id'], MaxAgeSeconds: 60 }],
};

/** Two handles on the same rules: one store, and a peer (another instance, or the same store in memory). */
export interface StorePair {
  readonly store: RuleStore;
  readonly peer: RuleStore;
}

/** Every change event published while `run` runs. */
export async function changeEventsDuring(run: () => Promise<unknown>): Promise<ConfigurationChangeEvent[]> {
  const events: ConfigurationChangeEvent[] = [];
  const listener = (message: unknown) => void events.push(message as ConfigurationChangeEvent);
  diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.change, listener);
  try {
    await run();
  } finally {
    diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.change, listener);
  }
  return events;
}

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** Opens a pair per call (with the history length given); every store opened is closed after each test. Call inside a `describe`. */
export function storeOpener(makeStores: (historyLength?: number) => StorePair | Promise<StorePair>): (historyLength?: number) => Promise<StorePair> {
  const opened: RuleStore[] = [];
  afterEach(async () => {
    await Promise.all([...new Set(opened.splice(0))].map((store) => store.close?.()));
  });
  return async (historyLength) => {
    const pair = await makeStores(historyLength);
    opened.push(pair.store, pair.peer);
    return pair;
  };
}

/**
 * Registers the lifecycle tests. `makeStores` is called once per test with the history length
 * (undefined: the default) and must return stores with no configurations; both are closed after each test.
 */
export function describeLifecycleContract(name: string, makeStores: (historyLength?: number) => StorePair | Promise<StorePair>): void {
  describe(`${name}: conditional writes, history, rollback, change events`, () => {
    const open = storeOpener(makeStores);

    it('offers conditional writes and history', async () => {
      const { store } = await open();
      expect(store.features).toEqual({ conditionalWrites: true, history: true, reportOnly: true });
      expect(typeof store.history).toBe('function');
    });

    it('puts only if none with ifVersion null, and refuses when there is one, changing nothing', async () => {
      const { store } = await open();
      const first = await store.put('photos', RULES_A, { ifVersion: null });
      const error = await rejectionOf(store.put('photos', RULES_B, { ifVersion: null }));
      expect(error).toBeInstanceOf(PreconditionFailedError);
      expect(error).toMatchObject({ name: 'PreconditionFailedError', code: 'PRECONDITION_FAILED', bucket: 'photos', expected: null, actual: first.version });
      expect(isPreconditionFailedError(error)).toBe(true);
      await expect(store.get('photos')).resolves.toEqual(first);
    });

    it('puts only over the version named, and refuses a stale one without notifying, recording or publishing', async () => {
      const { store } = await open();
      const first = await store.put('photos', RULES_A);
      const second = await store.put('photos', RULES_B, { ifVersion: first.version });
      const heard: InvalidationEvent[] = [];
      store.subscribe((event) => heard.push(event));
      const historyBefore = await store.history!('photos');
      const events = await changeEventsDuring(async () => {
        const error = await rejectionOf(store.put('photos', RULES_C, { ifVersion: first.version }));
        expect(error).toMatchObject({ expected: first.version, actual: second.version });
      });
      expect(events).toEqual([]);
      expect(heard.filter((event) => event.type === 'bucket')).toEqual([]);
      await expect(store.history!('photos')).resolves.toEqual(historyBefore);
      await expect(store.get('photos')).resolves.toEqual(second);
      await expect(rejectionOf(store.put('nothing-yet', RULES_A, { ifVersion: first.version }))).resolves.toMatchObject({ actual: null });
    });

    it('lets exactly one of two concurrent puts from the same version win, and keeps the winner\'s rules', async () => {
      const { store, peer } = await open();
      const base = await store.put('photos', RULES_A);
      for (let round = 0; round < 5; round++) {
        const current = (await store.get('photos'))!;
        const outcomes = await Promise.allSettled([store.put('photos', RULES_B, { ifVersion: current.version }), peer.put('photos', RULES_C, { ifVersion: current.version })]);
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(isPreconditionFailedError((lost[0] as PromiseRejectedResult).reason)).toBe(true);
        const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<RuleStore['put']>>>).value;
        await expect(store.get('photos')).resolves.toEqual(winner);
        await expect(peer.get('photos')).resolves.toEqual(winner);
      }
      expect(base.version).not.toBe((await store.get('photos'))!.version);
    });

    it('deletes conditionally: a stale version or "only if none" over rules refuses and keeps them', async () => {
      const { store } = await open();
      const first = await store.put('photos', RULES_A);
      const second = await store.put('photos', RULES_B);
      await expect(rejectionOf(store.delete('photos', { ifVersion: first.version }))).resolves.toMatchObject({ expected: first.version, actual: second.version });
      await expect(rejectionOf(store.delete('photos', { ifVersion: null }))).resolves.toMatchObject({ expected: null, actual: second.version });
      await expect(store.get('photos')).resolves.toEqual(second);
      await store.delete('photos', { ifVersion: second.version });
      await expect(store.get('photos')).resolves.toBeNull();
      await expect(store.delete('photos', { ifVersion: null })).resolves.toBeUndefined();
    });

    it('records every change newest first, with the configuration it replaced, its time, source and principal', async () => {
      const { store } = await open();
      const before = Date.now();
      const first = await store.put('photos', RULES_A, { source: 'cli', principal: 'ops@example' });
      const second = await store.put('photos', RULES_B);
      await store.delete('photos', { source: 'import', principal: 'AKIAEXAMPLE' });
      await store.delete('photos'); // nothing left to delete: not a change
      const history = await store.history!('photos');
      expect(history).toEqual([
        { version: null, previousVersion: second.version, previous: RULES_B, time: expect.any(String), source: 'import', principal: 'AKIAEXAMPLE' },
        { version: second.version, previousVersion: first.version, previous: RULES_A, time: expect.any(String), source: 'router', principal: null },
        { version: first.version, previousVersion: null, previous: null, time: expect.any(String), source: 'cli', principal: 'ops@example' },
      ]);
      for (const change of history) {
        expect(Date.parse(change.time)).toBeGreaterThanOrEqual(before - 1);
        expect(Date.parse(change.time)).toBeLessThanOrEqual(Date.now());
      }
      await expect(store.history!('never-configured')).resolves.toEqual([]);
    });

    it('keeps the last N changes only', async () => {
      const { store } = await open(3);
      const versions: string[] = [];
      for (let i = 0; i < 7; i++) versions.push((await store.put('photos', i % 2 === 0 ? RULES_A : RULES_B)).version);
      const history = await store.history!('photos');
      expect(history.map((change) => change.version)).toEqual(versions.slice(-3).reverse());
      expect(history.map((change) => change.previousVersion)).toEqual(versions.slice(-4, -1).reverse());
    });

    it('keeps no history with a length of 0', async () => {
      const { store } = await open(0);
      const first = await store.put('photos', RULES_A);
      await store.put('photos', RULES_B, { ifVersion: first.version });
      await store.delete('photos');
      await expect(store.history!('photos')).resolves.toEqual([]);
    });

    it("drops a bucket's history with its rules when delete says history: 'drop'", async () => {
      const { store } = await open();
      await store.put('photos', RULES_A);
      await store.put('photos', RULES_B);
      await store.put('other', RULES_C);
      await store.delete('photos', { history: 'drop' });
      await expect(store.get('photos')).resolves.toBeNull();
      await expect(store.history!('photos')).resolves.toEqual([]);
      expect(await store.history!('other')).toHaveLength(1);
      await store.put('gone', RULES_A);
      await store.delete('gone');
      await store.delete('gone', { history: 'drop' }); // rules already deleted: the history still goes
      await expect(store.history!('gone')).resolves.toEqual([]);
    });

    it('rolls back to an earlier version as a new version whose rules serialize byte for byte as before', async () => {
      const { store, peer } = await open();
      const original = await store.put('photos', RULES_C);
      const xmlBefore = serializeCorsXml((await peer.get('photos'))!.configuration);
      const replaced = await store.put('photos', RULES_B);
      const restored = await rollbackConfiguration(store, 'photos', original.version, { ifVersion: replaced.version, principal: 'admin' });
      expect(restored.version).not.toBe(original.version);
      expect(serializeCorsXml((await peer.get('photos'))!.configuration)).toBe(xmlBefore);
      expect((await store.history!('photos'))[0]).toMatchObject({ version: restored.version, previousVersion: replaced.version, source: 'rollback', principal: 'admin' });
    });

    it('rolls back a deletion, refuses a stale condition and an unknown version', async () => {
      const { store } = await open();
      const original = await store.put('photos', RULES_A);
      await store.delete('photos');
      await expect(rejectionOf(rollbackConfiguration(store, 'photos', original.version, { ifVersion: 'stale' }))).resolves.toMatchObject({ name: 'PreconditionFailedError', actual: null });
      await expect(rejectionOf(rollbackConfiguration(store, 'photos', 'no-such-version'))).resolves.toBeInstanceOf(VersionNotFoundError);
      const restored = await rollbackConfiguration(store, 'photos', original.version, { ifVersion: null });
      await expect(store.get('photos')).resolves.toEqual({ configuration: RULES_A, version: restored.version });
    });

    it('publishes one change event per applied change, and none for refused writes or deleting nothing', async () => {
      const { store, peer } = await open();
      let first!: { version: string };
      let second!: { version: string };
      let restored!: { version: string };
      const events = await changeEventsDuring(async () => {
        first = await store.put('photos', RULES_A, { source: 'import', principal: 'p1' });
        second = await peer.put('photos', RULES_B, { ifVersion: first.version });
        await store.put('photos', RULES_C, { ifVersion: first.version }).catch(() => undefined);
        restored = await rollbackConfiguration(store, 'photos', first.version);
        await store.delete('photos', { source: 'cli' });
        await store.delete('photos');
      });
      expect(events).toEqual([
        { bucket: 'photos', previousVersion: null, version: first.version, source: 'import', principal: 'p1' },
        { bucket: 'photos', previousVersion: first.version, version: second.version, source: 'router', principal: null },
        { bucket: 'photos', previousVersion: second.version, version: restored.version, source: 'rollback', principal: null },
        { bucket: 'photos', previousVersion: restored.version, version: null, source: 'cli', principal: null },
      ]);
    });
  });
}
