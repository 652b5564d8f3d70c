// bucketCors({ cacheTag }) over real HTTP: the tag header on every response for a bucket (preflights, refusals, actual
// requests with and without Origin), off by default, merged with the same header set before or after, Vary untouched.

import type { RequestHandler } from 'express';
import request from 'supertest';
import { bucketCors, MemoryRuleStore, type CacheTagOptions } from 'express-bucket-cors';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { silentLogger } from '../store/helpers';
import { defaultObjects, express5, objectApp, OBJECT_SERVER_HEADER } from './object-app';

const ORIGIN = 'https://app.example';
const RULES: CorsConfiguration = { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type'], MaxAgeSeconds: 600 }] };

async function appWith(cacheTag: CacheTagOptions | undefined, around: { before?: RequestHandler[]; after?: RequestHandler[] } = {}) {
  const store = new MemoryRuleStore();
  await store.put('b', RULES);
  const objects = defaultObjects();
  objects.set('bare', new Map([['k', 'no rules here']]));
  const cors = bucketCors({ store, bucketExists: (bucket) => objects.has(bucket), ...(cacheTag !== undefined && { cacheTag }) });
  return { cors, app: objectApp({ express: express5, middleware: [...(around.before ?? []), cors, ...(around.after ?? [])], objects }) };
}

/** One of each kind of response for a bucket: [label, request]. */
const RESPONSES: ReadonlyArray<readonly [string, (app: ReturnType<typeof request>) => request.Test, number]> = [
  ['allowed preflight', (app) => app.options('/b/k').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'PUT').set('Access-Control-Request-Headers', 'content-type'), 200],
  ['refused preflight', (app) => app.options('/b/k').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET'), 403],
  ['matched GET', (app) => app.get('/b/k').set('Origin', ORIGIN), 200],
  ['unmatched GET', (app) => app.get('/b/k').set('Origin', 'https://evil.example'), 200],
  ['GET without Origin', (app) => app.get('/b/k'), 200],
  ['404 of a missing key', (app) => app.get('/b/missing').set('Origin', ORIGIN), 404],
];

describe('cacheTag: on every response for a bucket', () => {
  test.each(RESPONSES)('%s: Cache-Tag bucket-cors.b, and the same Vary and CORS headers as without the option', async (_label, send, status) => {
    const on = await appWith({});
    const off = await appWith(undefined);
    const tagged = await send(request(on.app));
    const plain = await send(request(off.app));
    expect(tagged.status).toBe(status);
    expect(tagged.headers['cache-tag']).toBe('bucket-cors.b');
    expect(plain.headers['cache-tag']).toBeUndefined();
    const { 'cache-tag': _tag, date: _d, 'x-amz-request-id': _r, 'x-amz-id-2': _i, ...rest } = tagged.headers;
    const { date: _d2, 'x-amz-request-id': _r2, 'x-amz-id-2': _i2, ...restPlain } = plain.headers;
    expect(rest).toEqual(restPlain);
  });

  test('a bucket without rules is tagged too (rules put later must purge its copies); the service root is not', async () => {
    const { app, cors } = await appWith({ header: 'Surrogate-Key', tags: ['bucket-cors', 'bucket-cors.{bucket}'] });
    const bare = await request(app).get('/bare/k').set('Origin', ORIGIN);
    expect(bare.headers['surrogate-key']).toBe('bucket-cors bucket-cors.bare');
    expect((await request(app).options('/bare/k').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'GET')).headers['surrogate-key']).toBe('bucket-cors bucket-cors.bare');
    const root = await request(app).get('/');
    expect(root.headers[OBJECT_SERVER_HEADER]).toBe('1');
    expect(root.headers['surrogate-key']).toBeUndefined();
    // What to purge for one bucket: the tags that name it, not the one every bucket shares.
    expect(cors.cacheTagsFor('bare')).toEqual(['bucket-cors.bare']);
  });

  test('off by default: no header, no tags', async () => {
    const { app, cors } = await appWith(undefined);
    const tagHeaders = ['cache-tag', 'surrogate-key', 'xkey', 'edge-cache-tag'];
    for (const [, send] of RESPONSES) expect(Object.keys((await send(request(app))).headers).filter((name) => tagHeaders.includes(name))).toEqual([]);
    expect(cors.cacheTagsFor('b')).toEqual([]);
  });

  test('tags set before bucketCors are kept; a handler after it that sets the header adds to the tags (setHeader, res.set, writeHead)', async () => {
    const before: RequestHandler = (_req, res, next) => {
      res.setHeader('Surrogate-Key', 'site  edge');
      next();
    };
    const after: RequestHandler = (req, res, next) => {
      if (req.path === '/b/k') res.setHeader('Surrogate-Key', 'object-k bucket-cors.b');
      if (req.path === '/b/express') return void res.set('surrogate-key', 'object-express').send('express');
      if (req.path === '/b/head') return void res.writeHead(200, { 'Surrogate-Key': ['object-head', 'more'], 'Content-Length': '0' }).end();
      next();
    };
    const { app } = await appWith({ header: 'Surrogate-Key' }, { before: [before], after: [after] });
    expect((await request(app).get('/b/k').set('Origin', ORIGIN)).headers['surrogate-key']).toBe('object-k bucket-cors.b');
    expect((await request(app).get('/b/express')).headers['surrogate-key']).toBe('object-express bucket-cors.b');
    expect((await request(app).get('/b/head')).headers['surrogate-key']).toBe('object-head more bucket-cors.b');
    expect((await request(app).get('/b/missing')).headers['surrogate-key']).toBe('site edge bucket-cors.b');
  });

  test("comma-separated for Cache-Tag and other names, space-separated for Surrogate-Key and xkey, or as `separator` says", async () => {
    const tags = ['all', 'bucket-cors.{bucket}'];
    expect((await request((await appWith({ header: 'Edge-Cache-Tag', tags })).app).get('/b/k')).headers['edge-cache-tag']).toBe('all,bucket-cors.b');
    expect((await request((await appWith({ header: 'xkey', tags })).app).get('/b/k')).headers.xkey).toBe('all bucket-cors.b');
    expect((await request((await appWith({ header: 'X-Purge-Tags', tags, separator: ' ' })).app).get('/b/k')).headers['x-purge-tags']).toBe('all bucket-cors.b');
  });

  test('bucket names are written as letters, digits, . _ - and %XX (UTF-8); a tag longer than 1024 characters is left out', async () => {
    const { cors, app } = await appWith({ tags: ['t.{bucket}', 'x'.repeat(1000) + '{bucket}'] });
    expect(cors.cacheTagsFor('My_Bucket-1.eu')).toEqual(['t.My_Bucket-1.eu', 'x'.repeat(1000) + 'My_Bucket-1.eu']);
    expect(cors.cacheTagsFor('a b,c*ü\r\n')).toEqual(['t.a%20b%2Cc%2A%C3%BC%0D%0A', 'x'.repeat(1000) + 'a%20b%2Cc%2A%C3%BC%0D%0A']);
    expect(cors.cacheTagsFor('\ud800')).toEqual(['t.%EF%BF%BD', `${'x'.repeat(1000)}%EF%BF%BD`]);
    expect(cors.cacheTagsFor('y'.repeat(30))).toEqual([`t.${'y'.repeat(30)}`]);
    // On the wire, the same: a path-style bucket is the segment as sent (`my%20b`), whose `%` is encoded too.
    expect((await request(app).get('/my%20b/k')).headers['cache-tag']).toBe(cors.cacheTagsFor('my%20b').join(','));
    expect(cors.cacheTagsFor('my%20b')[0]).toBe('t.my%2520b');
  });
});

