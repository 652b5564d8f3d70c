// RedisRuleStore on a real redis-server: the store contract (ioredis 6, 5; node-redis 6, 5, 4), key layout, pub/sub invalidation across libraries, client ownership;
// the lifecycle: the history list and its format, the script after SCRIPT FLUSH, values not ours, change and invalidation events across instances of every library.

import diagnosticsChannel from 'node:diagnostics_channel';
import Redis, { type RedisOptions } from 'ioredis';
import Redis5 from 'ioredis5';
import {
  DEFAULT_CHANNEL,
  DEFAULT_KEY_PREFIX,
  DIAGNOSTICS_CHANNELS,
  HISTORY_KEY_SUFFIX,
  RedisRuleStore,
  rollbackConfiguration,
  RuleCache,
  type InvalidationEvent,
  type InvalidationReceivedEvent,
} from 'express-bucket-cors';
import { MAX_STORED_RULES_CHARACTERS } from 'express-bucket-cors/core';
import { startRedis, type RedisServerHandle } from '../support/redis';
import { CLIENT_KINDS, closeAllClients } from './clients';
import { describeStoreContract, RULES_A, RULES_B } from './contract';
import { changeEventsDuring, describeLifecycleContract, RULES_C } from './lifecycle-contract';
import { describeReportOnlyContract } from './report-only-contract';
import { collectUnhandledRejections, connectionTracker, isolated, nextBucketEvent, silentLogger, subscribed, waitFor } from './helpers';

let server: RedisServerHandle;
const { track, disconnectAll } = connectionTracker();

/** A client the test owns; disconnected after all tests. */
const client6 = (options: RedisOptions = {}): Redis => track(new Redis(server.port, server.host, { maxRetriesPerRequest: 2, ...options }));
const client5 = (): Redis5 => track(new Redis5(server.port, server.host, { maxRetriesPerRequest: 2 }));

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  disconnectAll();
  await closeAllClients();
  await server.stop();
});

for (const kind of CLIENT_KINDS) {
  describeStoreContract(`RedisRuleStore (${kind.name})`, () => new RedisRuleStore({ client: kind.client(server), ...isolated() }));
  const pair = (historyLength?: number) => {
    const names = isolated();
    return {
      store: new RedisRuleStore({ client: kind.client(server), historyLength, ...names }),
      peer: new RedisRuleStore({ client: kind.client(server), historyLength, ...names }),
    };
  };
  describeLifecycleContract(`RedisRuleStore (${kind.name})`, pair);
  describeReportOnlyContract(`RedisRuleStore (${kind.name})`, pair);
}

