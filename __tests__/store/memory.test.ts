// MemoryRuleStore: the shared store contract, not shared, the one-time production warning, listener isolation.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryRuleStore, type Logger } from 'express-bucket-cors';
import { MEMORY_STORE_IN_PRODUCTION_WARNING } from '../support/internals';
import { describeStoreContract, RULES_A, RULES_B } from './contract';
import { silentLogger } from './helpers';
import { describeLifecycleContract } from './lifecycle-contract';
import { describeReportOnlyContract } from './report-only-contract';

describeStoreContract('MemoryRuleStore', () => new MemoryRuleStore());
describeLifecycleContract('MemoryRuleStore', (historyLength) => {
  const store = new MemoryRuleStore({ historyLength });
  return { store, peer: store };
});

describeReportOnlyContract('MemoryRuleStore', (historyLength) => {
  const store = new MemoryRuleStore({ historyLength });
  return { store, peer: store };
});

describe('MemoryRuleStore', () => {
  const originalEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = originalEnv;
  });

  it('keeps equal rules put for different buckets as one object, copied from what was put', async () => {
    const store = new MemoryRuleStore();
    const input = structuredClone(RULES_A);
    await store.put('one', input);
    await store.put('two', structuredClone(RULES_A));
    await store.put('other', RULES_B);
    const one = (await store.get('one'))?.configuration;
    expect((await store.get('two'))?.configuration).toBe(one);
    expect((await store.get('other'))?.configuration).not.toBe(one);
    expect(one).not.toBe(input);
    (input.CORSRules[0]!.AllowedOrigins as string[]).push('https://changed.example');
    expect(one).toEqual(RULES_A);
    // The history's previous rules are the same object too.
    await store.put('one', RULES_B);
    expect((await store.history('one'))[0]?.previous).toBe(one);
  });

  it('lets go of rules no bucket, history entry or candidate holds', async () => {
    const store = new MemoryRuleStore({ historyLength: 0 });
    await store.put('one', RULES_A);
    const ref = new WeakRef((await store.get('one'))!.configuration);
    await store.put('one', RULES_B);
    // A WeakRef keeps its target until the job that read it ends, and V8 exposes a collector on request.
    await new Promise((resolve) => setImmediate(resolve));
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    expect(ref.deref()).toBeUndefined();
    // Put again after that, equal rules are kept again (a new object if the old one was collected).
    await store.put('two', RULES_A);
    expect((await store.get('two'))?.configuration).toEqual(RULES_A);
  });

  it('is not shared', () => {
    expect(new MemoryRuleStore().shared).toBe(false);
  });

  it('warns once per process when created under NODE_ENV=production', () => {
    process.env.NODE_ENV = 'production';
    jest.isolateModules(() => {
      const { MemoryRuleStore: FreshStore } = require('express-bucket-cors') as typeof import('express-bucket-cors');
      const first = silentLogger();
      const second = silentLogger();
      new FreshStore({ logger: first });
      new FreshStore({ logger: second });
      expect(first.warn).toHaveBeenCalledTimes(1);
      expect(first.warn).toHaveBeenCalledWith(MEMORY_STORE_IN_PRODUCTION_WARNING);
      expect(second.warn).not.toHaveBeenCalled();
    });
  });

  it('does not warn outside production', () => {
    process.env.NODE_ENV = 'development';
    jest.isolateModules(() => {
      const { MemoryRuleStore: FreshStore } = require('express-bucket-cors') as typeof import('express-bucket-cors');
      const logger = silentLogger();
      new FreshStore({ logger });
      expect(logger.warn).not.toHaveBeenCalled();
    });
  });

  it('keeps notifying other listeners, and resolves the put, when one listener throws', async () => {
    const logger = silentLogger();
    const store = new MemoryRuleStore({ logger });
    const after = jest.fn();
    store.subscribe(() => {
      throw new Error('listener bug');
    });
    store.subscribe(after);
    const stored = await store.put('photos', RULES_A);
    expect(stored.configuration).toEqual(RULES_A);
    expect(after).toHaveBeenCalledWith({ type: 'bucket', bucket: 'photos', version: stored.version });
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('rejects options it cannot use, saying what to pass', () => {
    expect(() => new MemoryRuleStore({ logger: {} as Logger })).toThrow(new TypeError('MemoryRuleStore: `logger` must have warn() and error() methods (console fits), or be left out, not an object.'));
  });
});
