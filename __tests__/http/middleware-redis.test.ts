// bucketCors on a real redis-server: rules put through one instance reach another; a stopped server degrades, never hangs.

import Redis from 'ioredis';
import request from 'supertest';
import { bucketCors, type BucketCorsMiddleware, RedisRuleStore } from 'express-bucket-cors';
import { EXTERNAL_REDIS_SKIP, startRedis, type RedisServerHandle } from '../support/redis';
import { CONFIGS } from '../core/fixtures';
import { corsHeadersOf, express4, express5, OBJECT_BODY, objectApp } from './object-app';

const O = 'https://localhost:4200';
const PREFLIGHT = { Origin: O, 'Access-Control-Request-Method': 'GET' };
/** Upper bound proving "does not hang" (lookup timeout is 300 ms). */
const NO_HANG_MS = 2000;

describe('bucketCors with RedisRuleStore on a real redis-server', () => {
  let redis: RedisServerHandle;
  const clients: Redis[] = [];
  const stores: RedisRuleStore[] = [];
  const middlewares: BucketCorsMiddleware[] = [];
  const logger = { warn: jest.fn(), error: jest.fn() };

  /** One app instance (as another process would be): its own client, store, middleware and cache. */
  function instance(express: typeof express5) {
    const client = new Redis(redis.port, redis.host, { maxRetriesPerRequest: 1, retryStrategy: () => 100, disconnectTimeout: 50 });
    clients.push(client);
    const store = new RedisRuleStore({ client, logger });
    stores.push(store);
    const middleware = bucketCors({ store, logger, cache: { lookupTimeoutMs: 300 } });
    middlewares.push(middleware);
    return { store, app: objectApp({ express, middleware: [middleware] }) };
  }

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    middlewares.forEach((middleware) => middleware.close());
    await Promise.all(stores.map((store) => store.close?.()));
    clients.forEach((client) => client.disconnect());
    await redis.stop();
  });

  test('a configuration put through one instance applies on the other (Express 5 and 4)', async () => {
    const a = instance(express5);
    const b = instance(express4);
    await a.store.put('shared', CONFIGS.C1);
    // b reads from Redis on its first lookup and caches the compiled rules.
    expect(corsHeadersOf(await request(b.app).options('/shared/k').set(PREFLIGHT))['access-control-allow-origin']).toBe(O);
    await a.store.put('shared', CONFIGS.C2);
    // The change reaches b's cache through pub/sub; poll until it did.
    const deadline = Date.now() + NO_HANG_MS;
    let allowOrigin: string | undefined;
    while (Date.now() < deadline) {
      allowOrigin = corsHeadersOf(await request(b.app).options('/shared/k').set(PREFLIGHT))['access-control-allow-origin'];
      if (allowOrigin === '*') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(allowOrigin).toBe('*');
  });

  test('server stopped: cached rules keep answering, uncached buckets get 503 preflights and plain actual responses', async () => {
    if (redis.external) return console.warn(EXTERNAL_REDIS_SKIP);
    const { store, app } = instance(express5);
    await store.put('b', CONFIGS.C1);
    expect((await request(app).options('/b/k').set(PREFLIGHT)).status).toBe(200);
    await redis.stop();

    const started = Date.now();
    const cached = await request(app).options('/b/k').set(PREFLIGHT);
    expect(cached.status).toBe(200);
    expect(corsHeadersOf(cached)['access-control-allow-origin']).toBe(O);

    const preflight = await request(app).options('/b2/k').set(PREFLIGHT);
    expect(preflight.status).toBe(503);
    expect(preflight.headers['retry-after']).toBe('1');
    expect(preflight.text).toContain('<Code>ServiceUnavailable</Code>');

    const actual = await request(app).get('/b/k').set({ Origin: O });
    expect(actual.status).toBe(200);
    expect(actual.text).toBe(OBJECT_BODY);
    expect(corsHeadersOf(actual)['access-control-allow-origin']).toBe(O);
    const uncachedActual = await request(app).get('/b2/k').set({ Origin: O });
    expect(uncachedActual.status).toBe(404);
    expect(corsHeadersOf(uncachedActual)).toEqual({});
    expect(Date.now() - started).toBeLessThan(NO_HANG_MS * 2);
    expect(logger.error).toHaveBeenCalled();
  });
});