describe.each(CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('RedisRuleStore with %s', (_name, kind) => {
  it('shares rules and invalidations with an instance on every other client library and major (same keys, channel, messages)', async () => {
    const names = isolated();
    const store = new RedisRuleStore({ client: kind.client(server), ...names });
    const peers = CLIENT_KINDS.filter((other) => other !== kind).map((other) => new RedisRuleStore({ client: other.client(server), ...names }));
    await Promise.all([store, ...peers].map((each) => subscribed(each)));

    const heardByPeers = Promise.all(peers.map((peer) => nextBucketEvent(peer, 'shared')));
    const stored = await store.put('shared', RULES_A);
    await expect(heardByPeers).resolves.toEqual(peers.map(() => ({ type: 'bucket', bucket: 'shared', version: stored.version })));
    for (const peer of peers) await expect(peer.get('shared')).resolves.toEqual({ configuration: RULES_A, version: stored.version });

    for (const peer of peers) {
      const heard = nextBucketEvent(store, `from-${peers.indexOf(peer)}`);
      const { version } = await peer.put(`from-${peers.indexOf(peer)}`, RULES_B);
      await expect(heard).resolves.toEqual({ type: 'bucket', bucket: `from-${peers.indexOf(peer)}`, version });
    }
    const deleted = nextBucketEvent(store, 'shared');
    await peers[0]!.delete('shared');
    await deleted;
    await expect(store.get('shared')).resolves.toBeNull();
    await Promise.all([store, ...peers].map((each) => each.close()));
  });

  it('answers the reads of one event-loop turn with one command, and each key its own value', async () => {
    const { keyPrefix } = isolated();
    const store = new RedisRuleStore({ client: kind.client(server), keyPrefix });
    await store.put('batch-a', RULES_A);
    await store.put('batch-b', RULES_B);
    const before = (await server.commandCount('mget')) + (await server.commandCount('get'));
    const answers = await Promise.all(['batch-a', 'batch-b', 'batch-none', 'batch-a'].map((bucket) => store.get(bucket)));
    expect((await server.commandCount('mget')) + (await server.commandCount('get')) - before).toBe(1);
    expect(answers.map((answer) => answer?.configuration ?? null)).toEqual([RULES_A, RULES_B, null, RULES_A]);
  });

  it('leaves a subscriber it was given open, only unsubscribing its channels', async () => {
    const names = isolated();
    const store = new RedisRuleStore({ client: kind.client(server), subscriber: kind.subscriber(server), ...names });
    await subscribed(store);
    expect(await client6().publish(names.channel, 'hello')).toBe(1);
    await store.close();
    expect(await client6().publish(names.channel, 'hello')).toBe(0);
    const stillOpen = new RedisRuleStore({ client: kind.client(server), ...isolated() });
    await expect(stillOpen.get('anything')).resolves.toBeNull();
  });
});

describe('RedisRuleStore', () => {
  it('is shared', () => {
    expect(new RedisRuleStore({ client: client6() }).shared).toBe(true);
  });

  it("keeps one key per bucket, keyPrefix + bucket, holding {v, rules}; ioredis' own keyPrefix goes in front", async () => {
    const raw = client6();
    const store = new RedisRuleStore({ client: client6() });
    const stored = await store.put('layout-bucket', RULES_A);
    expect(JSON.parse((await raw.get(`${DEFAULT_KEY_PREFIX}layout-bucket`))!)).toEqual({ v: stored.version, rules: RULES_A });

    const prefixed = new RedisRuleStore({ client: client6({ keyPrefix: 'app:' }), keyPrefix: 'cors/' });
    await prefixed.put('layout-bucket', RULES_B);
    expect(JSON.parse((await raw.get('app:cors/layout-bucket'))!).rules).toEqual(RULES_B);
    await prefixed.delete('layout-bucket');
    expect(await raw.exists('app:cors/layout-bucket')).toBe(0);
    await store.delete('layout-bucket');
  });

  it("delivers invalidations between clients that have an ioredis keyPrefix (channels are not prefixed)", async () => {
    const names = isolated();
    const a = new RedisRuleStore({ client: client6({ keyPrefix: 'app:' }), ...names });
    const b = new RedisRuleStore({ client: client6({ keyPrefix: 'app:' }), ...names });
    await subscribed(b);
    const heard = nextBucketEvent(b, 'photos');
    const { version } = await a.put('photos', RULES_A);
    await expect(heard).resolves.toEqual({ type: 'bucket', bucket: 'photos', version });
    expect((await b.get('photos'))?.configuration).toEqual(RULES_A);
    await Promise.all([a.close(), b.close()]);
  });

  it('rejects a value that is not a stored configuration, naming the key', async () => {
    const { keyPrefix } = isolated();
    await client6().set(`${keyPrefix}broken`, '{"not":"ours"}');
    const store = new RedisRuleStore({ client: client6(), keyPrefix });
    await expect(store.get('broken')).rejects.toThrow(`key "${keyPrefix}broken" does not hold a stored CORS configuration`);
  });

  it('hands out one object for equal rules read for different buckets, and parses them once', async () => {
    const store = new RedisRuleStore({ client: client6(), ...isolated() });
    await store.put('one', RULES_A);
    await store.put('two', RULES_A);
    await store.put('other', RULES_B);
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const one = await store.get('one');
      const two = await store.get('two');
      const other = await store.get('other');
      expect(two?.configuration).toBe(one?.configuration);
      expect(one?.configuration).toEqual(RULES_A);
      expect(other?.configuration).toEqual(RULES_B);
      expect(other?.configuration).not.toBe(one?.configuration);
      expect(one?.version).not.toBe(two?.version);
      const rulesText = JSON.stringify(RULES_A);
      expect(parse.mock.calls.filter(([text]) => text === rulesText)).toHaveLength(1);
    } finally {
      parse.mockRestore();
    }
    await store.close();
  });

  it('reads values spelled otherwise than put writes them (fields reordered, spaces, escapes) by parsing them whole', async () => {
    const { keyPrefix } = isolated();
    const client = client6();
    await client.set(`${keyPrefix}reordered`, JSON.stringify({ rules: RULES_A, v: 'foreign-1' }));
    await client.set(`${keyPrefix}spaced`, JSON.stringify({ v: 'foreign-2', rules: RULES_A }, null, 1));
    await client.set(`${keyPrefix}escaped`, `{"v":"foreign\\u002d3","rules":${JSON.stringify(RULES_A)}}`);
    await client.set(`${keyPrefix}extra`, `{"v":"foreign-4","rules":${JSON.stringify(RULES_A)},"note":"hand-written"}`);
    await client.set(`${keyPrefix}truncated`, `{"v":"foreign-5","rules":${JSON.stringify(RULES_A).slice(0, -2)}}`);
    const store = new RedisRuleStore({ client, keyPrefix });
    expect(await store.get('reordered')).toEqual({ configuration: RULES_A, version: 'foreign-1' });
    expect(await store.get('spaced')).toEqual({ configuration: RULES_A, version: 'foreign-2' });
    expect(await store.get('escaped')).toEqual({ configuration: RULES_A, version: 'foreign-3' });
    expect(await store.get('extra')).toEqual({ configuration: RULES_A, version: 'foreign-4' });
    await expect(store.get('truncated')).rejects.toMatchObject({ name: 'UnusableEntryError', code: 'ENTRY_MALFORMED' });
    await store.close();
  });

  it('refuses a value longer than any dialect can store without parsing it, naming the key and its length', async () => {
    const { keyPrefix } = isolated();
    const rules = [{ AllowedOrigins: ['x'.repeat(MAX_STORED_RULES_CHARACTERS + 100)], AllowedMethods: ['GET'] }];
    const value = JSON.stringify({ v: 'foreign', rules: { CORSRules: rules } });
    await client6().set(`${keyPrefix}huge`, value);
    const store = new RedisRuleStore({ client: client6(), keyPrefix });
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const refused = store.get('huge');
      await expect(refused).rejects.toMatchObject({ name: 'UnusableEntryError', code: 'ENTRY_TOO_LARGE' });
      await expect(refused).rejects.toThrow(`key "${keyPrefix}huge" holds ${value.length} characters`);
      expect(parse.mock.calls.some(([text]) => text === value)).toBe(false);
    } finally {
      parse.mockRestore();
    }
  });

  it('refuses to put a configuration it would refuse to read, keeping the previous one', async () => {
    const store = new RedisRuleStore({ client: client6(), ...isolated() });
    const before = await store.put('photos', RULES_A);
    const tooLarge = { CORSRules: [{ AllowedOrigins: ['x'.repeat(MAX_STORED_RULES_CHARACTERS + 1)], AllowedMethods: ['GET' as const] }] };
    await expect(store.put('photos', tooLarge)).rejects.toMatchObject({ code: 'ENTRY_TOO_LARGE' });
    await expect(store.get('photos')).resolves.toEqual(before);
    // The largest a dialect can store still goes in and comes back.
    const largest = { CORSRules: [{ AllowedOrigins: ['x'.repeat(MAX_STORED_RULES_CHARACTERS - 100)], AllowedMethods: ['GET' as const] }] };
    const put = await store.put('photos', largest);
    await expect(store.get('photos')).resolves.toEqual(put);
    await store.close();
  });

  it('tells other instances about a put or delete once, and ignores its own echo', async () => {
    const names = isolated();
    const a = new RedisRuleStore({ client: client6(), ...names });
    const b = new RedisRuleStore({ client: client5(), ...names }); // ioredis 5 and 6 interoperate
    const seenByA: InvalidationEvent[] = [];
    a.subscribe((event) => seenByA.push(event));
    await Promise.all([subscribed(a), subscribed(b)]);

    const reachedB = nextBucketEvent(b, 'x');
    const { version } = await a.put('x', RULES_A);
    await expect(reachedB).resolves.toEqual({ type: 'bucket', bucket: 'x', version });
    // A hears B's later message only after its own echo of 'x' (one connection, publish order).
    const reachedA = nextBucketEvent(a, 'y');
    await b.delete('y');
    await reachedA;
    expect(seenByA).toEqual([
      { type: 'all' },
      { type: 'bucket', bucket: 'x', version },
      { type: 'bucket', bucket: 'y', version: null },
    ]);
    await Promise.all([a.close(), b.close()]);
  });

  it('does no I/O in the constructor and works with a lazyConnect client', async () => {
    const lazy = client6({ lazyConnect: true });
    const store = new RedisRuleStore({ client: lazy, ...isolated() });
    expect(lazy.status).toBe('wait');
    await store.put('lazy', RULES_A);
    expect((await store.get('lazy'))?.configuration).toEqual(RULES_A);
  });

  it('rejects a read promptly when its signal aborts, without unhandled rejections, while Redis is unreachable', async () => {
    const unhandled = await collectUnhandledRejections(async () => {
      // maxRetriesPerRequest null: the GET waits in ioredis' offline queue for ever, unless the signal ends the wait.
      const unreachable = track(new Redis(1, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: null, disconnectTimeout: 50 }));
      const store = new RedisRuleStore({ client: unreachable, logger: silentLogger() });
      store.subscribe(() => undefined);
      const started = Date.now();
      const refused: unknown = await store.get('photos', { signal: AbortSignal.timeout(100) }).catch((error: unknown) => error);
      // The cause, once the store's own subscriber has failed to connect; until then only the timeout.
      expect(refused).toMatchObject({ name: 'RedisUnavailableError', address: '127.0.0.1:1', code: expect.stringMatching(/^(ECONNREFUSED|TimeoutError)$/) });
      expect(Date.now() - started).toBeLessThan(2000);
      await store.close();
      unreachable.disconnect(); // rejects the queued GET: nobody waits for it any more, and that must not surface
    });
    expect(unhandled).toEqual([]);
  });

  it('closes only the subscriber it created, never the client', async () => {
    const client = client6();
    const subscriberConnections = async () => String(await client.client('LIST')).split('\n').filter((line) => /\bsub=[1-9]/.test(line)).length;
    const store = new RedisRuleStore({ client, ...isolated() });
    await subscribed(store);
    const before = await subscriberConnections();
    await store.close();
    await waitFor(async () => (await subscriberConnections()) === before - 1, 2000, 'subscriber connection closed');
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
  });

  it('uses documented defaults and rejects unusable options with a TypeError saying what to pass', () => {
    expect(DEFAULT_KEY_PREFIX).toBe('bucket-cors:');
    expect(DEFAULT_CHANNEL).toBe('bucket-cors:invalidate');
    // @ts-expect-error: client is required
    expect(() => new RedisRuleStore({})).toThrow(
      'RedisRuleStore: `client` must be an ioredis Redis or Cluster (ioredis 5 or 6) or a node-redis client or cluster (redis 4, 5 or 6), e.g. new Redis() or createClient(), not undefined.',
    );
    // @ts-expect-error: a misspelt option
    expect(() => new RedisRuleStore({ client: client6(), healthCheckInterval: 500 })).toThrow('unknown option `healthCheckInterval` (did you mean `healthCheckIntervalMs`?)');
    expect(() => new RedisRuleStore({ client: client6(), channel: '' })).toThrow("`channel` must be a non-empty string (default 'bucket-cors:invalidate')");
    expect(() => new RedisRuleStore({ client: client6(), healthCheckIntervalMs: 0 })).toThrow('`healthCheckIntervalMs` must be a positive number of milliseconds or Infinity (default 2000)');
    expect(() => new RedisRuleStore({ client: client6(), healthCheckTimeoutMs: Infinity })).toThrow('`healthCheckTimeoutMs` must be a positive number of milliseconds (default 1000)');
    const nodeRedis = CLIENT_KINDS.find((kind) => kind.library === 'node-redis')!;
    expect(() => new RedisRuleStore({ client: client6(), subscriber: nodeRedis.subscriber(server) })).toThrow('`subscriber` must be a connection of the same library as `client`');
    // @ts-expect-error: keyPrefix is a string
    expect(() => new RedisRuleStore({ client: client6(), keyPrefix: 5 })).toThrow('`keyPrefix` must be a string');
  });
});

