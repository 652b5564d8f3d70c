// Real headless Chromium and Firefox on one origin calling a bucket on another: two demo instances share one real Redis;
// then a MediaStore container's data plane, its CORS policy set through the MediaStore SDK.

import { DeleteCorsPolicyCommand, MediaStoreClient, PutCorsPolicyCommand, type CorsRule as MediaStoreCorsRule } from '@aws-sdk/client-mediastore';
import { CreateBucketCommand, DeleteBucketCorsCommand, HeadObjectCommand, PutBucketCorsCommand, PutObjectCommand, type CORSRule } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { mediaStoreDialect, mediaStoreRouter } from 'express-bucket-cors/mediastore';
import { bucketCors, MemoryRuleStore } from 'express-bucket-cors';
import { BLOCKED_FETCH_ERROR, BROWSER_NAMES, VIEWPORT, isRunning, launchBrowser, processTree, type TestBrowser, type TestPage } from '../support/browsers';
import { startRedis, type RedisServerHandle } from '../support/redis';
import { closeServer, listen, startDemo, type RunningDemo } from './demo';

// Firefox takes several seconds to start on a fresh profile; two cores shared with other test files.
const LAUNCH_HOOK_TIMEOUT_MS = 120_000;

/** What a `fetch()` inside the page gave: a response (with the headers the page may read), or the browser's refusal. */
type PageFetch = { readonly ok: true; readonly status: number; readonly etag: string | null; readonly text: string } | { readonly ok: false; readonly error: string };

function pageFetch(page: TestPage, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<PageFetch> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const response = await fetch(url, { ...init, cache: 'no-store' });
        return { ok: true as const, status: response.status, etag: response.headers.get('etag'), text: await response.text() };
      } catch (error) {
        return { ok: false as const, error: String(error) };
      }
    },
    { url, init },
  );
}

const md5 = (text: string): string => `"${createHash('md5').update(text).digest('hex')}"`;

