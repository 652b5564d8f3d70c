// bucketCors through Express 5 and 4, memory and Redis stores: every preflight and actual-request vector of docs/behaviour.md §16 (T26–T69).

import Redis from 'ioredis';
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { escapeXml } from 'express-bucket-cors/s3';
import { bucketCors, type BucketCorsMiddleware, MemoryRuleStore, RedisRuleStore, type RuleStore } from 'express-bucket-cors';
import { startRedis, type RedisServerHandle } from '../support/redis';
import { CONFIGS } from '../core/fixtures';
import { CORS_VARY_VALUE, corsHeadersOf, defaultObjects, EXPRESS_VERSIONS, OBJECT_BODY, OBJECT_SERVER_HEADER, objectApp } from './object-app';

const O = 'https://localhost:4200';
const NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";
const NOT_ENABLED = 'CORSResponse: CORS is not enabled for this bucket.';
const NOT_FOUND = 'CORSResponse: Bucket not found';
const NO_ORIGIN = 'Insufficient information. Origin request header needed.';

type ConfigName = keyof typeof CONFIGS | 'none';

/** Expected CORS headers of a match: ACAO (+ ACAC when not `*`), ACAM, and the optional ones. */
function match(origin: string, methods: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    ...(origin === '*' ? {} : { 'access-control-allow-credentials': 'true' }),
    'access-control-allow-methods': methods,
    ...extra,
  };
}
const maxAge = (seconds: number) => ({ 'access-control-max-age': String(seconds) });
const allowHeaders = (value: string) => ({ 'access-control-allow-headers': value });

interface Refusal {
  readonly status: 400 | 403;
  readonly code: 'BadRequest' | 'AccessForbidden';
  readonly message: string;
  readonly method?: string;
  readonly resourceType?: 'BUCKET' | 'OBJECT';
}
const badRequest = (message: string): Refusal => ({ status: 400, code: 'BadRequest', message });
const forbidden = (message: string, method: string, resourceType: 'BUCKET' | 'OBJECT'): Refusal => ({ status: 403, code: 'AccessForbidden', message, method, resourceType });

interface PreflightVector {
  readonly id: string;
  readonly config: ConfigName;
  readonly path?: string;
  readonly headers: Record<string, string>;
  /** Expected CORS headers of a 200, or the refusal. */
  readonly expected: Record<string, string> | Refusal;
}

const isRefusal = (expected: PreflightVector['expected']): expected is Refusal => typeof expected.status === 'number';

const acrm = (method: string, extra: Record<string, string> = {}) => ({ 'Access-Control-Request-Method': method, ...extra });

