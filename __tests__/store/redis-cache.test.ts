// RuleCache over RedisRuleStore on a real redis-server, for every client library: cross-instance invalidation, single GET, batched refreshes, outage, restart, missed messages.

import { isDeepStrictEqual } from 'node:util';
import Redis from 'ioredis';
import { RuleCache, type RuleLookup, RedisRuleStore } from 'express-bucket-cors';
import { EXTERNAL_REDIS_SKIP, startRedis, type RedisServerHandle } from '../support/redis';
import { STALE_RETRY_MS } from '../support/internals';
import { CLIENT_KINDS, closeAllClients, type ClientKind } from './clients';
import { RULES_A, RULES_B } from './contract';
import { collectUnhandledRejections, configurationOf, isolated, isPromise, nextBucketEvent, silentLogger, subscribed, waitFor } from './helpers';


/** Everything a test opened, closed after it whatever happens. */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await closeAllClients();
});

/** One application instance: its own client of `kind`, store and cache, sharing names with its peers. */
function instance(server: RedisServerHandle, names: { keyPrefix: string; channel: string }, kind: ClientKind, options: { lookupTimeoutMs?: number; ttlMs?: number; maxBytes?: number } = {}) {
  const client = kind.client(server); // its errors are ignored: outages are part of these tests
  const logger = silentLogger();
  const store = new RedisRuleStore({ client, ...names, logger });
  const ready = subscribed(store);
  const cache = new RuleCache(store, { logger, ...options });
  cleanups.push(() => store.close(), () => cache.close());
  return { client, store, cache, ready, logger };
}

const KINDS = CLIENT_KINDS.map((kind) => [kind.name, kind] as const);
/** Another library than `kind`'s, so instances of two libraries share rules in each test. */
const peerOf = (kind: ClientKind) => CLIENT_KINDS.find((other) => other.library !== kind.library)!;

describe.each(KINDS)('RuleCache over RedisRuleStore with %s', (_name, kind) => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("makes a put through one instance visible in another instance's cache (of the other library) as soon as the invalidation arrives", async () => {
    const names = isolated();
    const a = instance(server, names, kind);
    const b = instance(server, names, peerOf(kind));
    await Promise.all([a.ready, b.ready]);

    const heard = nextBucketEvent(b.store, 'photos'); // so B's first read can't race its own invalidation
    await a.store.put('photos', RULES_A);
    await heard;
    expect(configurationOf(await b.cache.lookup('photos'))).toEqual(RULES_A);
    expect(isPromise(b.cache.lookup('photos'))).toBe(false); // cached in B, TTL 60 s

    // The cache subscribed before this listener, so it has dropped its entry when the listener hears.
    const invalidated = nextBucketEvent(b.store, 'photos');
    await a.store.put('photos', RULES_B);
    await invalidated;
    const next = b.cache.lookup('photos');
    expect(isPromise(next)).toBe(true);
    expect(configurationOf(await next)).toEqual(RULES_B);

    await b.store.delete('photos');
    await waitFor(async () => (await a.cache.lookup('photos')).kind === 'no-configuration', 1_000, "A's cache showing the delete");
  });

  it('refreshes the entries found expired within 50 ms with one MGET, serving the old rules meanwhile, and catches a write it never heard of', async () => {
    const names = isolated();
    const a = instance(server, names, kind, { ttlMs: 600 });
    await a.ready;
    const buckets = ['a', 'b', 'c', 'd', 'e'];
    for (const bucket of buckets) await a.store.put(bucket, RULES_A);
    await Promise.all(buckets.map((bucket) => a.cache.lookup(bucket)));
    // A write A does not hear: the same keys, another channel (as a lost invalidation would leave it).
    const deaf = new RedisRuleStore({ client: kind.client(server), keyPrefix: names.keyPrefix, channel: `${names.channel}:elsewhere`, logger: silentLogger() });
    cleanups.push(() => deaf.close());
    await deaf.put('c', RULES_B);
    expect(configurationOf(a.cache.lookup('c') as RuleLookup)).toEqual(RULES_A);
    await new Promise((resolve) => setTimeout(resolve, 650)); // past the TTL
    const [mgetBefore, getBefore] = [await server.commandCount('mget'), await server.commandCount('get')];
    for (const bucket of buckets) {
      const answer = a.cache.lookup(bucket);
      expect(isPromise(answer)).toBe(false); // expired, still answered at once
      expect(configurationOf(answer as RuleLookup)).toEqual(RULES_A);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(async () => isDeepStrictEqual(configurationOf(a.cache.lookup('c') as RuleLookup), RULES_B), 2_000, 'the refresh of c');
    expect((await server.commandCount('mget')) - mgetBefore).toBe(1);
    expect((await server.commandCount('get')) - getBefore).toBe(0);
    expect(configurationOf(a.cache.lookup('d') as RuleLookup)).toEqual(RULES_A);
  });

  it('sends exactly one read (an MGET of the rules and the report-only candidate) to the server for 200 concurrent lookups of an uncached bucket', async () => {
    const names = isolated();
    const a = instance(server, names, kind);
    await a.ready;
    await a.store.put('popular', RULES_A); // also evicts nothing: the cache has never seen 'popular'
    const reads = async () => (await server.commandCount('get')) + (await server.commandCount('mget'));
    const before = await reads();
    const results = await Promise.all(Array.from({ length: 200 }, () => a.cache.lookup('popular')));
    expect((await reads()) - before).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(configurationOf(results[0]!)).toEqual(RULES_A);
  });

  it('picks up a change whose invalidation it missed, when its subscriber reconnects (CLIENT KILL TYPE pubsub)', async () => {
    const names = isolated();
    const b = instance(server, names, kind);
    await b.ready;
    // Same keys, but it announces on a channel B doesn't listen to: B misses its invalidations.
    const writer = instance(server, { keyPrefix: names.keyPrefix, channel: `${names.channel}:nobody-listens` }, kind);
    await writer.store.put('photos', RULES_A);
    expect(configurationOf(await b.cache.lookup('photos'))).toEqual(RULES_A);

    await writer.store.put('photos', RULES_B); // B never hears of this one
    expect(configurationOf(b.cache.lookup('photos') as RuleLookup)).toEqual(RULES_A);

    // Both wait for their resubscription: ioredis can't disconnect a connection mid-reconnect promptly.
    const resubscribed = Promise.all([subscribed(b.store), subscribed(writer.store)]);
    const admin = new Redis(server.port, server.host);
    cleanups.push(() => admin.disconnect());
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await resubscribed;
    expect(configurationOf(await b.cache.lookup('photos'))).toEqual(RULES_B);
  });
});

