// bucketCors beyond the docs/behaviour.md §16 vectors: addressing styles, headers surviving errors, Vary merging, outages, failures, options.

import express5, { type RequestHandler } from 'express';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import request from 'supertest';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { bucketCors, type BucketCorsOptions, type AddressingOptions, MemoryRuleStore, type InvalidationEvent, type RuleStore } from 'express-bucket-cors';
import { CONFIGS } from '../core/fixtures';
import {
  CORS_VARY_VALUE,
  corsHeadersOf,
  ERROR_KEY,
  EXPRESS_VERSIONS,
  OBJECT_BODY,
  OBJECT_SERVER_HEADER,
  objectApp,
  reportingErrorHandler,
} from './object-app';

const O = 'https://localhost:4200';
const C1_MATCH = {
  'access-control-allow-origin': O,
  'access-control-allow-credentials': 'true',
  'access-control-allow-methods': 'GET, PUT',
  'access-control-max-age': '3000',
};
const silentLogger = () => ({ warn: jest.fn(), error: jest.fn() });

/** A store with `b` configured as given. */
async function storeWith(config: CorsConfiguration, bucket = 'b'): Promise<MemoryRuleStore> {
  const store = new MemoryRuleStore();
  await store.put(bucket, config);
  return store;
}

/** A store whose reads always fail: the backend is down. */
class FailingStore implements RuleStore {
  readonly shared = true;
  gets = 0;
  get(): Promise<null> {
    this.gets++;
    return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }));
  }
  put(): Promise<never> {
    return Promise.reject(new Error('down'));
  }
  delete(): Promise<void> {
    return Promise.reject(new Error('down'));
  }
  subscribe(_listener: (event: InvalidationEvent) => void): () => void {
    return () => {};
  }
}

