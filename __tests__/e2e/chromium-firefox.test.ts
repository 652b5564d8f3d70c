// What Chromium and Firefox do with the demo bucket's CORS answers that the rules' behaviour depends on:
// preflight caching (MaxAgeSeconds), the request headers they preflight, Range, credentials. docs/behaviour.md "Browsers" has the figures.

import { CreateBucketCommand, DeleteBucketCorsCommand, HeadObjectCommand, PutBucketCorsCommand, PutObjectCommand, type CORSRule } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDemoServer, type DemoServer } from '../../examples/server/app';
import { BLOCKED_FETCH_ERROR, BROWSER_NAMES, launchBrowser, type BrowserName, type TestBrowser, type TestPage } from '../support/browsers';
import { closeServer, listen, s3Client } from './demo';

const LAUNCH_HOOK_TIMEOUT_MS = 120_000;
const WARM_UP_ATTEMPTS = 10;

/** The fetch() cache modes that make each browser skip its preflight cache (and preflight again). */
const PREFLIGHT_CACHE_BYPASS: Record<BrowserName, readonly RequestCache[]> = {
  chromium: ['no-store', 'no-cache', 'reload'],
  firefox: ['no-store', 'reload'],
};

/** What the demo server received: method, URL and headers of each request, oldest first. */
interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

type PageFetch = { readonly ok: true; readonly status: number; readonly etag: string | null } | { readonly ok: false; readonly error: string };
type FetchInit = { method?: string; headers?: Record<string, string>; body?: string; cache?: RequestCache; credentials?: RequestCredentials };

function pageFetch(page: TestPage, url: string, init: FetchInit): Promise<PageFetch> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const response = await fetch(url, init);
        await response.arrayBuffer();
        return { ok: true as const, status: response.status, etag: response.headers.get('etag') };
      } catch (error) {
        return { ok: false as const, error: String(error) };
      }
    },
    { url, init },
  );
}

const md5 = (text: string): string => `"${createHash('md5').update(text).digest('hex')}"`;

