// corsRouter over raw HTTP (supertest) on Express 5 and 4: docs/behaviour.md §16 vectors T01–T25, routing, check order, options.

import diagnosticsChannel from 'node:diagnostics_channel';
import request from 'supertest';
import { DIAGNOSTICS_CHANNELS, MemoryRuleStore } from 'express-bucket-cors';
import { corsRouter, type CorsRouterOptions } from 'express-bucket-cors/s3';
import type { CorsRule } from 'express-bucket-cors/core';
import { corsXml, FALLTHROUGH_STATUS, FlakyStore, md5, startRouterApp, VIRTUAL_HOST_DOMAIN, type RouterApp } from './router-harness';

const OWNER = '111122223333';
const EXISTING = new Set(['b', 'other']);

/** Asserts an S3 XML error: status, code, message, extra members in order, request ids in headers and body. */
function expectS3Error(res: request.Response, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  expect({ status: res.status, text: res.text }).toMatchObject({ status });
  expect(res.headers['content-type']).toBe('application/xml');
  const members = Object.entries(extra)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join('');
  const requestId = res.headers['x-amz-request-id'];
  expect(requestId).toMatch(/^[0-9A-F]{16}$/);
  expect(res.headers['x-amz-id-2']).toBeTruthy();
  expect(res.text).toContain(`<Error><Code>${code}</Code><Message>${message}</Message>${members}<RequestId>${requestId}</RequestId>`);
}

/** Values of every `<name>` element of an XML document, in order. */
function elements(xml: string, name: string): string[] {
  const values: string[] = [];
  for (const part of xml.split(`<${name}>`).slice(1)) values.push(part.slice(0, part.indexOf(`</${name}>`)));
  return values;
}