describe.each(BROWSER_NAMES)('browser (headless %s) → demo bucket on another origin', (browserName) => {
  let redis: RedisServerHandle;
  let a: RunningDemo;
  let b: RunningDemo;
  let pageServer: Server;
  let browser: TestBrowser;
  let page: TestPage;
  let otherPage: TestPage;
  let allowedOrigin: string;
  const bucket = `web-${randomBytes(4).toString('hex')}`;
  const note = `from-${browserName}`;
  const blocked = { ok: false, error: BLOCKED_FETCH_ERROR[browserName] };

  const rules = (exposeEtag: boolean): CORSRule[] => [
    {
      AllowedOrigins: [allowedOrigin],
      AllowedMethods: ['GET', 'PUT'],
      AllowedHeaders: ['x-amz-meta-*'],
      ExposeHeaders: exposeEtag ? ['ETag'] : [],
      MaxAgeSeconds: 0, // never cached by the browser: each preflight reaches the server
    },
  ];
  const putRules = (demo: RunningDemo, exposeEtag: boolean) =>
    demo.s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules(exposeEtag) } }));
  /** A presigned PUT whose x-amz-meta-note is signed as a header: the browser must send it, so it preflights. */
  const presignedPut = (key: string) =>
    getSignedUrl(a.s3, new PutObjectCommand({ Bucket: bucket, Key: key, Metadata: { note } }), {
      expiresIn: 120,
      unhoistableHeaders: new Set(['x-amz-meta-note']),
    });
  const objectUrl = (key: string) => `${a.endpoint}/${bucket}/${key}`;

  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startDemo({ redisUrl: redis.url }), startDemo({ redisUrl: redis.url })]);
    pageServer = await listen((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><title>origin</title>');
    });
    const pagePort = (pageServer.address() as AddressInfo).port;
    allowedOrigin = `http://127.0.0.1:${pagePort}`;
    browser = await launchBrowser(browserName);
    page = await browser.open(`${allowedOrigin}/`);
    // Same server, other host name: another origin, not listed in the rules.
    otherPage = await browser.open(`http://localhost:${pagePort}/`);

    await a.s3.send(new CreateBucketCommand({ Bucket: bucket, ACL: 'public-read' }));
    await a.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'hello.txt', Body: 'hi', ACL: 'public-read' }));
    await putRules(a, true);
  }, LAUNCH_HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (pageServer) await closeServer(pageServer);
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  test('a bucket created through one instance is seen by the other (shared Redis)', async () => {
    const head = await b.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'hello.txt' }));
    expect(head.ETag).toBe(md5('hi'));
  });

  test('a GET allowed by the rules succeeds and its exposed ETag is readable', async () => {
    const result = await pageFetch(page, objectUrl('hello.txt'));
    expect(result).toEqual({ ok: true, status: 200, etag: md5('hi'), text: 'hi' });
  });

  test('a PUT with a custom header is preflighted, then succeeds', async () => {
    const url = await presignedPut('upload.txt');
    const before = a.requests.length;
    const result = await pageFetch(page, url, { method: 'PUT', headers: { 'x-amz-meta-note': note }, body: 'uploaded' });
    expect(result).toMatchObject({ ok: true, status: 200, etag: md5('uploaded') });
    expect(a.requests.slice(before).map((line) => line.split(' ')[0])).toEqual(['OPTIONS', 'PUT']);
    const head = await a.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'upload.txt' }));
    expect(head.Metadata).toEqual({ note });
  });

  test('ETag is readable only when the matched rule exposes it', async () => {
    await putRules(a, false);
    const hidden = await pageFetch(page, objectUrl('hello.txt'));
    expect(hidden).toEqual({ ok: true, status: 200, etag: null, text: 'hi' });
    // The server did send it: the browser hid it.
    expect((await fetch(objectUrl('hello.txt'))).headers.get('etag')).toBe(md5('hi'));
    await putRules(a, true);
    expect(await pageFetch(page, objectUrl('hello.txt'))).toMatchObject({ ok: true, etag: md5('hi') });
  });

  test('an origin the rules do not list is blocked', async () => {
    expect(await pageFetch(otherPage, objectUrl('hello.txt'))).toEqual(blocked);
    const put = await pageFetch(otherPage, await presignedPut('blocked.txt'), { method: 'PUT', headers: { 'x-amz-meta-note': note }, body: 'x' });
    expect(put).toEqual(blocked);
  });

  test('after DELETE ?cors the browser is blocked; after PUT ?cors through the other instance it is allowed again', async () => {
    await a.s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
    expect(await pageFetch(page, objectUrl('hello.txt'))).toEqual(blocked);
    const url = await presignedPut('again.txt');
    expect(await pageFetch(page, url, { method: 'PUT', headers: { 'x-amz-meta-note': note }, body: 'again' })).toEqual(blocked);

    await putRules(b, true);
    // Instance A learns of B's change through Redis pub/sub; wait (bounded) until its preflight answer changes.
    const deadline = Date.now() + 5000;
    const preflight = () =>
      fetch(url, { method: 'OPTIONS', headers: { Origin: allowedOrigin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'x-amz-meta-note' } });
    while ((await preflight()).status !== 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));

    const before = a.requests.length;
    const result = await pageFetch(page, url, { method: 'PUT', headers: { 'x-amz-meta-note': note }, body: 'again' });
    expect(result).toMatchObject({ ok: true, status: 200, etag: md5('again') });
    expect(a.requests.slice(before).map((line) => line.split(' ')[0])).toEqual(['OPTIONS', 'PUT']);
  });

  describe('MediaStore data plane (policy through @aws-sdk/client-mediastore)', () => {
    const container = 'movies';
    let mediaStore: Server;
    let client: MediaStoreClient;
    let dataUrl: string;
    const seenMethods: string[] = [];

    beforeAll(async () => {
      const store = new MemoryRuleStore();
      const containerExists = (name: string) => name === container;
      const logger = { warn() {}, error: console.error };
      const app = express();
      app.use('/data', bucketCors({ store, dialect: mediaStoreDialect, bucketExists: containerExists, logger }));
      app.use('/data', (_req, res) => void res.set('ETag', '"media-1"').json({ served: true }));
      app.use(mediaStoreRouter({ store, authorize: () => true, containerExists, logger }));
      mediaStore = await listen((req, res) => {
        seenMethods.push(req.method ?? '');
        app(req, res);
      });
      const endpoint = `http://127.0.0.1:${(mediaStore.address() as AddressInfo).port}`;
      dataUrl = `${endpoint}/data/${container}/clips/a.mp4`;
      client = new MediaStoreClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, maxAttempts: 1 });
      const policy: MediaStoreCorsRule[] = [
        { AllowedOrigins: [allowedOrigin], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type', 'x-amz-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 0 },
      ];
      await client.send(new PutCorsPolicyCommand({ ContainerName: container, CorsPolicy: policy }));
    });

    afterAll(async () => {
      client?.destroy();
      if (mediaStore) await closeServer(mediaStore);
    });

    test('a GET from the listed origin succeeds and reads the exposed ETag', async () => {
      expect(await pageFetch(page, dataUrl)).toEqual({ ok: true, status: 200, etag: '"media-1"', text: '{"served":true}' });
    });

    test('a PUT with Content-Type: application/json is preflighted, then succeeds', async () => {
      const before = seenMethods.length;
      const result = await pageFetch(page, dataUrl, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(result).toMatchObject({ ok: true, status: 200 });
      expect(seenMethods.slice(before)).toEqual(['OPTIONS', 'PUT']);
    });

    test('another origin is blocked, and so is the listed one after DeleteCorsPolicy', async () => {
      expect(await pageFetch(otherPage, dataUrl)).toEqual(blocked);
      expect(await pageFetch(otherPage, dataUrl, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' })).toEqual(blocked);
      await client.send(new DeleteCorsPolicyCommand({ ContainerName: container }));
      const before = seenMethods.length;
      expect(await pageFetch(page, dataUrl, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' })).toEqual(blocked);
      expect(seenMethods.slice(before)).toEqual(['OPTIONS']); // refused at the preflight: the PUT never left the browser
    });
  });

  test('a screenshot is a PNG of the viewport', async () => {
    const png = await page.screenshot();
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // IHDR, the first chunk, holds width and height (big-endian) at bytes 16 and 20.
    expect({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }).toEqual(VIEWPORT);
  });

  test('closing the browser ends every process it started', async () => {
    const tree = processTree(browser.pid);
    expect(tree.length).toBeGreaterThan(1); // renderer / content processes exist, so the check below means something
    await browser.close();
    expect(tree.filter(isRunning)).toEqual([]);
  });
});