const PREFLIGHTS: PreflightVector[] = [
  { id: 'T26', config: 'none', headers: {}, expected: badRequest(NO_ORIGIN) },
  { id: 'T27', config: 'none', headers: { Origin: 'whatever', ...acrm('PUT') }, expected: forbidden(NOT_ENABLED, 'PUT', 'BUCKET') },
  { id: 'T28', config: 'none', headers: { Origin: 'whatever' }, expected: forbidden(NOT_ENABLED, 'OPTIONS', 'BUCKET') },
  { id: 'T29', config: 'none', path: '/nosuch/k', headers: {}, expected: badRequest(NO_ORIGIN) },
  { id: 'T30', config: 'none', path: '/nosuch/k', headers: { Origin: 'whatever' }, expected: forbidden(NOT_FOUND, 'OPTIONS', 'BUCKET') },
  { id: 'T31', config: 'C1', headers: { Referer: O, ...acrm('PUT') }, expected: badRequest(NO_ORIGIN) },
  { id: 'T32', config: 'C1', headers: { Origin: O, ...acrm('PUT') }, expected: match(O, 'GET, PUT', maxAge(3000)) },
  { id: 'T33', config: 'C1', headers: { Origin: 'http://localhost:4200', ...acrm('PUT') }, expected: forbidden(NOT_ALLOWED, 'PUT', 'OBJECT') },
  { id: 'T34', config: 'C2', headers: { Origin: 'http://random:1234', ...acrm('PUT') }, expected: match('*', 'GET, PUT', maxAge(3000)) },
  { id: 'T35', config: 'C3', headers: { Origin: O, ...acrm('GET') }, expected: match(O, 'GET', maxAge(3000)) },
  { id: 'T36', config: 'C3', path: '/b/knew', headers: { Origin: O, ...acrm('PUT') }, expected: forbidden(NOT_ALLOWED, 'PUT', 'OBJECT') },
  {
    id: 'T37',
    config: 'C3',
    headers: { Origin: O, ...acrm('GET', { 'Access-Control-Request-Headers': 'x-amz-request-payer' }) },
    expected: match(O, 'GET', { ...maxAge(3000), ...allowHeaders('x-amz-request-payer') }),
  },
  {
    id: 'T38',
    config: 'C3',
    headers: { Origin: O, ...acrm('GET', { 'Access-Control-Request-Headers': 'x-amz-request-payer, x-amz-expected-bucket-owner' }) },
    expected: match(O, 'GET', { ...maxAge(3000), ...allowHeaders('x-amz-request-payer, x-amz-expected-bucket-owner') }),
  },
  {
    id: 'T39',
    config: 'C4',
    headers: { Origin: O, ...acrm('GET', { 'Access-Control-Request-Headers': 'x-amz-request-payer' }) },
    expected: forbidden(NOT_ALLOWED, 'GET', 'OBJECT'),
  },
  {
    id: 'T40',
    config: 'C4',
    headers: { Origin: O, ...acrm('GET', { 'Access-Control-Request-Headers': 'x-AMZ-expected-BUCKET-owner, x-amz-server-side-encryption' }) },
    expected: match(O, 'GET', { ...maxAge(3000), ...allowHeaders('x-amz-expected-bucket-owner, x-amz-server-side-encryption') }),
  },
  {
    id: 'T41',
    config: 'C4',
    headers: { Origin: O, ...acrm('GET', { 'Access-Control-Request-Headers': 'x-amz-expected-bucket-owner,x-amz-server-side-encryption' }) },
    expected: match(O, 'GET', { ...maxAge(3000), ...allowHeaders('x-amz-expected-bucket-owner, x-amz-server-side-encryption') }),
  },
  {
    id: 'T42',
    config: 'C5',
    headers: { Origin: 'localhost:4566', ...acrm('GET') },
    expected: match('*', 'GET', { 'access-control-expose-headers': 'x-amz-id-2, x-amz-request-id, x-amz-request-payer' }),
  },
  { id: 'T43', config: 'C6', headers: { Origin: 'localhost:4566', ...acrm('GET') }, expected: match('*', 'GET') },
  {
    id: 'T44',
    config: 'C6',
    headers: { Origin: 'localhost:4566', ...acrm('GET', { 'Access-Control-Request-Headers': 'x-amz-request-payer' }) },
    expected: forbidden(NOT_ALLOWED, 'GET', 'OBJECT'),
  },
  { id: 'T45', config: 'C7', path: '/b', headers: { Origin: 'http://test.origin.com', ...acrm('GET') }, expected: match('http://test.origin.com', 'GET, PUT', maxAge(3000)) },
  { id: 'T46', config: 'C7', path: '/b', headers: { Origin: 'http://test.origin.com/', ...acrm('GET') }, expected: forbidden(NOT_ALLOWED, 'GET', 'BUCKET') },
  ...['startend', 'start12end', 'prefix', 'prefix.suffix', 'foo.suffix'].map(
    (origin): PreflightVector => ({ id: `T47 ${origin}`, config: 'C8', path: '/b', headers: { Origin: origin, ...acrm('GET') }, expected: match(origin, 'GET') }),
  ),
  ...['0start12end', 'bla.prefix', 'foo.suffix.get', 'foo.put'].map(
    (origin): PreflightVector => ({ id: `T48 ${origin}`, config: 'C8', path: '/b', headers: { Origin: origin, ...acrm('GET') }, expected: forbidden(NOT_ALLOWED, 'GET', 'BUCKET') }),
  ),
  { id: 'T49', config: 'C8', path: '/b', headers: { Origin: 'foo.put', ...acrm('PUT') }, expected: match('foo.put', 'PUT') },
  { id: 'T50 first', config: 'C9', path: '/b', headers: { Origin: 'http://first.com', ...acrm('GET') }, expected: match('http://first.com', 'GET', maxAge(100)) },
  { id: 'T50 other', config: 'C9', path: '/b', headers: { Origin: 'http://other.com', ...acrm('GET') }, expected: match('*', 'GET, POST', maxAge(200)) },
  {
    id: 'T51',
    config: 'C10',
    headers: { Origin: 'http://example.com', ...acrm('GET', { 'Access-Control-Request-Headers': 'X-Amz-Meta-Color' }) },
    expected: match('http://example.com', 'GET', allowHeaders('x-amz-meta-color')),
  },
  { id: 'T52', config: 'C3', headers: { Origin: O }, expected: badRequest('Invalid Access-Control-Request-Method: null') },
  { id: 'T53 none', config: 'none', headers: { Origin: 'https://x', ...acrm('get') }, expected: badRequest('Invalid Access-Control-Request-Method: get') },
  { id: 'T53 C1', config: 'C1', headers: { Origin: 'https://x', ...acrm('get') }, expected: badRequest('Invalid Access-Control-Request-Method: get') },
  { id: 'T54', config: 'C1', path: '/', headers: { Origin: 'https://x' }, expected: forbidden(NOT_FOUND, 'OPTIONS', 'BUCKET') },
  { id: 'T54 no Origin', config: 'C1', path: '/', headers: {}, expected: badRequest(NO_ORIGIN) },
  { id: 'T55', config: 'C1', headers: { Authorization: 'AWS fakeKey:fakesignature', Origin: O, ...acrm('PUT') }, expected: match(O, 'GET, PUT', maxAge(3000)) },
  {
    id: 'T55 presigned query',
    config: 'C1',
    path: '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=bogus&versionId=1',
    headers: { Origin: O, ...acrm('PUT') },
    expected: match(O, 'GET, PUT', maxAge(3000)),
  },
];

