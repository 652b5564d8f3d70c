// The admin service's lifecycle operations: conditional writes, history and rollback as refusals every dialect can word, and stores without them detected before any write.

import { createAdminService, isAdminError, MemoryRuleStore, type AdminError, type RuleStore } from 'express-bucket-cors';
import { serializeCorsXml } from 'express-bucket-cors/s3';
import { RULES_A, RULES_B } from '../store/contract';
import { silentLogger } from '../store/helpers';

function serviceOver(store: RuleStore) {
  return createAdminService({
    store,
    authorize: () => true,
    bucketExists: undefined,
    storeTimeoutMs: 1_000,
    logger: silentLogger(),
    isAnswer: () => false,
  });
}

async function refusalOf(promise: Promise<unknown>): Promise<AdminError['reason']> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (rejection: unknown) => rejection,
  );
  if (!isAdminError(error)) throw error;
  return error.reason;
}

/** A store of one's own, written before the lifecycle existed: get/put/delete/subscribe only. */
function storeWithoutFeatures(): RuleStore & { put: jest.Mock; delete: jest.Mock } {
  const memory = new MemoryRuleStore();
  return {
    shared: false,
    get: (bucket) => memory.get(bucket),
    put: jest.fn((bucket: string, configuration: typeof RULES_A) => memory.put(bucket, configuration)),
    delete: jest.fn((bucket: string) => memory.delete(bucket)),
    subscribe: (listener) => memory.subscribe(listener),
  };
}

it('refuses a stale conditional put or delete as precondition-failed, keeping the rules', async () => {
  const store = new MemoryRuleStore();
  const admin = serviceOver(store);
  const first = await admin.put('photos', RULES_A, { ifVersion: null });
  const second = await admin.put('photos', RULES_B, { ifVersion: first.version, principal: 'alice' });
  expect(await refusalOf(admin.put('photos', RULES_A, { ifVersion: first.version }))).toBe('precondition-failed');
  expect(await refusalOf(admin.delete('photos', { ifVersion: first.version }))).toBe('precondition-failed');
  await expect(admin.get('photos')).resolves.toEqual(second);
  expect((await admin.history('photos'))[0]).toMatchObject({ version: second.version, principal: 'alice', source: 'router' });
});

it('rolls back byte for byte, and refuses an unknown version as no-such-version', async () => {
  const admin = serviceOver(new MemoryRuleStore());
  const original = await admin.put('photos', RULES_A);
  const xml = serializeCorsXml((await admin.get('photos'))!.configuration);
  const replaced = await admin.put('photos', RULES_B);
  expect(await refusalOf(admin.rollback('photos', 'never'))).toBe('no-such-version');
  expect(await refusalOf(admin.rollback('photos', original.version, { ifVersion: original.version }))).toBe('precondition-failed');
  await admin.rollback('photos', original.version, { ifVersion: replaced.version });
  expect(serializeCorsXml((await admin.get('photos'))!.configuration)).toBe(xml);
});

it('refuses conditions and history on a store without them (not-implemented) without writing, and writes unconditionally as before', async () => {
  const store = storeWithoutFeatures();
  const admin = serviceOver(store);
  expect(await refusalOf(admin.put('photos', RULES_A, { ifVersion: null }))).toBe('not-implemented');
  expect(await refusalOf(admin.delete('photos', { ifVersion: 'v1' }))).toBe('not-implemented');
  expect(store.put).not.toHaveBeenCalled();
  expect(store.delete).not.toHaveBeenCalled();
  expect(await refusalOf(admin.history('photos'))).toBe('not-implemented');
  expect(await refusalOf(admin.rollback('photos', '1'))).toBe('not-implemented');
  await expect(admin.put('photos', RULES_A)).resolves.toMatchObject({ configuration: RULES_A });
  await expect(admin.delete('photos')).resolves.toBeUndefined();
});

it('still answers a failing store as unavailable', async () => {
  const store = new MemoryRuleStore();
  store.history = () => Promise.reject(Object.assign(new Error('down'), { code: 'ECONNREFUSED' }));
  expect(await refusalOf(serviceOver(store).history('photos'))).toBe('unavailable');
});