/** GETs and MGETs the server executed so far: every read of the store is one of them. */
const readCommands = async (server: RedisServerHandle) => (await server.commandCount('get')) + (await server.commandCount('mget'));

/** 120,000 origins in one rule: valid for S3's profile, but 3.5 MB of JSON, far more than any dialect can store. */
function oversizedValue(): string {
  const AllowedOrigins = Array.from({ length: 120_000 }, (_, i) => `https://tenant-${i}.example.com`);
  return JSON.stringify({ v: 'written-straight-into-redis', rules: { CORSRules: [{ AllowedOrigins, AllowedMethods: ['GET'] }] } });
}

describe.each(KINDS)('RuleCache over RedisRuleStore with %s: entries that would cost too much to use', (_name, kind) => {
  let server: RedisServerHandle;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.port, server.host);
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  it('refuses an entry larger than any dialect can store, unparsed: one read for 200 requests, one log line, an unrelated cached bucket answered at once', async () => {
    const names = isolated();
    const a = instance(server, names, kind);
    await a.ready;
    await a.store.put('photos', RULES_A);
    const photos = await a.cache.lookup('photos');
    const value = oversizedValue();
    expect(value.length).toBeGreaterThan(3_000_000);
    await admin.set(`${names.keyPrefix}huge`, value);

    const before = await readCommands(server);
    const concurrent = Array.from({ length: 100 }, () => a.cache.lookup('huge'));
    expect(a.cache.lookup('photos')).toBe(photos); // while the big read is on its way
    for (const answer of await Promise.all(concurrent)) expect(answer).toMatchObject({ kind: 'unavailable', error: { name: 'UnusableEntryError', code: 'ENTRY_TOO_LARGE' } });
    for (let i = 0; i < 100; i++) {
      const answer = a.cache.lookup('huge');
      expect(isPromise(answer)).toBe(false); // the refusal is cached: no read, no parse
      expect(answer).toMatchObject({ kind: 'unavailable' });
    }
    expect(a.cache.lookup('photos')).toBe(photos);
    expect((await readCommands(server)) - before).toBe(1);
    const lines = a.logger.error.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('"huge"'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`holds ${value.length} characters`);
    expect(lines[0]).toContain('answering as unavailable');
  });

  it('keeps a configuration too large for cache.maxBytes as a cached refusal instead of compiling it on every request', async () => {
    const names = isolated();
    const a = instance(server, names, kind, { maxBytes: 10_000 });
    await a.ready;
    const AllowedOrigins = Array.from({ length: 100 }, (_, i) => `https://tenant-${i}.example.com`);
    await a.store.put('wide', { CORSRules: [{ AllowedOrigins, AllowedMethods: ['GET'] }] });
    await a.store.put('photos', RULES_A);
    const photos = await a.cache.lookup('photos');

    const before = await readCommands(server);
    const answers = await Promise.all(Array.from({ length: 100 }, () => a.cache.lookup('wide')));
    for (let i = 0; i < 100; i++) answers.push(a.cache.lookup('wide') as RuleLookup);
    for (const answer of answers) expect(answer).toMatchObject({ kind: 'unavailable', error: { code: 'ENTRY_OVER_BUDGET' } });
    expect((await readCommands(server)) - before).toBe(1);
    expect(a.cache.lookup('photos')).toBe(photos);
    const lines = a.logger.error.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('"wide"'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('cache.maxBytes');
  });
});