describe.each(BROWSER_NAMES)('%s: how the browser uses the bucket rules', (browserName) => {
  let demo: DemoServer;
  let demoServer: Server;
  let s3: S3Client;
  let endpoint: string;
  let pageServer: Server;
  let browser: TestBrowser;
  let page: TestPage;
  let origin: string;
  const seen: SeenRequest[] = [];
  const bucket = `diff-${randomBytes(4).toString('hex')}`;
  const blocked = { ok: false, error: BLOCKED_FETCH_ERROR[browserName] };

  const putRules = (rule: Partial<CORSRule>) =>
    s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['x-amz-meta-*'], ExposeHeaders: ['ETag'], ...rule }] },
      }),
    );
  /** A presigned PUT whose x-amz-meta-note is a signed header, so the browser must send it and preflight. */
  const presignedPut = (key: string) =>
    getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key, Metadata: { note: 'n' } }), { expiresIn: 300, unhoistableHeaders: new Set(['x-amz-meta-note']) });
  const putFrom = (url: string, body: string, cache: RequestCache = 'default') =>
    pageFetch(page, url, { method: 'PUT', headers: { 'x-amz-meta-note': 'n' }, body, cache });
  /** The methods the server saw since `mark` (an index into `seen`). */
  const methodsSince = (mark: number) => seen.slice(mark).map((request) => request.method);

  beforeAll(async () => {
    demo = createDemoServer({ logger: { warn() {}, error: console.error } });
    demoServer = await listen((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      demo.app(req, res);
    });
    endpoint = `http://127.0.0.1:${(demoServer.address() as AddressInfo).port}`;
    s3 = s3Client(endpoint, demo.credentials);
    pageServer = await listen((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><title>origin</title>');
    });
    origin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
    browser = await launchBrowser(browserName);
    page = await browser.open(`${origin}/`);
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'hello.txt', Body: 'hi', ACL: 'public-read' }));
    // Firefox (153, driven over WebDriver BiDi) reused none of the first few preflight answers of a session (three
    // in a row on one URL, more when spread over URLs), whatever their Max-Age; every later one as Max-Age says.
    // Warm up until the browser sends a PUT on a cached preflight, so the tests below see the steady state.
    await putRules({ MaxAgeSeconds: 600 });
    const warmUp = await presignedPut('warm-up');
    for (let attempt = 0; attempt < WARM_UP_ATTEMPTS; attempt++) {
      const mark = seen.length;
      await putFrom(warmUp, 'warm-up');
      if (methodsSince(mark).join() === 'PUT') return;
    }
    throw new Error(`${browserName} preflighted all ${WARM_UP_ATTEMPTS} PUTs to one URL despite Access-Control-Max-Age: 600`);
  }, LAUNCH_HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (pageServer) await closeServer(pageServer);
    s3?.destroy();
    if (demoServer) await closeServer(demoServer);
    await demo?.close();
  });

  describe('preflight cache (MaxAgeSeconds → Access-Control-Max-Age)', () => {
    test('MaxAgeSeconds 0: every PUT is preflighted', async () => {
      await putRules({ MaxAgeSeconds: 0 });
      const url = await presignedPut('max-age-0');
      const mark = seen.length;
      expect(await putFrom(url, 'one')).toMatchObject({ ok: true, status: 200 });
      expect(await putFrom(url, 'two')).toMatchObject({ ok: true, status: 200 });
      expect(methodsSince(mark)).toEqual(['OPTIONS', 'PUT', 'OPTIONS', 'PUT']);
    });

    test('MaxAgeSeconds -1 (S3 stores and sends negatives as they are): not cached either', async () => {
      await putRules({ MaxAgeSeconds: -1 });
      const url = await presignedPut('max-age-negative');
      const mark = seen.length;
      await putFrom(url, 'one');
      expect(await putFrom(url, 'two')).toMatchObject({ ok: true, status: 200 });
      expect(methodsSince(mark)).toEqual(['OPTIONS', 'PUT', 'OPTIONS', 'PUT']);
    });

    test('MaxAgeSeconds 600: a second PUT to the same URL reuses the cached preflight', async () => {
      await putRules({ MaxAgeSeconds: 600 });
      const url = await presignedPut('max-age-600');
      const mark = seen.length;
      await putFrom(url, 'one');
      expect(await putFrom(url, 'two')).toMatchObject({ ok: true, status: 200, etag: md5('two') });
      expect(methodsSince(mark)).toEqual(['OPTIONS', 'PUT', 'PUT']);
    });

    test('MaxAgeSeconds 2: once it has passed, the browser preflights again', async () => {
      await putRules({ MaxAgeSeconds: 2 });
      const url = await presignedPut('max-age-2');
      const mark = seen.length;
      await putFrom(url, 'one');
      await sleep(3000);
      expect(await putFrom(url, 'two')).toMatchObject({ ok: true, status: 200 });
      expect(methodsSince(mark)).toEqual(['OPTIONS', 'PUT', 'OPTIONS', 'PUT']);
    });

    test('no MaxAgeSeconds (no Access-Control-Max-Age): the browser still caches the preflight, for 5 s', async () => {
      await putRules({ MaxAgeSeconds: undefined });
      const url = await presignedPut('max-age-absent');
      const mark = seen.length;
      const start = Date.now();
      await putFrom(url, 'one');
      await putFrom(url, 'two'); // well within 5 s of the first
      await sleep(Math.max(0, 6000 - (Date.now() - start)));
      await putFrom(url, 'three');
      expect(methodsSince(mark)).toEqual(['OPTIONS', 'PUT', 'PUT', 'OPTIONS', 'PUT']);
    });

    test(`fetch()'s cache modes that skip the preflight cache: ${PREFLIGHT_CACHE_BYPASS[browserName].join(', ')}`, async () => {
      await putRules({ MaxAgeSeconds: 600 });
      const url = await presignedPut('cache-modes');
      await putFrom(url, 'first');
      const preflighted: RequestCache[] = [];
      for (const cache of ['default', 'no-store', 'no-cache', 'reload', 'force-cache'] as const) {
        const mark = seen.length;
        await putFrom(url, cache, cache);
        if (methodsSince(mark)[0] === 'OPTIONS') preflighted.push(cache);
      }
      expect(preflighted).toEqual(PREFLIGHT_CACHE_BYPASS[browserName]);
    });

    test('a cached preflight outlives DELETE ?cors: the next PUT is sent unpreflighted and stored; only its response is hidden', async () => {
      await putRules({ MaxAgeSeconds: 600 });
      const url = await presignedPut('after-delete');
      await putFrom(url, 'before');
      await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
      const mark = seen.length;
      expect(await putFrom(url, 'after')).toEqual(blocked);
      expect(methodsSince(mark)).toEqual(['PUT']);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'after-delete' }));
      expect(head.ETag).toBe(md5('after'));
    });
  });

  describe('request headers', () => {
    test('Access-Control-Request-Headers: names lower-cased, sorted, joined by "," alone, CORS-safelisted ones left out; AllowedHeaders match any case', async () => {
      await putRules({ MaxAgeSeconds: 0, AllowedHeaders: ['X-AMZ-META-*'] });
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'header-names', Metadata: { note: 'n', a: 'a', b: 'b' } }), {
        expiresIn: 300,
        unhoistableHeaders: new Set(['x-amz-meta-note', 'x-amz-meta-a', 'x-amz-meta-b']),
      });
      const mark = seen.length;
      const result = await pageFetch(page, url, {
        method: 'PUT',
        headers: { 'X-Amz-Meta-Note': 'n', 'X-Amz-Meta-B': 'b', 'x-amz-meta-a': 'a', 'Content-Type': 'text/plain', 'Accept-Language': 'de' },
        body: 'headers',
      });
      expect(result).toMatchObject({ ok: true, status: 200 });
      const preflight = seen.slice(mark).find((request) => request.method === 'OPTIONS');
      expect(preflight?.headers['access-control-request-headers']).toBe('x-amz-meta-a,x-amz-meta-b,x-amz-meta-note');
    });

    test('a PUT with only safelisted headers is preflighted without Access-Control-Request-Headers', async () => {
      await putRules({ MaxAgeSeconds: 0 });
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'safelisted' }), { expiresIn: 300 });
      const mark = seen.length;
      expect(await pageFetch(page, url, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'plain' })).toMatchObject({ ok: true, status: 200 });
      const preflight = seen.slice(mark).find((request) => request.method === 'OPTIONS');
      expect(preflight?.headers).toMatchObject({ 'access-control-request-method': 'PUT' });
      expect(preflight?.headers).not.toHaveProperty('access-control-request-headers');
    });

    test('Range: a single first-last range is sent without a preflight; a suffix range is preflighted (and refused unless AllowedHeaders lists it)', async () => {
      await putRules({ MaxAgeSeconds: 0, AllowedHeaders: [] });
      const object = `${endpoint}/${bucket}/hello.txt`;
      let mark = seen.length;
      expect(await pageFetch(page, object, { headers: { Range: 'bytes=0-0' }, cache: 'no-store' })).toMatchObject({ ok: true, status: 200 });
      expect(methodsSince(mark)).toEqual(['GET']);
      mark = seen.length;
      expect(await pageFetch(page, object, { headers: { Range: 'bytes=-1' }, cache: 'no-store' })).toEqual(blocked);
      expect(methodsSince(mark)).toEqual(['OPTIONS']);
      await putRules({ MaxAgeSeconds: 0, AllowedHeaders: ['range'] });
      expect(await pageFetch(page, object, { headers: { Range: 'bytes=-1' }, cache: 'no-store' })).toMatchObject({ ok: true });
    });
  });

  // GETs below use cache: 'no-store', so the HTTP cache never answers with the CORS headers of an earlier rule.
  describe('credentials', () => {
    const object = () => `${endpoint}/${bucket}/hello.txt`;

    test('AllowedOrigin *: answered with Access-Control-Allow-Origin: *, readable without credentials, blocked with credentials: include', async () => {
      await putRules({ AllowedOrigins: ['*'] });
      const direct = await fetch(object(), { headers: { Origin: origin } });
      expect(direct.headers.get('access-control-allow-origin')).toBe('*');
      expect(direct.headers.get('access-control-allow-credentials')).toBeNull();
      expect(await pageFetch(page, object(), { credentials: 'omit', cache: 'no-store' })).toMatchObject({ ok: true, status: 200 });
      expect(await pageFetch(page, object(), { credentials: 'include', cache: 'no-store' })).toEqual(blocked);
    });

    test('a listed origin is echoed with Access-Control-Allow-Credentials: true, so credentialed requests are readable', async () => {
      await putRules({ AllowedOrigins: [origin] });
      expect(await pageFetch(page, object(), { credentials: 'include', cache: 'no-store' })).toMatchObject({ ok: true, status: 200, etag: md5('hi') });
    });
  });
});