describe('RedisRuleStore lifecycle', () => {
  it("keeps a bucket's history in a list beside its key, in the slot of the key, trimmed by the same script", async () => {
    const { keyPrefix, channel } = isolated();
    const store = new RedisRuleStore({ client: client6(), keyPrefix, channel, historyLength: 2 });
    const first = await store.put('photos', RULES_A, { principal: 'alice' });
    const second = await store.put('photos', RULES_B);
    await store.put('photos', RULES_C);
    const key = `${keyPrefix}photos`;
    const historyKey = `${key}${HISTORY_KEY_SUFFIX}{${key}}`;
    const client = client6();
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
    const store = new RedisRuleStore({ client: client6(), ...isolated() });
    const first = await store.put('photos', RULES_A);
    await client6().script('FLUSH');
    const before = await server.commandCount('eval');
    const second = await store.put('photos', RULES_B, { ifVersion: first.version });
    expect((await server.commandCount('eval')) - before).toBe(1);
    await expect(store.put('photos', RULES_C, { ifVersion: first.version })).rejects.toMatchObject({ name: 'PreconditionFailedError', actual: second.version });
  });

  it('overwrites a value that is not a stored configuration only unconditionally, keeping none of it in the history', async () => {
    const { keyPrefix, channel } = isolated();
    await client6().set(`${keyPrefix}broken`, '{"not":"ours"}');
    const store = new RedisRuleStore({ client: client6(), keyPrefix, channel });
    await expect(store.put('broken', RULES_A, { ifVersion: null })).rejects.toMatchObject({ name: 'PreconditionFailedError', actual: null });
    const stored = await store.put('broken', RULES_A);
    await expect(store.get('broken')).resolves.toEqual(stored);
    expect(await store.history('broken')).toMatchObject([{ version: stored.version, previousVersion: null, previous: null }]);
  });

  it('does not offer a value written by hand, without rules, as a version to roll back to', async () => {
    const { keyPrefix, channel } = isolated();
    await client6().set(`${keyPrefix}odd`, '{"v":"by-hand","rules":{"not":"rules"}}');
    const store = new RedisRuleStore({ client: client6(), keyPrefix, channel });
    await store.put('odd', RULES_A);
    expect(await store.history('odd')).toMatchObject([{ previousVersion: 'by-hand', previous: null }]);
    await expect(rollbackConfiguration(store, 'odd', 'by-hand')).rejects.toMatchObject({ name: 'VersionNotFoundError' });
  });

  it('hears invalidations of instances that do not send versions yet', async () => {
    const names = isolated();
    const store = new RedisRuleStore({ client: client6(), ...names });
    await subscribed(store);
    const heard = nextBucketEvent(store, 'photos');
    await client6().publish(names.channel, JSON.stringify({ bucket: 'photos', from: 'an-older-instance' }));
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
});
