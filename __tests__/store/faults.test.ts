// Faults between the library and a real redis-server, injected by a TCP proxy: latency, black hole, reset mid-reply, dead subscriber — bounded answers, recovery, no leaks.

import { isDeepStrictEqual } from 'node:util';
import request from 'supertest';
import { bucketCors, RuleCache, RedisRuleStore, type RedisRuleStoreOptions } from 'express-bucket-cors';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startRedis, type RedisServerHandle } from '../support/redis';
import { express5, objectApp } from '../http/object-app';
import { clientKind, closeAllClients } from './clients';
import { RULES_A, RULES_B } from './contract';
import { collectUnhandledRejections, configurationOf, isolated, nextBucketEvent, nextEvent, silentLogger, waitFor } from './helpers';

/** The lookup timeout of every instance here; answers must come well within {@link BOUND_MS}. */
const LOOKUP_TIMEOUT_MS = 300;
/** "Does not hang": a generous bound on answers while a fault is on. */
const BOUND_MS = 2_000;
/** How long recovery may take once a fault is removed (clients reconnect on their own schedule). */
const RECOVERY_MS = 10_000;
/** A preflight RULES_A allows. */
const PREFLIGHT = { Origin: 'https://a.example', 'Access-Control-Request-Method': 'PUT' };

let server: RedisServerHandle;
let proxy: FaultProxy;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  proxy = await startFaultProxy(server);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await closeAllClients();
  await proxy.close();
});

/** Timers and TCP sockets alive in this process, by kind. */
function activeResources(): { timers: number; sockets: number } {
  const info = process.getActiveResourcesInfo();
  return { timers: info.filter((kind) => kind === 'Timeout').length, sockets: info.filter((kind) => kind === 'TCPSocketWrap').length };
}

