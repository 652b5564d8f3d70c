// The one options path: unknown keys with hints, one wording quoting what was given, and the mistakes newcomers make.

import express from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import { corsRouter } from 'express-bucket-cors/s3';
import { mediaStoreDialect, mediaStoreRouter } from 'express-bucket-cors/mediastore';
import { backendProxy, bucketCors, createBucketCors, MemoryRuleStore, RedisRuleStore, RuleCache } from 'express-bucket-cors';
import { backendBucketExists } from 'express-bucket-cors/sigv4';
import { readOptions, wholeNumber } from '../support/internals';

describe('readOptions', () => {
  const checks = { ttlMs: wholeNumber(1, 60, 'milliseconds'), max: wholeNumber(1, 10, 'entries') };

  test('fills defaults and returns every option once', () => {
    expect(readOptions('Thing', undefined, checks)).toEqual({ ttlMs: 60, max: 10 });
    expect(readOptions('Thing', { max: 3 }, checks)).toEqual({ ttlMs: 60, max: 3 });
  });

  test('refuses an unknown key, hinting at the closest name (a prefix or a typo)', () => {
    expect(() => readOptions('Thing', { ttl: 5 }, checks)).toThrow('Thing: unknown option `ttl` (did you mean `ttlMs`?); the options are `ttlMs`, `max`.');
    expect(() => readOptions('Thing', { maxx: 5 }, checks)).toThrow('(did you mean `max`?)');
    expect(() => readOptions('Thing', { colour: 5 }, checks)).toThrow(/unknown option `colour`; the options/);
  });

  test('names nested options by their path', () => {
    expect(() => readOptions('bucketCors', { ttl: 5 }, checks, 'cache.')).toThrow(
      'bucketCors: unknown option `cache.ttl` (did you mean `cache.ttlMs`?); the options of `cache` are `ttlMs`, `max`.',
    );
    expect(() => readOptions('bucketCors', 'x', checks, 'cache.')).toThrow('bucketCors: `cache` must be an object, not "x".');
  });

  test('quotes what was given, in one wording', () => {
    expect(() => readOptions('Thing', { max: '5' }, checks)).toThrow('Thing: `max` must be a whole number of entries >= 1 (default 10), not "5".');
    expect(() => readOptions('Thing', { max: [5] }, checks)).toThrow('not an array.');
    expect(() => readOptions('Thing', { max: new Map() }, checks)).toThrow('not a Map instance.');
  });
});

describe('mistakes at construction', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis({ lazyConnect: true });
  });
  afterAll(() => client.disconnect());

  test('bucketCors({ store: <an ioredis client> }) says to wrap it in RedisRuleStore', () => {
    expect(() => bucketCors({ store: client as never })).toThrow(
      'bucketCors: `store` must be a RuleStore, not a Redis client: wrap the client, `store: new RedisRuleStore({ client })`.',
    );
    expect(() => corsRouter({ store: client as never, authorize: () => true })).toThrow(/corsRouter: `store` must be a RuleStore, not a Redis client/);
  });

  test('app.use(bucketCors) and app.use(corsRouter) without calling them answer with what to write', async () => {
    for (const [factory, example] of [
      [bucketCors, 'app.use(bucketCors({ store }))'],
      [corsRouter, 'app.use(corsRouter({ store, authorize }))'],
    ] as const) {
      const app = express();
      const errors: unknown[] = [];
      app.use(factory as never);
      app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        errors.push(error);
        res.status(500).end();
      });
      expect((await request(app).get('/b/k')).status).toBe(500);
      expect(errors).toHaveLength(1);
      expect(String(errors[0])).toContain(`is a factory, not a middleware: call it and use what it returns, e.g. ${example}.`);
    }
  });

  test('a typo inside `cache` is named with its path', () => {
    expect(() => bucketCors({ cache: { ttl: 5 } as never })).toThrow('bucketCors: unknown option `cache.ttl` (did you mean `cache.ttlMs`?); the options of `cache` are');
    expect(() => bucketCors({ cache: { max: 0 } })).toThrow('bucketCors: `cache.max` must be a whole number of buckets >= 1 (default 500000), not 0.');
  });

  test('a dialect without its methods is refused', () => {
    expect(() => bucketCors({ dialect: { name: 'x' } as never })).toThrow('bucketCors: `dialect` must be a CorsDialect (e.g. s3Dialect), or be left out, not an object.');
    expect(() => createBucketCors({ dialect: { name: 'x' } as never })).toThrow('bucketCors: `dialect` must be a CorsDialect (e.g. s3Dialect), or be left out, not an object.');
  });

  test('createBucketCors has no default dialect: left out, it is named; given, it words the refusals', async () => {
    expect(() => createBucketCors({} as never)).toThrow('bucketCors: `dialect` must be given to createBucketCors: a CorsDialect such as s3Dialect (bucketCors defaults to it).');
    expect(() => createBucketCors(42 as never)).toThrow('bucketCors: pass an options object, not 42.');
    const app = express().use(createBucketCors({ dialect: mediaStoreDialect }));
    const refused = await request(app).options('/container/k').set('Origin', 'https://a.example').set('Access-Control-Request-Method', 'GET');
    const s3 = await request(express().use(bucketCors())).options('/container/k').set('Origin', 'https://a.example').set('Access-Control-Request-Method', 'GET');
    expect(refused.status).toBe(403);
    expect(refused.text).not.toBe(s3.text);
    expect(s3.text).toContain('<Code>AccessForbidden</Code>');
  });

  test('MemoryRuleStore refuses unknown keys too', () => {
    expect(() => new MemoryRuleStore({ loger: console } as never)).toThrow('MemoryRuleStore: unknown option `loger` (did you mean `logger`?)');
  });
});

