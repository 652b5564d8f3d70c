// corsRouter over raw HTTP (supertest) on Express 5 and 4: docs/behaviour.md §16 vectors T01–T25, routing, check order, options.

import diagnosticsChannel from 'node:diagnostics_channel';
import request from 'supertest';
import { DIAGNOSTICS_CHANNELS, MemoryRuleStore } from 'express-bucket-cors';
import { corsRouter, type CorsRouterOptions } from 'express-bucket-cors/s3';
import { corsXml, FALLTHROUGH_STATUS, FlakyStore, md5, startRouterApp, VIRTUAL_HOST_DOMAIN, type RouterApp } from './router-harness';
import { ADMIN_CASES, C6_XML, elements, expectS3Error, T01_RULE } from '../../conformance/admin-cases';
import { conformanceClient } from '../../conformance/http';

const OWNER = '111122223333';
const EXISTING = new Set(['b', 'other']);


describe.each([5, 4] as const)('corsRouter on Express %i', (major) => {
  let app: RouterApp;
  let store: FlakyStore;
  let authorize: jest.Mock;
  const logger = { warn: jest.fn(), error: jest.fn() };

  async function start(overrides: Partial<CorsRouterOptions> = {}): Promise<void> {
    await app?.close();
    app = await startRouterApp({
      express: major,
      router: { store, authorize, bucketExists: (bucket) => EXISTING.has(bucket), bucketOwner: () => OWNER, logger, ...overrides },
    });
  }

  const put = (path: string, body: string | Buffer, headers: Record<string, string> = { 'content-md5': md5(body) }) =>
    request(app.url).put(path).set('Content-Type', 'application/xml').set(headers).send(body);
  const get = (path = '/b?cors') => request(app.url).get(path);
  const jsonOf = async (bucket = 'b') => (await get(`/${bucket}?cors`).set('Accept', 'application/json')).text;

  beforeEach(async () => {
    store = new FlakyStore(new MemoryRuleStore());
    authorize = jest.fn(() => true);
    logger.warn.mockReset();
    logger.error.mockReset();
    await start();
  });
  afterAll(() => app.close());

  describe('docs/behaviour.md vectors T01–T25', () => {
    it.each(ADMIN_CASES.map((testCase) => [testCase.id, testCase] as const))('%s', (_id, testCase) => testCase.run(conformanceClient(app.url)));
  });

  describe('routing', () => {
    it.each(['/b?cors', '/b?cors=', '/b/?cors', '/b/?cors=&x-id=PutBucketCors', '/b?x-id=PutBucketCors&cors'])('handles PUT %s', async (path) => {
      expect((await put(path, C6_XML)).status).toBe(200);
      expect(JSON.parse(await jsonOf()).CORSRules).toEqual([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }]);
    });

    it.each([
      ['GET', '/b'],
      ['GET', '/b/'],
      ['GET', '/b?corsx'],
      ['GET', '/b?x=cors'],
      ['GET', '/b/key?cors'],
      ['PUT', '/b/some/key?cors'],
      ['POST', '/b?cors'],
      ['HEAD', '/b?cors'],
      ['OPTIONS', '/b?cors'],
      ['GET', '/?cors'],
    ])('passes %s %s on to next()', async (method, path) => {
      const res = await request(app.url)[method.toLowerCase() as 'get'](path);
      expect(res.status).toBe(FALLTHROUGH_STATUS);
      expect(res.headers['x-fallthrough']).toBe('1');
    });

    it('works when mounted under a path (req.url is relative to the mount point)', async () => {
      await app.close();
      app = await startRouterApp({ express: major, mountPath: '/s3', router: { store, authorize } });
      expect((await put('/s3/b?cors', C6_XML)).status).toBe(200);
      expect((await get('/s3/b?cors')).status).toBe(200);
      expect((await get('/b?cors')).status).toBe(FALLTHROUGH_STATUS);
    });

    it('resolves virtual-hosted buckets from Host', async () => {
      await start({ addressing: { virtualHostDomains: [VIRTUAL_HOST_DOMAIN] } });
      const host = `b.${VIRTUAL_HOST_DOMAIN}:${app.port}`;
      expect((await put('/?cors', C6_XML).set('Host', host)).status).toBe(200);
      expect((await get('/?cors').set('Host', host)).status).toBe(200);
      expect((await get('/?cors').set('Host', `other.${VIRTUAL_HOST_DOMAIN}`)).status).toBe(404);
      expect((await get('/key?cors').set('Host', host)).status).toBe(FALLTHROUGH_STATUS);
      // Path-style still works next to it.
      expect((await get('/b?cors')).status).toBe(200);
    });

    it('checks what a custom resolver returns, as bucketCors does: nothing is stored under a malformed bucket; undefined passes on', async () => {
      await start({ bucketExists: undefined, addressing: { resolve: () => ({ bucket: '', key: '' }) } });
      const res = await put('/b?cors', C6_XML);
      expectS3Error(res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
      expect(await store.get('')).toBeNull();
      expect(String(logger.error.mock.calls[0]?.[1])).toContain('addressing.resolve must return');

      await start({ addressing: { resolve: () => undefined as unknown as null } });
      expect((await get()).status).toBe(FALLTHROUGH_STATUS);
    });
  });

  describe('authorization and check order', () => {
    it('asks authorize with the S3 action and bucket (DELETE is s3:PutBucketCORS)', async () => {
      await put('/b?cors', C6_XML);
      await get();
      await request(app.url).delete('/b?cors');
      expect(authorize.mock.calls.map(([req, context]) => [req.method, context])).toEqual([
        ['PUT', { action: 's3:PutBucketCORS', bucket: 'b', body: expect.any(Function) }],
        ['GET', { action: 's3:GetBucketCORS', bucket: 'b', body: expect.any(Function) }],
        ['DELETE', { action: 's3:PutBucketCORS', bucket: 'b', body: expect.any(Function) }],
      ]);
    });

    it('lets authorize read the body, which PutBucketCors then stores (read once)', async () => {
      let seen = '';
      authorize.mockImplementation(async (_req, { body }) => {
        seen = (await body()).toString('utf8');
        return true;
      });
      const res = await put('/b?cors', C6_XML);
      expect(res.status).toBe(200);
      expect(seen).toBe(C6_XML);
      expect((await store.get('b'))?.configuration.CORSRules.length).toBeGreaterThan(0);
    });

    it('answers 403 AccessDenied when authorize says no (also asynchronously), leaving rules alone', async () => {
      await put('/b?cors', C6_XML);
      const before = await jsonOf();
      authorize.mockImplementation(async () => false);
      expectS3Error(await put('/b?cors', corsXml([T01_RULE])), 403, 'AccessDenied', 'Access Denied');
      expectS3Error(await get(), 403, 'AccessDenied', 'Access Denied');
      expectS3Error(await request(app.url).delete('/b?cors'), 403, 'AccessDenied', 'Access Denied');
      authorize.mockImplementation(() => true);
      expect(await jsonOf()).toBe(before);
    });

    it('only `true` allows', async () => {
      authorize.mockImplementation(() => 'yes');
      expect((await get()).status).toBe(403);
    });

    it('answers with an S3Error thrown by authorize, and 500 InternalError for any other throw', async () => {
      const { S3Error } = await import('express-bucket-cors/s3');
      authorize.mockImplementation(() => {
        throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
      });
      expectS3Error(await get(), 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
      authorize.mockImplementation(async () => {
        throw new Error('auth backend down');
      });
      expectS3Error(await get(), 500, 'InternalError', 'We encountered an internal error. Please try again.');
      expect(logger.error).toHaveBeenCalled();
    });

    it('checks bucket existence before authorization (unknown bucket: 404 even when denied)', async () => {
      authorize.mockImplementation(() => false);
      expect((await get('/nosuch?cors')).text).toContain('<Code>NoSuchBucket</Code>');
      expect(authorize).not.toHaveBeenCalled();
    });

    it('checks authorization before the expected owner, and the owner before the integrity header', async () => {
      authorize.mockImplementation(() => false);
      expect((await put('/b?cors', C6_XML, { 'x-amz-expected-bucket-owner': 'abcd' })).text).toContain('<Code>AccessDenied</Code>');
      authorize.mockImplementation(() => true);
      expect((await put('/b?cors', C6_XML, { 'x-amz-expected-bucket-owner': 'abcd' })).text).toContain('<Code>InvalidBucketOwnerAWSAccountID</Code>');
    });

    it('checks the integrity header before the size, the size before the checksum, the checksum before the XML', async () => {
      const big = 'x'.repeat(70000);
      expect((await put('/b?cors', big, {})).text).toContain('Missing required header');
      expect((await put('/b?cors', big, { 'content-md5': md5('other') })).text).toContain('<Code>MaxMessageLengthExceeded</Code>');
      expect((await put('/b?cors', '<not xml', { 'content-md5': md5('other') })).text).toContain('<Code>BadDigest</Code>');
      expect((await put('/b?cors', '<not xml')).text).toContain('<Code>MalformedXML</Code>');
    });

    it('answers 503 ServiceUnavailable when bucketExists throws or rejects (a store failure behind it)', async () => {
      await start({
        bucketExists: () => {
          throw new Error('lookup failed');
        },
      });
      expectS3Error(await get(), 503, 'ServiceUnavailable', 'Please reduce your request rate.');
      await start({ bucketExists: () => Promise.reject(Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' })) });
      const res = await put('/b?cors', C6_XML);
      expectS3Error(res, 503, 'ServiceUnavailable', 'Please reduce your request rate.');
      expect(res.headers['retry-after']).toBe('1');
      expect(String(logger.error.mock.calls.at(-1)?.[0])).toContain('bucketExists failed for bucket "b" (ECONNRESET)');
    });

    it('answers 503 when bucketExists never answers, within storeTimeoutMs', async () => {
      await start({ bucketExists: () => new Promise<boolean>(() => {}), storeTimeoutMs: 100 });
      const started = Date.now();
      expectS3Error(await get(), 503, 'ServiceUnavailable', 'Please reduce your request rate.');
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });

  describe('x-amz-expected-bucket-owner', () => {
    it.each(['0000', '0000000000020', 'abcd', 'aa000000000$', 'invalid', '', '11112222333', '11112222333a', '-11112222333'])('refuses the malformed value %p', async (value) => {
      const res = await get().set('x-amz-expected-bucket-owner', value);
      expect(res.status).toBe(400);
      expect(res.text).toContain('<Code>InvalidBucketOwnerAWSAccountID</Code>');
    });

    it('lets the owner through, for every operation', async () => {
      const owner = { 'x-amz-expected-bucket-owner': OWNER };
      expect((await put('/b?cors', C6_XML, { ...owner, 'content-md5': md5(C6_XML) })).status).toBe(200);
      expect((await get().set(owner)).status).toBe(200);
      expect((await request(app.url).delete('/b?cors').set(owner)).status).toBe(204);
      expect((await request(app.url).delete('/b?cors').set('x-amz-expected-bucket-owner', '999999999999')).status).toBe(403);
    });

    it('without a bucketOwner hook, compares nothing but still refuses malformed values', async () => {
      await start({ bucketOwner: undefined });
      expect((await get().set('x-amz-expected-bucket-owner', '222233334444')).status).toBe(404);
      expect((await get().set('x-amz-expected-bucket-owner', 'abcd')).status).toBe(400);
    });

    it('skips the comparison when bucketOwner returns undefined', async () => {
      await start({ bucketOwner: async () => undefined });
      expect((await get().set('x-amz-expected-bucket-owner', '222233334444')).status).toBe(404);
    });

    it("ignores the header entirely in 'ignore' mode (as IBM COS)", async () => {
      await start({ expectedBucketOwner: 'ignore' });
      expect((await get().set('x-amz-expected-bucket-owner', 'abcd')).status).toBe(404);
      expect((await put('/b?cors', C6_XML, { 'content-md5': md5(C6_XML), 'x-amz-expected-bucket-owner': '222233334444' })).status).toBe(200);
    });
  });

  describe('JSON extension', () => {
    const json = JSON.stringify({ CORSRules: [{ ID: 'j', AllowedOrigins: ['https://a.test'], AllowedMethods: ['GET', 'PUT'], MaxAgeSeconds: 5 }] });

    it('accepts a JSON body with Content-Type: application/json and returns JSON for Accept: application/json', async () => {
      const res = await request(app.url).put('/b?cors').set('Content-Type', 'application/json; charset=utf-8').set('Content-MD5', md5(json)).send(json);
      expect(res.status).toBe(200);
      const read = await get().set('Accept', 'application/json');
      expect(read.headers['content-type']).toBe('application/json');
      expect(JSON.parse(read.text)).toEqual(JSON.parse(json));
      const xml = await get().set('Accept', 'text/html, application/xml;q=0.9, application/json');
      expect(xml.headers['content-type']).toBe('application/xml');
      expect(elements(xml.text, 'ID')).toEqual(['j']);
    });

    it('validates JSON like XML and answers malformed JSON with 400', async () => {
      const bad = JSON.stringify({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] });
      const res = await request(app.url).put('/b?cors').set('Content-Type', 'application/json').set('Content-MD5', md5(bad)).send(bad);
      expect(res.text).toContain('Unsupported method is PATCH');
      const broken = '{"CORSRules": [';
      const res2 = await request(app.url).put('/b?cors').set('Content-Type', 'application/json').set('Content-MD5', md5(broken)).send(broken);
      expect(res2.status).toBe(400);
      expect(res2.headers['content-type']).toBe('application/xml');
    });
  });

  describe('store failures', () => {
    it('answers 503 ServiceUnavailable with Retry-After, then recovers', async () => {
      await start({ retryAfterSeconds: 7 });
      store.failing = true;
      for (const res of [await put('/b?cors', C6_XML), await get(), await request(app.url).delete('/b?cors')]) {
        expectS3Error(res, 503, 'ServiceUnavailable', 'Please reduce your request rate.');
        expect(res.headers['retry-after']).toBe('7');
      }
      // One line per error kind per interval, however many requests meet the outage.
      expect(logger.error).toHaveBeenCalledTimes(1);
      expect(String(logger.error.mock.calls[0]?.[0])).toContain('rule store failed for bucket "b" (Error)');
      store.failing = false;
      expect((await put('/b?cors', C6_XML)).status).toBe(200);
      expect((await get()).status).toBe(200);
    });

    it('answers 503 within storeTimeoutMs while the store stalls; a PUT that timed out may land later, and repeating it is safe', async () => {
      await start({ storeTimeoutMs: 150, retryAfterSeconds: 2 });
      expect((await put('/b?cors', C6_XML)).status).toBe(200);
      store.stall();
      const started = Date.now();
      const replacement = corsXml([T01_RULE]);
      const answers = [await put('/b?cors', replacement), await get(), await request(app.url).delete('/other?cors')];
      for (const res of answers) {
        expectS3Error(res, 503, 'ServiceUnavailable', 'Please reduce your request rate.');
        expect(res.headers['retry-after']).toBe('2');
      }
      // Three calls in a row, each bounded by the 150 ms deadline (generous margin for a loaded machine).
      expect(Date.now() - started).toBeLessThan(3000);
      store.release();
      // The timed-out PUT went on and landed; the client's retry of the same body gives the same rules.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const landed = await jsonOf();
      expect((await put('/b?cors', replacement)).status).toBe(200);
      expect(await jsonOf()).toBe(landed);
      expect(JSON.parse(landed).CORSRules[0].AllowedOrigins).toEqual(T01_RULE.AllowedOrigins);
    });

    it('refuses a storeTimeoutMs that is not a positive number', () => {
      expect(() => corsRouter({ store, authorize, storeTimeoutMs: 0 })).toThrow('corsRouter: `storeTimeoutMs` must be a positive number of milliseconds (default 1000), not 0.');
    });

    it('publishes each store failure on the store-error diagnostics channel', async () => {
      const events: unknown[] = [];
      const listener = (message: unknown) => void events.push(message);
      diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.storeError, listener);
      try {
        store.failing = true;
        await get();
        await put('/b?cors', C6_XML);
      } finally {
        diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.storeError, listener);
      }
      expect(events).toEqual([
        { caller: 'admin', kind: 'Error', servedStale: false },
        { caller: 'admin', kind: 'Error', servedStale: false },
      ]);
    });

    it('defaults Retry-After to 1 second', async () => {
      store.failing = true;
      expect((await get()).headers['retry-after']).toBe('1');
    });
  });

  it('a rejected PUT of any kind leaves the stored rules exactly as they were', async () => {
    const original = corsXml([T01_RULE]);
    expect((await put('/b?cors', original)).status).toBe(200);
    const before = await jsonOf();
    const valid = corsXml([{ AllowedOrigins: ['https://new.test'], AllowedMethods: ['GET'] }]);
    const rejected = [
      await put('/b?cors', valid, {}),
      await put('/b?cors', valid, { 'content-md5': 'invalid' }),
      await put('/b?cors', valid, { 'content-md5': md5('x') }),
      await put('/b?cors', valid, { 'x-amz-checksum-crc32': 'AAAAAA==' }),
      await put('/b?cors', valid, { 'content-md5': md5(valid), 'x-amz-expected-bucket-owner': '999999999999' }),
      await put('/b?cors', '<CORSConfiguration><CORSRule>'),
      await put('/b?cors', corsXml([{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'BREW'] }])),
      await put('/b?cors', corsXml(Array.from({ length: 101 }, () => ({ AllowedOrigins: ['*'], AllowedMethods: ['GET'] })))),
      await put('/b?cors', corsXml([{ AllowedOrigins: ['a'.repeat(70000)], AllowedMethods: ['GET'] }])),
    ];
    expect(rejected.map((res) => res.status)).toEqual([400, 400, 400, 400, 403, 400, 400, 400, 400]);
    expect(await jsonOf()).toBe(before);
  });

  it('concurrent PUTs end with exactly one submitted configuration, whole', async () => {
    const configs = Array.from({ length: 20 }, (_, n) =>
      Array.from({ length: 1 + (n % 5) }, (_, i) => ({ ID: `put${n}-rule${i}`, AllowedOrigins: [`https://${n}.test`], AllowedMethods: ['GET'] })),
    );
    const results = await Promise.all(configs.map((rules) => put('/b?cors', corsXml(rules))));
    expect(results.map((res) => res.status)).toEqual(configs.map(() => 200));
    const final = JSON.parse(await jsonOf()).CORSRules;
    expect(configs).toContainEqual(final);
  });
});

describe('corsRouter options', () => {
  const store = new MemoryRuleStore();
  const allow = () => true;

  it('requires authorize, explaining how to allow everyone explicitly', () => {
    expect(() => corsRouter({ store } as unknown as CorsRouterOptions)).toThrow(TypeError);
    expect(() => corsRouter({ store } as unknown as CorsRouterOptions)).toThrow(/authorize.*\(\) => true/s);
    expect(() => corsRouter({ store, authorize: true } as unknown as CorsRouterOptions)).toThrow(/authorize/);
  });

  it.each([
    [undefined, /options object/],
    [{ authorize: allow }, /store/],
    [{ store: {}, authorize: allow }, /store/],
    [{ store, authorize: allow, bucketExists: true }, /bucketExists/],
    [{ store, authorize: allow, bucketOwner: '111122223333' }, /bucketOwner/],
    [{ store, authorize: allow, expectedBucketOwner: 'strict' }, /expectedBucketOwner.*'enforce'/],
    [{ store, authorize: allow, retryAfterSeconds: -1 }, /retryAfterSeconds/],
    [{ store, authorize: allow, retryAfterSeconds: 1.5 }, /retryAfterSeconds/],
    [{ store, authorize: allow, logger: {} }, /logger/],
    [{ store, authorize: allow, bucketOwners: () => '111122223333' }, /unknown option `bucketOwners`/],
    [{ store, authorize: allow, addressing: { virtualHostDomain: ['s3.test'] } }, /virtualHostDomain/],
  ])('refuses %p with a TypeError', (options, message) => {
    expect(() => corsRouter(options as unknown as CorsRouterOptions)).toThrow(TypeError);
    expect(() => corsRouter(options as unknown as CorsRouterOptions)).toThrow(message);
  });

  it('accepts the minimal options', () => {
    expect(typeof corsRouter({ store, authorize: allow })).toBe('function');
  });
});