const T01_RULE: CorsRule = {
  AllowedOrigins: ['https://test.com', 'https://app.test.com', 'http://test.com:80'],
  AllowedMethods: ['GET', 'PUT', 'HEAD'],
  MaxAgeSeconds: 3000,
  AllowedHeaders: ['x-amz-expected-bucket-owner', 'x-amz-server-side-encryption'],
};
const C6_XML = corsXml([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }]);

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
    it('T01/T02: a valid PUT answers 200 with an empty body; GET returns the same values in order', async () => {
      const res = await put('/b?cors', corsXml([T01_RULE]));
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers['content-length']).toBe('0');
      expect(res.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
      expect(res.headers['x-amz-id-2']).toBeTruthy();

      const read = await get();
      expect(read.status).toBe(200);
      expect(read.headers['content-type']).toBe('application/xml');
      expect(read.headers['x-amz-request-id']).toBeTruthy();
      expect(read.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<CORSConfiguration xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/">/);
      expect(elements(read.text, 'CORSRule')).toHaveLength(1);
      expect(elements(read.text, 'AllowedOrigin')).toEqual(T01_RULE.AllowedOrigins);
      expect(elements(read.text, 'AllowedMethod')).toEqual(T01_RULE.AllowedMethods);
      expect(elements(read.text, 'AllowedHeader')).toEqual(T01_RULE.AllowedHeaders);
      expect(elements(read.text, 'MaxAgeSeconds')).toEqual(['3000']);
      expect(elements(read.text, 'ExposeHeader')).toEqual([]);
      expect(elements(read.text, 'ID')).toEqual([]);
    });

    it('T03: AllowedHeader casing is kept', async () => {
      const headers = ['x-amz-expected-bucket-owner', 'x-amz-server-side-encryption-customer-algorithm', 'x-AMZ-server-SIDE-encryption'];
      expect((await put('/b?cors', corsXml([{ AllowedOrigins: ['https://localhost:4200'], AllowedMethods: ['GET'], MaxAgeSeconds: 3000, AllowedHeaders: headers }]))).status).toBe(200);
      expect(elements((await get()).text, 'AllowedHeader')).toEqual(headers);
    });

    it('T04: an unsupported method', async () => {
      const res = await put('/b?cors', corsXml([{ AllowedOrigins: ['*', 'https://test.com'], AllowedMethods: ['GET', 'PUT', 'HEAD', 'MYMETHOD'] }]));
      expectS3Error(res, 400, 'InvalidRequest', 'Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD');
    });

    it('T05: a configuration without rules', async () => {
      expectS3Error(
        await put('/b?cors', '<CORSConfiguration/>'),
        400,
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
      );
    });

    it('T06: an empty AllowedOrigin is stored and returned', async () => {
      expect((await put('/b?cors', corsXml([{ AllowedOrigins: [''], AllowedMethods: ['GET', 'PUT', 'HEAD'] }]))).status).toBe(200);
      expect(JSON.parse(await jsonOf()).CORSRules[0].AllowedOrigins).toEqual(['']);
    });

    it('T07: two wildcards in an AllowedOrigin', async () => {
      const res = await put('/b?cors', corsXml([{ AllowedOrigins: ['*example*.com'], AllowedMethods: ['GET'] }]));
      expectS3Error(res, 400, 'InvalidRequest', 'AllowedOrigin &quot;*example*.com&quot; can not have more than one wildcard.');
    });

    it('T08: a wildcard in an ExposeHeader', async () => {
      const res = await put('/b?cors', corsXml([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['x-amz-meta-*'] }]));
      expectS3Error(res, 400, 'InvalidRequest', 'ExposeHeader &quot;x-amz-meta-*&quot; contains wildcard. We currently do not support wildcard for ExposeHeader.');
    });

    it('T09: a lower-case method', async () => {
      const res = await put('/b?cors', corsXml([{ AllowedOrigins: ['*'], AllowedMethods: ['get'] }]));
      expectS3Error(res, 400, 'InvalidRequest', 'Found unsupported HTTP method in CORS config. Unsupported method is get');
    });

    it('T10/T11: a rule without AllowedMethod or without AllowedOrigin', async () => {
      for (const rule of ['<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>', '<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>']) {
        expect((await put('/b?cors', `<CORSConfiguration>${rule}</CORSConfiguration>`)).text).toContain('<Code>MalformedXML</Code>');
      }
    });

    it('T12/T13: 100 rules are stored, 101 are refused', async () => {
      const rules = (count: number) => Array.from({ length: count }, (_, i) => ({ ID: `r${i}`, AllowedOrigins: [`https://o${i}.test`], AllowedMethods: ['GET'] }));
      expect((await put('/b?cors', corsXml(rules(100)))).status).toBe(200);
      expect(elements((await get()).text, 'ID')).toEqual(rules(100).map((rule) => rule.ID));
      const res = await put('/b?cors', corsXml(rules(101)));
      expect(res.status).toBe(400);
      expect(res.text).toContain('<Code>InvalidRequest</Code>');
      expect(elements((await get()).text, 'ID')).toHaveLength(100);
    });

    it('T14: a body over 64 KiB', async () => {
      const body = corsXml([{ AllowedOrigins: ['x'.repeat(65 * 1024)], AllowedMethods: ['GET'] }]);
      expectS3Error(await put('/b?cors', body), 400, 'MaxMessageLengthExceeded', 'Your request was too big.', { MaxMessageLengthBytes: '65536' });
    });

    it('T14: a body of exactly 65,536 bytes is read (and judged on its content)', async () => {
      const head = '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>';
      const tail = '</AllowedOrigin></CORSRule></CORSConfiguration>';
      const body = head + 'o'.repeat(65536 - head.length - tail.length) + tail;
      expect(Buffer.byteLength(body)).toBe(65536);
      expect((await put('/b?cors', body)).status).toBe(200);
      const over = head + 'o'.repeat(65537 - head.length - tail.length) + tail;
      expect((await put('/b?cors', over)).text).toContain('<Code>MaxMessageLengthExceeded</Code>');
    });

    it('T15: no integrity header', async () => {
      expectS3Error(await put('/b?cors', C6_XML, {}), 400, 'InvalidRequest', 'Missing required header for this request: Content-MD5 OR x-amz-checksum-*');
    });

    it('T16: Content-MD5: invalid', async () => {
      expectS3Error(await put('/b?cors', C6_XML, { 'content-md5': 'invalid' }), 400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', {
        'Content-MD5': 'invalid',
      });
    });

    it('T17: a well-formed but wrong Content-MD5', async () => {
      expectS3Error(
        await put('/b?cors', C6_XML, { 'content-md5': md5('something else') }),
        400,
        'BadDigest',
        'The Content-MD5 you specified did not match what we received.',
      );
    });

    it('T18: a correct x-amz-checksum-crc32 alone', async () => {
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(require('node:zlib').crc32(C6_XML));
      expect((await put('/b?cors', C6_XML, { 'x-amz-checksum-crc32': crc.toString('base64') })).status).toBe(200);
    });

    it('T19: no namespace, children in any order, no MaxAgeSeconds', async () => {
      const body =
        '<CORSConfiguration><CORSRule><MaxAgeSeconds>10</MaxAgeSeconds><AllowedOrigin>https://a.test</AllowedOrigin><ID>x</ID>' +
        '<AllowedMethod>GET</AllowedMethod></CORSRule><CORSRule><ExposeHeader>ETag</ExposeHeader><AllowedMethod>PUT</AllowedMethod>' +
        '<AllowedHeader>*</AllowedHeader><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>';
      expect((await put('/b?cors', body)).status).toBe(200);
      expect(JSON.parse(await jsonOf()).CORSRules).toEqual([
        { ID: 'x', AllowedOrigins: ['https://a.test'], AllowedMethods: ['GET'], MaxAgeSeconds: 10 },
        { AllowedOrigins: ['*'], AllowedMethods: ['PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] },
      ]);
    });

    it('T20: an unknown bucket, for each operation', async () => {
      for (const res of [await put('/nosuch?cors', C6_XML), await get('/nosuch?cors'), await request(app.url).delete('/nosuch?cors')]) {
        expectS3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: 'nosuch' });
      }
    });

    it('T21: x-amz-expected-bucket-owner of another account', async () => {
      expectS3Error(await put('/b?cors', C6_XML, { 'content-md5': md5(C6_XML), 'x-amz-expected-bucket-owner': '222233334444' }), 403, 'AccessDenied', 'Access Denied');
      expect((await get()).status).toBe(404);
    });

    it('T22: a malformed x-amz-expected-bucket-owner', async () => {
      expectS3Error(
        await get().set('x-amz-expected-bucket-owner', 'abcd'),
        400,
        'InvalidBucketOwnerAWSAccountID',
        'The value of the expected bucket owner parameter must be an AWS Account ID... [abcd]',
      );
    });

    it('T23: GET without a configuration', async () => {
      expectS3Error(await get(), 404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist', { BucketName: 'b' });
    });

    it('T24: DELETE without a configuration', async () => {
      const res = await request(app.url).delete('/b?cors');
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers['x-amz-request-id']).toBeTruthy();
      expect(res.headers['x-amz-id-2']).toBeTruthy();
    });

    it('T25: PUT, DELETE, GET', async () => {
      expect((await put('/b?cors', C6_XML)).status).toBe(200);
      expect((await get()).status).toBe(200);
      expect((await request(app.url).delete('/b?cors')).status).toBe(204);
      expectS3Error(await get(), 404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist', { BucketName: 'b' });
    });
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