describe('cacheTag: checked at construction', () => {
  test.each([
    [{ headr: 'Cache-Tag' }, 'unknown option `cacheTag.headr` (did you mean `cacheTag.header`?)'],
    [{ header: 'Cache Tag' }, '`cacheTag.header` must be a header name'],
    [{ header: '' }, '`cacheTag.header` must be a header name'],
    [{ header: 'Vary' }, '`cacheTag.header` must be a header of its own'],
    [{ header: 'access-control-allow-origin' }, '`cacheTag.header` must be a header of its own'],
    [{ tags: [] }, '`cacheTag.tags` must be a non-empty array of tag templates'],
    [{ tags: 'bucket-cors.{bucket}' }, '`cacheTag.tags` must be a non-empty array'],
    [{ tags: ['a,{bucket}'] }, '`cacheTag.tags` must be a non-empty array'],
    [{ tags: ['a {bucket}'] }, '`cacheTag.tags` must be a non-empty array'],
    [{ tags: ['{bucket}\n'] }, '`cacheTag.tags` must be a non-empty array'],
    [{ tags: ['{buckets}'] }, '`cacheTag.tags` must be a non-empty array'],
    [{ tags: ['everything'] }, '`cacheTag.tags` must name {bucket} in at least one tag'],
    [{ separator: ';' }, "`cacheTag.separator` must be ' ' or ','"],
    ['Cache-Tag', '`cacheTag` must be an object'],
  ])('%j: %s', (cacheTag, message) => {
    expect(() => bucketCors({ cacheTag: cacheTag as CacheTagOptions })).toThrow(message);
  });

  test('a header name close to one a CDN reads is warned about, with "did you mean"; a name of your own is not', () => {
    const logger = silentLogger();
    bucketCors({ logger, cacheTag: { header: 'Surrogate-Keys' } });
    expect(logger.warn).toHaveBeenCalledWith('express-bucket-cors: `cacheTag.header` "Surrogate-Keys" is not a header a CDN reads tags from (did you mean "Surrogate-Key"?)');
    logger.warn.mockClear();
    bucketCors({ logger, cacheTag: { header: 'X-Purge-Group' } });
    bucketCors({ logger, cacheTag: { header: 'surrogate-key' } });
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
