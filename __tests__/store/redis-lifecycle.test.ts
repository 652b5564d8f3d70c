// RedisRuleStore lifecycle on a real redis-server: the history key and its format, the script reloaded after SCRIPT FLUSH, values that are not ours, and change and invalidation events across instances of every client library.

import diagnosticsChannel from 'node:diagnostics_channel';
import Redis from 'ioredis';
import { DIAGNOSTICS_CHANNELS, HISTORY_KEY_SUFFIX, RedisRuleStore, RuleCache, type InvalidationReceivedEvent } from 'express-bucket-cors';
import { startRedis, type RedisServerHandle } from '../support/redis';
import { CLIENT_KINDS, closeAllClients } from './clients';
import { RULES_A, RULES_B } from './contract';
import { changeEventsDuring, RULES_C } from './lifecycle-contract';
import { connectionTracker, isolated, nextBucketEvent, subscribed, waitFor } from './helpers';

let server: RedisServerHandle;
const { track, disconnectAll } = connectionTracker();
const raw = () => track(new Redis(server.port, server.host));

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  disconnectAll();
  await closeAllClients();
  await server.stop();
});

it("keeps a bucket's history in a list beside its key, in the slot of the key, trimmed by the same script", async () => {
  const { keyPrefix, channel } = isolated();
  const store = new RedisRuleStore({ client: raw(), keyPrefix, channel, historyLength: 2 });
  const first = await store.put('photos', RULES_A, { principal: 'alice' });
  const second = await store.put('photos', RULES_B);
  await store.put('photos', RULES_C);
  const key = `${keyPrefix}photos`;
  const historyKey = `${key}${HISTORY_KEY_SUFFIX}{${key}}`;
  const client = raw();
  expect(await client.type(historyKey)).toBe('list');
  const entries = (await client.lrange(historyKey, 0, -1)).map((entry) => JSON.parse(entry) as { change: unknown; was: unknown });
  expect(entries).toEqual([
    { change: { v: expect.any(String), t: expect.any(Number), by: null, src: 'router' }, was: { v: second.version, rules: RULES_B } },
    { change: { v: second.version, t: expect.any(Number), by: null, src: 'router' }, was: { v: first.version, rules: RULES_A } },
  ]);
  await store.delete('photos', { history: 'drop' });
  expect(await client.exists(key, historyKey)).toBe(0);
});

it('sends the script again when the server lost it (SCRIPT FLUSH), and conditions still hold', async () => {
  const store = new RedisRuleStore({ client: raw(), ...isolated() });
  const first = await store.put('photos', RULES_A);
  await raw().script('FLUSH');
  const before = await server.commandCount('eval');
  const second = await store.put('photos', RULES_B, { ifVersion: first.version });
  expect((await server.commandCount('eval')) - before).toBe(1);
  await expect(store.put('photos', RULES_C, { ifVersion: first.version })).rejects.toMatchObject({ name: 'PreconditionFailedError', actual: second.version });
});

it('overwrites a value that is not a stored configuration only unconditionally, keeping none of it in the history', async () => {
  const { keyPrefix, channel } = isolated();
  await raw().set(`${keyPrefix}broken`, '{"not":"ours"}');
  const store = new RedisRuleStore({ client: raw(), keyPrefix, channel });
  await expect(store.put('broken', RULES_A, { ifVersion: null })).rejects.toMatchObject({ name: 'PreconditionFailedError', actual: null });
  const stored = await store.put('broken', RULES_A);
  await expect(store.get('broken')).resolves.toEqual(stored);
  expect(await store.history('broken')).toMatchObject([{ version: stored.version, previousVersion: null, previous: null }]);
});

it('hears invalidations of instances that do not send versions yet', async () => {
  const names = isolated();
  const store = new RedisRuleStore({ client: raw(), ...names });
  await subscribed(store);
  const heard = nextBucketEvent(store, 'photos');
  await raw().publish(names.channel, JSON.stringify({ bucket: 'photos', from: 'an-older-instance' }));
  await expect(heard).resolves.toEqual({ type: 'bucket', bucket: 'photos' });
  await store.close();
});

describe.each(CLIENT_KINDS.map((kind, index) => [kind.name, CLIENT_KINDS[(index + 1) % CLIENT_KINDS.length]!.name, kind, CLIENT_KINDS[(index + 1) % CLIENT_KINDS.length]!] as const))(
  'a change made through %s, heard through %s',
  (_writerName, _readerName, writerKind, readerKind) => {
    it('is published once as a change, on the writer, and once as an invalidation with bucket and version by the cache of the other instance', async () => {
      const names = isolated();
      const writer = new RedisRuleStore({ client: writerKind.client(server), ...names });
      const reader = new RedisRuleStore({ client: readerKind.client(server), ...names });
      const ready = subscribed(reader);
      const cache = new RuleCache(reader);
      await ready;
      const invalidations: InvalidationReceivedEvent[] = [];
      const onInvalidation = (message: unknown) => void invalidations.push(message as InvalidationReceivedEvent);
      diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.invalidation, onInvalidation);
      let versions: (string | null)[] = [];
      try {
        const changes = await changeEventsDuring(async () => {
          const first = await writer.put('photos', RULES_A, { principal: 'alice', source: 'cli' });
          await waitFor(() => invalidations.length === 1, 2_000, 'the first invalidation');
          const second = await writer.put('photos', RULES_B, { ifVersion: first.version });
          await writer.put('photos', RULES_C, { ifVersion: first.version }).catch(() => undefined); // refused: no event anywhere
          await writer.delete('photos', { ifVersion: second.version });
          await waitFor(() => invalidations.length === 3, 2_000, 'three invalidations');
          versions = [first.version, second.version];
        });
        expect(changes).toEqual([
          { bucket: 'photos', previousVersion: null, version: versions[0], source: 'cli', principal: 'alice' },
          { bucket: 'photos', previousVersion: versions[0], version: versions[1], source: 'router', principal: null },
          { bucket: 'photos', previousVersion: versions[1], version: null, source: 'router', principal: null },
        ]);
        await new Promise((resolve) => setTimeout(resolve, 50)); // anything late or duplicated would arrive now
        expect(invalidations).toEqual([
          { type: 'bucket', bucket: 'photos', version: versions[0] },
          { type: 'bucket', bucket: 'photos', version: versions[1] },
          { type: 'bucket', bucket: 'photos', version: null },
        ]);
      } finally {
        diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.invalidation, onInvalidation);
        cache.close();
        await Promise.all([writer.close(), reader.close()]);
      }
    });
  },
);