interface ActualVector {
  readonly id: string;
  readonly config: ConfigName;
  readonly method?: 'GET' | 'PUT';
  readonly path?: string;
  readonly headers: Record<string, string>;
  readonly status: number;
  /** Expected CORS headers; `{}` = none and no CORS `Vary`. */
  readonly cors: Record<string, string>;
}

const ACTUALS: ActualVector[] = [
  { id: 'T56', config: 'C1', headers: {}, status: 200, cors: {} },
  { id: 'T56 Referer', config: 'C1', headers: { Referer: O }, status: 200, cors: {} },
  { id: 'T57', config: 'C1', headers: { Origin: O }, status: 200, cors: match(O, 'GET, PUT', maxAge(3000)) },
  { id: 'T58', config: 'C1', headers: { Origin: 'http://localhost:4200' }, status: 200, cors: {} },
  { id: 'T59', config: 'C2', headers: { Origin: 'http://random:1234' }, status: 200, cors: match('*', 'GET, PUT', maxAge(3000)) },
  { id: 'T60', config: 'C3', headers: { Origin: O, ...acrm('PUT') }, status: 200, cors: {} },
  { id: 'T61', config: 'C3', method: 'PUT', path: '/b/knew', headers: { Origin: O, Authorization: 'AWS4-HMAC-SHA256 test' }, status: 200, cors: {} },
  { id: 'T62', config: 'C3', headers: { Origin: O, 'x-amz-request-payer': 'requester' }, status: 200, cors: match(O, 'GET', maxAge(3000)) },
  { id: 'T63', config: 'C4', headers: { Origin: O, 'Access-Control-Request-Headers': 'x-amz-request-payer' }, status: 200, cors: {} },
  { id: 'T64', config: 'C4', headers: { Origin: O, 'x-amz-request-payer': 'requester' }, status: 200, cors: match(O, 'GET', maxAge(3000)) },
  { id: 'T65', config: 'none', headers: { Origin: 'whatever' }, status: 200, cors: {} },
  { id: 'T66', config: 'C8', path: '/b/missing', headers: { Origin: 'foo.suffix' }, status: 404, cors: match('foo.suffix', 'GET') },
  { id: 'T67', config: 'C8', method: 'PUT', path: '/b/bar', headers: { Origin: 'foo.suffix', ...acrm('GET') }, status: 403, cors: match('foo.suffix', 'GET') },
  { id: 'T68', config: 'C8', method: 'PUT', path: '/b/bar', headers: { Origin: 'foo.put' }, status: 403, cors: match('foo.put', 'PUT') },
  { id: 'T69', config: 'C1', path: '/', headers: { Origin: O }, status: 200, cors: {} },
];

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
      expect(res.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
      expect(res.headers['x-amz-id-2']).toBeDefined();
      const expected = vector.expected;
      if (isRefusal(expected)) {
        const refusal = expected;
        expect(res.status).toBe(refusal.status);
        expect(res.headers['content-type']).toBe('application/xml');
        expect(corsHeadersOf(res)).toEqual({});
        expect(res.headers.vary).toBeUndefined();
        const extra = refusal.method === undefined ? '' : `<Method>${refusal.method}</Method><ResourceType>${refusal.resourceType}</ResourceType>`;
        expect(res.text).toContain(`<Error><Code>${refusal.code}</Code><Message>${escapeXml(refusal.message)}</Message>${extra}<RequestId>`);
      } else {
        expect(res.status).toBe(200);
        expect(corsHeadersOf(res)).toEqual(expected);
        expect(res.headers.vary).toBe(CORS_VARY_VALUE);
        expect(res.headers['content-length']).toBe('0');
        expect(res.headers['content-type']).toBeUndefined();
        expect(res.text).toBe('');
      }
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