// The newest major of each library; every major runs the contract, outage and cluster suites.
describe.each([['ioredis 6'], ['node-redis 6']])('%s through a fault proxy', (name) => {
  const kind = clientKind(name);
  const names = () => isolated();

  /** An instance whose client goes through the proxy; `writer` talks to Redis directly. */
  function setup(storeOptions: Partial<RedisRuleStoreOptions> = {}) {
    const shared = names();
    const writer = new RedisRuleStore({ client: kind.client(server), ...shared, healthCheckIntervalMs: Infinity });
    const logger = silentLogger();
    const store = new RedisRuleStore({ client: kind.client(proxy), ...shared, logger, ...storeOptions });
    const ready = nextEvent(store, (event) => event.type === 'all');
    const cache = new RuleCache(store, { logger, lookupTimeoutMs: LOOKUP_TIMEOUT_MS });
    cleanups.push(() => writer.close(), () => store.close(), () => cache.close());
    return { writer, store, cache, logger, ready };
  }

  it('with added latency: answers within the timeout below it, answers within a bounded time above it (cached rules kept), recovers when removed', async () => {
    const { writer, store, cache, ready } = setup();
    await ready;
    // Each read only after the instance heard of the put, so the invalidation can't drop what it cached.
    const heard = Promise.all([nextBucketEvent(store, 'known'), nextBucketEvent(store, 'other')]);
    await writer.put('known', RULES_A);
    await writer.put('other', RULES_B);
    await heard;
    expect(configurationOf(await cache.lookup('known'))).toEqual(RULES_A);

    proxy.addLatency(100);
    expect(configurationOf(await cache.lookup('other'))).toEqual(RULES_B);

    proxy.addLatency(3_000);
    const started = Date.now();
    expect(await cache.lookup('never-configured')).toMatchObject({ kind: 'unavailable', error: { name: 'RedisUnavailableError', code: 'TimeoutError' } });
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(configurationOf(cache.lookup('known') as Awaited<ReturnType<RuleCache['lookup']>>)).toEqual(RULES_A);

    proxy.passThrough();
    await waitFor(async () => (await cache.lookup('never-configured')).kind === 'no-configuration', RECOVERY_MS, 'lookups answering after the latency was removed');
  });

  it('with a black hole: lookups and bucketCors preflights answer within a bounded time (503), and recover when it ends', async () => {
    const { writer, store, logger, ready } = setup();
    await ready;
    await writer.put('photos', RULES_A);
    const middleware = bucketCors({ store, logger, cache: { lookupTimeoutMs: LOOKUP_TIMEOUT_MS } });
    cleanups.push(() => middleware.close());
    const app = objectApp({ express: express5, middleware: [middleware] });

    proxy.blackHole();
    const unhandled = await collectUnhandledRejections(async () => {
      const started = Date.now();
      const stalled = await request(app).options('/photos/k').set(PREFLIGHT);
      expect(Date.now() - started).toBeLessThan(BOUND_MS);
      expect(stalled.status).toBe(503);
      expect(stalled.headers['retry-after']).toBeDefined();

      proxy.passThrough();
      await waitFor(async () => (await request(app).options('/photos/k').set(PREFLIGHT)).status === 200, RECOVERY_MS, 'preflights allowed again');
      const healed = await request(app).options('/photos/k').set(PREFLIGHT);
      expect(healed.headers['access-control-allow-origin']).toBe('https://a.example');
    });
    expect(unhandled).toEqual([]);
  });

  it('with a connection reset mid-reply: answers within a bounded time, without unhandled rejections, and reads again after reconnecting', async () => {
    const { writer, cache, ready } = setup({ healthCheckIntervalMs: Infinity });
    await ready;
    await writer.put('photos', RULES_A);
    const unhandled = await collectUnhandledRejections(async () => {
      proxy.resetMidReply();
      const started = Date.now();
      const first = await cache.lookup('photos');
      expect(Date.now() - started).toBeLessThan(BOUND_MS);
      expect(proxy.resets).toBe(1);
      // The client may resend the read on its new connection (ioredis does) or fail it.
      expect(['configured', 'unavailable']).toContain(first.kind);
      await waitFor(async () => (await cache.lookup('photos')).kind === 'configured', RECOVERY_MS, 'the bucket read after the reset');
    });
    expect(unhandled).toEqual([]);
  });

  it('with a black-holed subscriber: flushes the cache within interval + timeout, logs it, and hears invalidations again on a new connection', async () => {
    const { writer, store, cache, logger, ready } = setup({ healthCheckIntervalMs: 200, healthCheckTimeoutMs: 200 });
    await ready;
    const heard = nextBucketEvent(store, 'photos');
    await writer.put('photos', RULES_A);
    await heard;
    expect(configurationOf(await cache.lookup('photos'))).toEqual(RULES_A);
    let flushes = 0;
    store.subscribe((event) => event.type === 'all' && flushes++);

    proxy.blackHoleSubscribers();
    await writer.put('photos', RULES_B); // never reaches this instance's dead subscriber
    const stale = await waitFor(async () => isDeepStrictEqual(configurationOf(await cache.lookup('photos')), RULES_B), BOUND_MS, 'the new rules after the flush');
    expect(stale).toBeLessThan(BOUND_MS);
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('stopped delivering'), expect.objectContaining({ name: 'SubscriptionLost' }));

    // One flush when the loss was noticed, one when the replacement subscribed.
    await waitFor(() => flushes >= 2, BOUND_MS, 'the replacement subscriber subscribed');
    const again = nextBucketEvent(store, 'photos');
    await writer.put('photos', RULES_A);
    await again; // through the replacement subscriber (the dead one stays dead)
    expect(configurationOf(await cache.lookup('photos'))).toEqual(RULES_A);
  });

  it('with the default health check, bounds staleness after a black-holed subscriber by 3 s (interval 2 s + timeout 1 s)', async () => {
    const { writer, store, cache, ready } = setup();
    await ready;
    const heard = nextBucketEvent(store, 'photos');
    await writer.put('photos', RULES_A);
    await heard;
    expect(configurationOf(await cache.lookup('photos'))).toEqual(RULES_A);
    proxy.blackHoleSubscribers();
    await writer.put('photos', RULES_B);
    const stale = await waitFor(async () => isDeepStrictEqual(configurationOf(await cache.lookup('photos')), RULES_B), 5_000, 'the new rules after the flush');
    expect(stale).toBeLessThanOrEqual(3_000 + 500);
  });

  it('leaves no proxied connection, socket or timer behind once cache, store and client are closed, after faults', async () => {
    const before = activeResources();
    const client = kind.client(proxy);
    const store = new RedisRuleStore({ client, ...names(), logger: silentLogger(), healthCheckIntervalMs: 100, healthCheckTimeoutMs: 100 });
    const cache = new RuleCache(store, { logger: silentLogger(), lookupTimeoutMs: LOOKUP_TIMEOUT_MS });
    await nextEvent(store, (event) => event.type === 'all');
    await cache.lookup('anything');
    proxy.blackHoleSubscribers();
    await nextEvent(store, (event) => event.type === 'all'); // lost, flushed, replaced
    proxy.addLatency(1_000);
    expect((await cache.lookup('slow')).kind).toBe('unavailable');
    proxy.passThrough();

    cache.close();
    await store.close();
    await closeAllClients();
    await waitFor(() => proxy.openConnections === 0, BOUND_MS, 'every proxied connection closed');
    // At most as many as before: earlier tests' connections may still have been closing then.
    const settled = () => {
      const now = activeResources();
      return now.timers <= before.timers && now.sockets <= before.sockets;
    };
    await waitFor(settled, BOUND_MS, `timers and sockets back to at most ${JSON.stringify(before)}`).catch((error: Error) => {
      throw new Error(`${error.message}; now ${JSON.stringify(activeResources())}`);
    });
  });
});