describe.each(EXPRESS_VERSIONS)('bucketCors on %s', (_name, express) => {
  /** The object app behind `bucketCors(options)` (plus `before` and `after` middleware), mounted at the root. */
  function app(options: BucketCorsOptions, extra: { before?: RequestHandler[]; after?: RequestHandler[]; addressing?: AddressingOptions } = {}) {
    const middleware = bucketCors(options);
    const built = objectApp({
      express,
      addressing: extra.addressing ?? options.addressing,
      middleware: [...(extra.before ?? []), middleware, ...(extra.after ?? [])],
    });
    return { app: built, middleware };
  }

  describe('virtual-hosted addressing', () => {
    const addressing = { virtualHostDomains: ['s3.test'] };
    let target: ReturnType<typeof app>;
    beforeAll(async () => {
      target = app({ store: await storeWith(CONFIGS.C1), addressing });
    });
    afterAll(() => target.middleware.close());

    test('preflight to an object of <bucket>.<base domain>', async () => {
      const res = await request(target.app).options('/k').set({ Host: 'b.s3.test:8080', Origin: O, 'Access-Control-Request-Method': 'PUT' });
      expect(res.status).toBe(200);
      expect(corsHeadersOf(res)).toEqual(C1_MATCH);
    });

    test('refusal on the bucket itself reports ResourceType BUCKET', async () => {
      const res = await request(target.app).options('/').set({ Host: 'B.S3.TEST', Origin: 'https://evil.test', 'Access-Control-Request-Method': 'GET' });
      expect(res.status).toBe(403);
      expect(res.text).toContain('<ResourceType>BUCKET</ResourceType>');
    });

    test('actual request gets the headers; the object server resolves the same object', async () => {
      const res = await request(target.app).get('/k').set({ Host: 'b.s3.test', Origin: O });
      expect(res.status).toBe(200);
      expect(res.text).toBe(OBJECT_BODY);
      expect(corsHeadersOf(res)).toEqual(C1_MATCH);
    });

    test('the base domain itself is the path-style service root (T54)', async () => {
      const res = await request(target.app).options('/').set({ Host: 's3.test', Origin: O });
      expect(res.status).toBe(403);
      expect(res.text).toContain('<Message>CORSResponse: Bucket not found</Message><Method>OPTIONS</Method><ResourceType>BUCKET</ResourceType>');
    });

    test('without path-style, other hosts are left alone, OPTIONS / included', async () => {
      const virtualOnly = app({ store: await storeWith(CONFIGS.C1), addressing: { virtualHostDomains: ['s3.test'], pathStyle: false } });
      try {
        const options = await request(virtualOnly.app).options('/').set({ Host: 'localhost', Origin: O });
        expect(options.headers[OBJECT_SERVER_HEADER]).toBe('1');
        const get = await request(virtualOnly.app).get('/b/k').set({ Host: 'localhost', Origin: O });
        expect(corsHeadersOf(get)).toEqual({});
        expect(get.headers.vary).toBeUndefined();
      } finally {
        virtualOnly.middleware.close();
      }
    });
  });

  describe('custom resolution', () => {
    const byHeader = (req: IncomingMessage) => {
      const bucket = req.headers['x-bucket'];
      return typeof bucket === 'string' ? { bucket, key: (req.url ?? '/').slice(1).split('?')[0]! } : null;
    };

    test.each([
      ['synchronous', byHeader],
      ['asynchronous', async (req: IncomingMessage) => byHeader(req)],
    ])('%s resolver replaces the built-in one', async (_kind, resolve) => {
      const target = app({ store: await storeWith(CONFIGS.C1, 'tenant'), addressing: { resolve } });
      try {
        const preflight = await request(target.app).options('/k').set({ 'x-bucket': 'tenant', Origin: O, 'Access-Control-Request-Method': 'PUT' });
        expect(preflight.status).toBe(200);
        expect(corsHeadersOf(preflight)).toEqual(C1_MATCH);
        // Without the header the resolver names no bucket: even OPTIONS passes through (no service-root answer).
        const untouched = await request(target.app).options('/').set({ Origin: O });
        expect(untouched.headers[OBJECT_SERVER_HEADER]).toBe('1');
      } finally {
        target.middleware.close();
      }
    });

    test('a resolver that throws synchronously → next(err) once, the server keeps serving', async () => {
      const errors: unknown[] = [];
      const middleware = bucketCors({
        addressing: {
          resolve: (req) => {
            if (req.headers['x-explode'] !== undefined) throw new Error('resolver exploded');
            return null;
          },
        },
      });
      const built = express();
      built.use(middleware);
      built.use((_req, res) => {
        res.send('served');
      });
      built.use(((error, _req, res, _next) => {
        errors.push(error);
        res.status(599).send((error as Error).message);
      }) as express5.ErrorRequestHandler);
      const res = await request(built).get('/b/k').set({ 'x-explode': '1', Origin: O });
      expect(res.status).toBe(599);
      expect(res.text).toBe('resolver exploded');
      expect(errors).toHaveLength(1);
      const options = await request(built).options('/b/k').set({ 'x-explode': '1', Origin: O });
      expect(options.status).toBe(599);
      expect(errors).toHaveLength(2);
      expect((await request(built).get('/b/k')).text).toBe('served');
      middleware.close();
    });

    test.each([
      ['a rejected promise', () => Promise.reject(new Error('async resolver failed')), 'async resolver failed'],
      ['a malformed answer', () => ({ bucket: '', key: 'k' }), 'addressing.resolve must return'],
    ])('a resolver returning %s → next(err) once (also on Express 4)', async (_kind, resolve, message) => {
      const errors: unknown[] = [];
      const middleware = bucketCors({ addressing: { resolve } });
      const built = express();
      built.use(middleware);
      built.use(((error, _req, res, _next) => {
        errors.push(error);
        res.status(599).send((error as Error).message);
      }) as express5.ErrorRequestHandler);
      const res = await request(built).get('/b/k').set({ Origin: O });
      expect(res.status).toBe(599);
      expect(res.text).toContain(message);
      expect(errors).toHaveLength(1);
      middleware.close();
    });
  });

  describe('paths and methods', () => {
    let target: ReturnType<typeof app>;
    beforeAll(async () => {
      target = app({ store: await storeWith({ CORSRules: [...CONFIGS.C1.CORSRules, { AllowedOrigins: ['https://head.test'], AllowedMethods: ['HEAD'] }] }) });
    });
    afterAll(() => target.middleware.close());

    test.each([
      ['/b', 'BUCKET'],
      ['/b/', 'BUCKET'],
      ['/b/k/', 'OBJECT'],
      ['/b/a%2Fb', 'OBJECT'],
    ])('refused preflight to %s reports ResourceType %s', async (path, resourceType) => {
      const res = await request(target.app).options(path).set({ Origin: 'https://other.test', 'Access-Control-Request-Method': 'GET' });
      expect(res.status).toBe(403);
      expect(res.text).toContain(`<ResourceType>${resourceType}</ResourceType>`);
    });

    test.each([
      ['/b/', 'trailing slash on the bucket'],
      ['/b/%zz', 'malformed percent-encoding in the key (kept as sent)'],
    ])('allowed preflight to %s (%s)', async (path) => {
      const res = await request(target.app).options(path).set({ Origin: O, 'Access-Control-Request-Method': 'GET' });
      expect(res.status).toBe(200);
      expect(corsHeadersOf(res)).toEqual(C1_MATCH);
    });

    test('encoded key: decoded for the object server, CORS applies', async () => {
      const res = await request(target.app).get('/b/%6B').set({ Origin: O });
      expect(res.status).toBe(200);
      expect(res.text).toBe(OBJECT_BODY);
      expect(corsHeadersOf(res)).toEqual(C1_MATCH);
    });


    test('HEAD is matched as HEAD: a GET/PUT rule gives nothing, a HEAD rule matches', async () => {
      const fromGetRule = await request(target.app).head('/b/k').set({ Origin: O });
      expect(fromGetRule.status).toBe(200);
      expect(corsHeadersOf(fromGetRule)).toEqual({});
      const fromHeadRule = await request(target.app).head('/b/k').set({ Origin: 'https://head.test' });
      expect(corsHeadersOf(fromHeadRule)).toEqual({
        'access-control-allow-origin': 'https://head.test',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'HEAD',
      });
      expect(fromHeadRule.headers.vary).toBe(`${CORS_VARY_VALUE}, Accept-Encoding`);
    });

    test('CORS headers survive 304, next(err) into Express’s default error handler, and 404 NoSuchBucket', async () => {
      const notModified = await request(target.app).get('/b/k').set({ Origin: O, 'If-None-Match': '"etag-of-k"' });
      expect(notModified.status).toBe(304);
      expect(corsHeadersOf(notModified)).toEqual(C1_MATCH);
      const failed = await request(target.app).get(`/b/${ERROR_KEY}`).set({ Origin: O });
      expect(failed.status).toBe(500);
      expect(failed.headers['content-type']).toMatch(/^text\/html/);
      expect(corsHeadersOf(failed)).toEqual(C1_MATCH);
      expect(failed.headers.vary).toBe(CORS_VARY_VALUE);
    });

    test('an Origin with invalid characters never matches and is never echoed', async () => {
      const wildcard = app({ store: await storeWith(CONFIGS.C8) });
      const server = createServer(wildcard.app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as { port: number }).port;
        // Raw request: obs-text (0xE9) and a tab are legal on the wire but not in an Origin; `*suffix` would match them.
        const send = (method: string, origin: string) =>
          new Promise<{ status: number; headers: IncomingMessage['headers'] }>((resolve, reject) => {
            const req = httpRequest({ host: '127.0.0.1', port, method, path: '/b/k', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } }, (res) => {
              res.resume();
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
            });
            req.on('error', reject);
            req.end();
          });
        for (const origin of ['https://\xe9.suffix', 'a\tsuffix']) {
          const preflight = await send('OPTIONS', origin);
          expect(preflight.status).toBe(403);
          expect(corsHeadersOf(preflight)).toEqual({});
          const actual = await send('GET', origin);
          expect(actual.status).toBe(200);
          expect(corsHeadersOf(actual)).toEqual({});
        }
        const valid = await send('GET', 'a.suffix');
        expect(corsHeadersOf(valid)['access-control-allow-origin']).toBe('a.suffix');
      } finally {
        wildcard.middleware.close();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('Vary', () => {
    test('a Vary set before the middleware is kept and appended to; one set after is appended too', async () => {
      const target = app(
        { store: await storeWith(CONFIGS.C1) },
        {
          before: [
            (_req, res, next) => {
              res.setHeader('Vary', 'Accept-Language');
              next();
            },
          ],
        },
      );
      try {
        const res = await request(target.app).get('/b/k').set({ Origin: O });
        expect(res.headers.vary).toBe(`Accept-Language, ${CORS_VARY_VALUE}, Accept-Encoding`);
        const preflight = await request(target.app).options('/b/k').set({ Origin: O, 'Access-Control-Request-Method': 'GET' });
        expect(preflight.headers.vary).toBe(`Accept-Language, ${CORS_VARY_VALUE}`);
      } finally {
        target.middleware.close();
      }
    });

    test("'always' adds Vary to every response for a configured bucket, none for others", async () => {
      const store = await storeWith(CONFIGS.C1);
      const target = app({ store, vary: 'always' });
      try {
        const noOrigin = await request(target.app).get('/b/k');
        expect(noOrigin.headers.vary).toBe(`${CORS_VARY_VALUE}, Accept-Encoding`);
        expect(corsHeadersOf(noOrigin)).toEqual({});
        const denied = await request(target.app).get('/b/k').set({ Origin: 'https://evil.test' });
        expect(denied.headers.vary).toBe(`${CORS_VARY_VALUE}, Accept-Encoding`);
        expect(corsHeadersOf(denied)).toEqual({});
        const refused = await request(target.app).options('/b/k').set({ Origin: 'https://evil.test', 'Access-Control-Request-Method': 'GET' });
        expect(refused.status).toBe(403);
        expect(refused.headers.vary).toBe(CORS_VARY_VALUE);
        const matched = await request(target.app).get('/b/k').set({ Origin: O });
        expect(matched.headers.vary).toBe(`${CORS_VARY_VALUE}, Accept-Encoding`);
        await store.delete('b');
        const unconfigured = await request(target.app).get('/b/k').set({ Origin: O });
        expect(unconfigured.headers.vary).toBe('Accept-Encoding');
      } finally {
        target.middleware.close();
      }
    });

    test("'match' (default) leaves unmatched and Origin-less responses without CORS Vary, as S3", async () => {
      const target = app({ store: await storeWith(CONFIGS.C1) });
      try {
        expect((await request(target.app).get('/b/k')).headers.vary).toBe('Accept-Encoding');
        expect((await request(target.app).get('/b/k').set({ Origin: 'https://evil.test' })).headers.vary).toBe('Accept-Encoding');
      } finally {
        target.middleware.close();
      }
    });
  });

  describe('store outage', () => {
    test('preflight → 503 ServiceUnavailable with Retry-After; actual requests are served without CORS headers', async () => {
      const logger = silentLogger();
      const store = new FailingStore();
      let later = 0;
      const target = app(
        { store, retryAfterSeconds: 7, logger, cache: { lookupTimeoutMs: 200 } },
        {
          after: [
            (_req, _res, next) => {
              later++;
              next();
            },
          ],
        },
      );
      try {
        const preflight = await request(target.app).options('/b/k').set({ Origin: O, 'Access-Control-Request-Method': 'GET' });
        expect(preflight.status).toBe(503);
        expect(preflight.headers['retry-after']).toBe('7');
        expect(preflight.text).toContain('<Code>ServiceUnavailable</Code>');
        expect(corsHeadersOf(preflight)).toEqual({});
        expect(later).toBe(0);
        const actual = await request(target.app).get('/b/k').set({ Origin: O });
        expect(actual.status).toBe(200);
        expect(actual.text).toBe(OBJECT_BODY);
        expect(corsHeadersOf(actual)).toEqual({});
        expect(later).toBe(1);
        expect(store.gets).toBeGreaterThanOrEqual(2);
        expect(logger.error).toHaveBeenCalled();
      } finally {
        target.middleware.close();
      }
    });

    test('a store read that never answers: the lookup timeout bounds the wait', async () => {
      const hanging = new FailingStore();
      hanging.get = () => new Promise(() => {});
      const target = app({ store: hanging, logger: silentLogger(), cache: { lookupTimeoutMs: 200 } });
      try {
        const started = Date.now();
        const preflight = await request(target.app).options('/b/k').set({ Origin: O, 'Access-Control-Request-Method': 'GET' });
        expect(preflight.status).toBe(503);
        const actual = await request(target.app).get('/b/k').set({ Origin: O });
        expect(actual.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        target.middleware.close();
      }
    });
  });

  describe('bucketExists', () => {
    test('async bucketExists tells "Bucket not found" from "CORS is not enabled"; only consulted for unconfigured buckets', async () => {
      const asked: string[] = [];
      const target = app({
        store: await storeWith(CONFIGS.C1),
        bucketExists: async (bucket) => {
          asked.push(bucket);
          return bucket === 'b' || bucket === 'empty';
        },
      });
      try {
        const headers = { Origin: O, 'Access-Control-Request-Method': 'GET' };
        expect((await request(target.app).options('/nosuch/k').set(headers)).text).toContain('CORSResponse: Bucket not found');
        expect((await request(target.app).options('/empty/k').set(headers)).text).toContain('CORSResponse: CORS is not enabled for this bucket.');
        expect((await request(target.app).options('/b/k').set(headers)).status).toBe(200);
        expect((await request(target.app).get('/nosuch/k').set({ Origin: O })).status).toBe(404);
        expect(asked).toEqual(['nosuch', 'empty']);
      } finally {
        target.middleware.close();
      }
    });

    test('a bucketExists that rejects → next(err) once; the preflight reaches no other handler', async () => {
      const middleware = bucketCors({ bucketExists: () => Promise.reject(new Error('lookup failed')) });
      const calls: string[] = [];
      const built = express();
      built.use(middleware);
      built.use((_req, res) => {
        calls.push('handler');
        res.send('no');
      });
      built.use(reportingErrorHandler);
      built.use(((error, _req, res, _next) => {
        calls.push('second error handler');
        res.status(598).send(String(error));
      }) as express5.ErrorRequestHandler);
      const res = await request(built).options('/b/k').set({ Origin: O, 'Access-Control-Request-Method': 'GET' });
      expect(res.status).toBe(599);
      expect(res.text).toBe('lookup failed');
      expect(calls).toEqual([]);
      middleware.close();
    });
  });

  test('mounted under a path, the bucket comes from the path below the mount point', async () => {
    const middleware = bucketCors({ store: await storeWith(CONFIGS.C1) });
    const built = express();
    built.use('/s3', middleware);
    built.use('/s3', (_req, res) => {
      res.send('object');
    });
    try {
      const res = await request(built).options('/s3/b/k').set({ Origin: O, 'Access-Control-Request-Method': 'GET' });
      expect(res.status).toBe(200);
      expect(corsHeadersOf(res)).toEqual(C1_MATCH);
    } finally {
      middleware.close();
    }
  });
});

describe('bucketCors options', () => {
  test('defaults: a MemoryRuleStore of its own, exposed as .store, rules put there apply', async () => {
    const middleware = bucketCors();
    expect(middleware.store).toBeInstanceOf(MemoryRuleStore);
    await middleware.store.put('b', CONFIGS.C1);
    const built = objectApp({ express: express5, middleware: [middleware] });
    const res = await request(built).get('/b/k').set({ Origin: O });
    expect(corsHeadersOf(res)).toEqual(C1_MATCH);
    middleware.close();
  });

  test('close() stops listening to the store', async () => {
    const store = new MemoryRuleStore();
    const unsubscribed = jest.fn();
    const subscribe = store.subscribe.bind(store);
    store.subscribe = (listener) => {
      const unsubscribe = subscribe(listener);
      return () => {
        unsubscribed();
        unsubscribe();
      };
    };
    const middleware = bucketCors({ store });
    expect(middleware.store).toBe(store);
    middleware.close();
    expect(unsubscribed).toHaveBeenCalledTimes(1);
  });

  test.each<[string, unknown, RegExp]>([
    ['not an object', 'yes', /pass an options object/],
    ['a typo', { bucketExist: () => true }, /unknown option `bucketExist`/],
    ['a store without get', { store: {} }, /`store` must be a RuleStore/],
    ['a bad vary', { vary: 'origin' }, /`vary` must be 'match'.*or 'always'/],
    ['a fractional retryAfterSeconds', { retryAfterSeconds: 1.5 }, /whole number of seconds/],
    ['a negative retryAfterSeconds', { retryAfterSeconds: -1 }, /whole number of seconds/],
    ['a logger without error()', { logger: { warn() {} } }, /`logger` must have warn\(\) and error\(\)/],
    ['a non-function bucketExists', { bucketExists: true }, /`bucketExists` must be a function/],
    ['a bad base domain', { addressing: { virtualHostDomains: ['https://s3.test'] } }, /remove the scheme/],
    ['a bad cache option', { cache: { ttlMs: -1 } }, /ttlMs/],
  ])('throws a TypeError for %s', (_what, options, message) => {
    expect(() => bucketCors(options as BucketCorsOptions)).toThrow(TypeError);
    expect(() => bucketCors(options as BucketCorsOptions)).toThrow(message);
  });
});

describe('bucketCors: a handler after it throws on an asynchronous path', () => {
  const run = async (logger: { warn: jest.Mock; error: jest.Mock }) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const middleware = bucketCors({ logger, addressing: { resolve: async () => ({ bucket: 'b', key: 'k' }) } });
      const req = { method: 'GET', url: '/b/k', headers: { origin: O } } as unknown as IncomingMessage;
      const thrown = new Error('the next handler threw');
      const next = jest.fn(() => {
        throw thrown;
      });
      middleware(req, {} as never, next);
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      middleware.close();
      expect(next).toHaveBeenCalledTimes(1);
      return { unhandled, thrown };
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  };

  test('is reported to the logger, not left as an unhandled rejection', async () => {
    const logger = silentLogger();
    const { unhandled, thrown } = await run(logger);
    expect(logger.error).toHaveBeenCalledWith('express-bucket-cors: a handler after bucketCors threw', thrown);
    expect(unhandled).toEqual([]);
  });

  test('with a logger that throws too, still no unhandled rejection', async () => {
    const logger = { warn: jest.fn(), error: jest.fn(() => { throw new Error('broken logger'); }) };
    const { unhandled } = await run(logger);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(unhandled).toEqual([]);
  });
});