describe('duration options', () => {
  // setTimeout keeps at most 2**31 - 1 ms; a longer delay fires after 1 ms (with a warning), so each
  // of these would time out every read, or run the health check in a loop.
  const LONGEST = 2 ** 31 - 1;
  const refusal = (path: string) => `\`${path}\` must be at most ${LONGEST} milliseconds (about 24.8 days, the longest a Node.js timer waits)`;
  const store = new MemoryRuleStore();
  const authorize = () => true;
  let client: Redis;
  beforeAll(() => {
    client = new Redis({ lazyConnect: true });
  });
  afterAll(() => client.disconnect());

  test('RuleCache: ttlMs and lookupTimeoutMs refuse more than setTimeout can wait, naming the option; Infinity stays allowed for ttlMs', () => {
    expect(() => new RuleCache(store, { ttlMs: 1e12 })).toThrow(`RuleCache: ${refusal('ttlMs')}, or Infinity for no expiry, not 1000000000000.`);
    expect(() => new RuleCache(store, { lookupTimeoutMs: 1e12 })).toThrow(`RuleCache: ${refusal('lookupTimeoutMs')}, not 1000000000000.`);
    expect(() => new RuleCache(store, { lookupTimeoutMs: LONGEST + 1 })).toThrow(refusal('lookupTimeoutMs'));
    expect(() => new RuleCache(store, { ttlMs: Infinity, lookupTimeoutMs: LONGEST })).not.toThrow();
    expect(() => new RuleCache(store, { ttlMs: LONGEST })).not.toThrow();
  });

  test('bucketCors names them by their path under cache', () => {
    expect(() => bucketCors({ store, cache: { ttlMs: 1e12 } })).toThrow(`bucketCors: ${refusal('cache.ttlMs')}`);
    expect(() => bucketCors({ store, cache: { lookupTimeoutMs: 1e12 } })).toThrow(`bucketCors: ${refusal('cache.lookupTimeoutMs')}`);
  });

  test('RedisRuleStore: healthCheckIntervalMs (Infinity disables the check) and healthCheckTimeoutMs', () => {
    expect(() => new RedisRuleStore({ client, healthCheckIntervalMs: 1e12 })).toThrow(`RedisRuleStore: ${refusal('healthCheckIntervalMs')}, or Infinity to disable the check, not 1000000000000.`);
    expect(() => new RedisRuleStore({ client, healthCheckTimeoutMs: 1e12 })).toThrow(`RedisRuleStore: ${refusal('healthCheckTimeoutMs')}, not 1000000000000.`);
    expect(() => new RedisRuleStore({ client, healthCheckIntervalMs: Infinity, healthCheckTimeoutMs: LONGEST })).not.toThrow();
  });

  test('the admin routers: storeTimeoutMs', () => {
    expect(() => corsRouter({ store, authorize, storeTimeoutMs: 1e12 })).toThrow(`corsRouter: ${refusal('storeTimeoutMs')}, not 1000000000000.`);
    expect(() => mediaStoreRouter({ store, authorize, storeTimeoutMs: 1e12 })).toThrow(`mediaStoreRouter: ${refusal('storeTimeoutMs')}, not 1000000000000.`);
    expect(() => corsRouter({ store, authorize, storeTimeoutMs: LONGEST })).not.toThrow();
  });

  test('backendProxy and backendBucketExists: timeoutMs', () => {
    const url = 'http://127.0.0.1:9000';
    expect(() => backendProxy({ url, timeoutMs: 1e12 })).toThrow(`backendProxy: ${refusal('timeoutMs')}, not 1000000000000.`);
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    expect(() => backendBucketExists({ url, credentials, timeoutMs: 1e12 })).toThrow(`backendBucketExists: ${refusal('timeoutMs')}, not 1000000000000.`);
    expect(() => backendBucketExists({ url, credentials, timeoutMs: LONGEST })).not.toThrow();
  });
});
