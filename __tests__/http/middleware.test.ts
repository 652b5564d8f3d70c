// bucketCors through Express 5 and 4, memory and Redis stores: every preflight and actual-request vector of docs/behaviour.md §16 (T26–T69).

import Redis from 'ioredis';
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { bucketCors, type BucketCorsMiddleware, MemoryRuleStore, RedisRuleStore, type RuleStore } from 'express-bucket-cors';
import { startRedis, type RedisServerHandle } from '../support/redis';
import { CONFIGS } from '../core/fixtures';
import { ACTUALS, type ConfigName, isRefusal, PREFLIGHTS } from '../conformance/vectors';
import { expectPreflight } from '../conformance/suite';
import { CORS_VARY_VALUE, corsHeadersOf, defaultObjects, EXPRESS_VERSIONS, OBJECT_BODY, OBJECT_SERVER_HEADER, objectApp } from './object-app';

/** A store for one test run, and how to release what it opened. */
interface StoreSetup {
  readonly store: RuleStore;
  release(): Promise<void>;
}

const STORES: ReadonlyArray<readonly [string, () => Promise<StoreSetup>]> = [
  ['memory store', async () => ({ store: new MemoryRuleStore(), release: async () => {} })],
  [
    'Redis store',
    async () => {
      const redis: RedisServerHandle = await startRedis();
      const client = new Redis(redis.port, redis.host, { maxRetriesPerRequest: 0 });
      const store = new RedisRuleStore({ client });
      return {
        store,
        release: async () => {
          await store.close?.();
          client.disconnect();
          await redis.stop();
        },
      };
    },
  ],
];

describe.each(STORES)('bucketCors with a %s', (_storeName, setUpStore) => {
  let setup: StoreSetup;
  beforeAll(async () => {
    setup = await setUpStore();
  });
  afterAll(async () => {
    await setup.release();
  });

  async function configure(config: ConfigName): Promise<void> {
    if (config === 'none') await setup.store.delete('b');
    else await setup.store.put('b', CONFIGS[config]);
  }

  describe.each(EXPRESS_VERSIONS)('%s', (_expressName, express) => {
    let middleware: BucketCorsMiddleware;
    let server: Server;
    const laterHandlerCalls = { count: 0 };

    beforeAll(async () => {
      const objects = defaultObjects();
      middleware = bucketCors({ store: setup.store, bucketExists: (bucket) => objects.has(bucket) });
      const app = objectApp({
        express,
        objects,
        middleware: [
          middleware,
          (_req, _res, next) => {
            laterHandlerCalls.count++;
            next();
          },
        ],
      });
      server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      middleware.close();
      await new Promise((resolve) => server.close(resolve));
    });

    test.each(PREFLIGHTS.map((vector) => [vector.id, vector] as const))('preflight %s', async (_id, vector) => {
      await configure(vector.config);
      laterHandlerCalls.count = 0;
      const res = await request(server).options(vector.path ?? '/b/k').set(vector.headers);
      expect(laterHandlerCalls.count).toBe(0);
      expect(res.headers[OBJECT_SERVER_HEADER]).toBeUndefined();
      expectPreflight(res, vector);
      if (!isRefusal(vector.expected)) expect(res.headers['content-type']).toBeUndefined();
    });

    test.each(ACTUALS.map((vector) => [vector.id, vector] as const))('actual request %s', async (_id, vector) => {
      await configure(vector.config);
      laterHandlerCalls.count = 0;
      const method = vector.method ?? 'GET';
      const path = vector.path ?? '/b/k';
      const res = await (method === 'PUT' ? request(server).put(path).send('data') : request(server).get(path)).set(vector.headers);
      expect(laterHandlerCalls.count).toBe(1);
      expect(res.headers[OBJECT_SERVER_HEADER]).toBe('1');
      expect(res.status).toBe(vector.status);
      if (method === 'GET' && vector.status === 200 && path === '/b/k') expect(res.text).toBe(OBJECT_BODY);
      expect(corsHeadersOf(res)).toEqual(vector.cors);
      const varyValue = res.headers.vary as string | undefined;
      if (Object.keys(vector.cors).length === 0) expect(varyValue ?? '').not.toContain('Origin');
      else expect(varyValue?.startsWith(CORS_VARY_VALUE)).toBe(true);
    });
  });
});
