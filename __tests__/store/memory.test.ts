// MemoryRuleStore: the shared store contract, not shared, the one-time production warning, listener isolation.

import { MemoryRuleStore, type Logger } from 'express-bucket-cors';
import { MEMORY_STORE_IN_PRODUCTION_WARNING } from '../support/internals';
import { describeStoreContract, RULES_A } from './contract';
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