describe.each(KINDS)('RuleCache over RedisRuleStore with %s when Redis goes down and comes back', (_name, kind) => {
  it('serves cached rules, answers unavailable within the timeout for unknown buckets, then recovers without being recreated', async () => {
    const server = await startRedis();
    cleanups.push(() => server.stop());
    if (server.external) {
      console.warn(`outage test ${EXTERNAL_REDIS_SKIP}`);
      return;
    }
    const unhandled = await collectUnhandledRejections(async () => {
      const names = isolated();
      const a = instance(server, names, peerOf(kind), { lookupTimeoutMs: 200 });
      const b = instance(server, names, kind, { lookupTimeoutMs: 200 });
      await Promise.all([a.ready, b.ready]);
      const heard = nextBucketEvent(b.store, 'photos');
      await a.store.put('photos', RULES_A);
      await heard;
      const known = await b.cache.lookup('photos');
      expect(configurationOf(known)).toEqual(RULES_A);

      const flushedAfterRestart = Promise.all([subscribed(b.store), subscribed(a.store)]);
      await server.stop();

      // Cached: last-known rules, synchronously. Unknown: unavailable, bounded by the lookup timeout.
      expect(b.cache.lookup('photos')).toBe(known);
      const started = Date.now();
      const unknown = await b.cache.lookup('never-seen');
      expect(Date.now() - started).toBeLessThan(2_000);
      // A timeout, or the client's own connection error (node-redis fails commands issued as its socket drops).
      expect(unknown.kind).toBe('unavailable');
      expect(b.logger.error).toHaveBeenCalledWith(expect.stringContaining('answering as unavailable'), expect.anything());
      expect(b.cache.lookup('photos')).toBe(known);

      await server.restart(); // same port, empty: the old rules are gone from Redis
      await flushedAfterRestart; // the subscribers reconnected by themselves and flushed the caches
      expect(isPromise(b.cache.lookup('photos'))).toBe(true);
      // B's command connection reconnects on its own schedule; until then lookups time out.
      // Each failed read keeps the last-known rules for STALE_RETRY_MS before the next one, and a read
      // may also fail once the client is back when the 200 ms lookup timeout meets a loaded machine.
      await waitFor(async () => (await b.cache.lookup('photos')).kind === 'no-configuration', 4 * STALE_RETRY_MS, 'B reading the empty restarted server');
      expect(await b.cache.lookup('never-seen')).toEqual({ kind: 'no-configuration' });

      await a.store.put('photos', RULES_B);
      await waitFor(async () => isDeepStrictEqual(configurationOf(await b.cache.lookup('photos')), RULES_B), 5_000, 'B seeing the put after the restart');
      expect(configurationOf(await b.cache.lookup('photos'))).toEqual(RULES_B);
    });
    expect(unhandled).toEqual([]);
  }, 60_000);
});
