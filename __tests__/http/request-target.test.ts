// requestTarget(req) after bucketCors, and the same request in path style (pathStyleUrl, toPathStyle), on real Express 4 and 5 servers and through a real reverse proxy.

import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  bucketCors,
  createBucketResolver,
  MemoryRuleStore,
  pathStyleUrl,
  requestTarget,
  toPathStyle,
  type AddressingOptions,
  type ResolvedTarget,
} from 'express-bucket-cors';
import { EXPRESS_VERSIONS } from './object-app';

const ORIGIN = 'https://app.example';
const VIRTUAL = { virtualHostDomains: ['s3.example.com'] } satisfies AddressingOptions;
/** A key with an encoded slash, a space, a `+`, UTF-8 (✓) and a literal `!`, then a query. */
const RAW_KEY = 'a%2Fb%20c+d/%E2%9C%93!.txt';
const KEY = 'a/b c+d/✓!.txt';
const QUERY = '?x-id=GetObject&response-content-type=text%2Fplain';

type Express = (typeof EXPRESS_VERSIONS)[number][1];

/** bucketCors, then a handler answering what a later handler reads: the target and its path-style form. */
async function echoApp(express: Express, addressing: AddressingOptions = VIRTUAL) {
  const store = new MemoryRuleStore();
  await store.put('photos', { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'] }] });
  const app = express();
  app.use(bucketCors({ store, addressing }));
  app.use((req, res) => {
    const target = requestTarget(req);
    res.json({ target: target ?? null, pathStyle: target === undefined ? null : pathStyleUrl(target, req), again: requestTarget(req) === target });
  });
  return app;
}

describe.each(EXPRESS_VERSIONS)('%s: requestTarget after bucketCors', (_name, express) => {
  test('virtual-hosted: bucket from the Host, the key decoded and as sent, the base domain; path style keeps the encoding and the query', async () => {
    const response = await request(await echoApp(express)).get(`/${RAW_KEY}${QUERY}`).set('Host', 'Photos.S3.Example.com:8080').set('Origin', ORIGIN).expect(200);
    expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(response.body).toEqual({
      target: { bucket: 'photos', key: KEY, rawKey: RAW_KEY, addressingStyle: 'virtual-hosted', resourceType: 'OBJECT', baseDomain: 's3.example.com' },
      pathStyle: { url: `/photos/${RAW_KEY}${QUERY}`, host: 's3.example.com:8080' },
      again: true,
    });
  });

  test('path-style: the same target, and path style is the identity', async () => {
    const response = await request(await echoApp(express)).get(`/photos/${RAW_KEY}${QUERY}`).set('Host', 's3.example.com').expect(200);
    expect(response.body).toEqual({
      target: { bucket: 'photos', key: KEY, rawKey: RAW_KEY, addressingStyle: 'path', resourceType: 'OBJECT' },
      pathStyle: { url: `/photos/${RAW_KEY}${QUERY}`, host: 's3.example.com' },
      again: true,
    });
  });

  test.each([
    ['photos.s3.example.com', '/', { bucket: 'photos', key: '', rawKey: '', resourceType: 'BUCKET' }, '/photos/'],
    ['photos.s3.example.com', '/?list-type=2', { bucket: 'photos', key: '', rawKey: '', resourceType: 'BUCKET' }, '/photos/?list-type=2'],
    ['photos.s3.example.com', '//', { bucket: 'photos', key: '/', rawKey: '/', resourceType: 'OBJECT' }, '/photos//'],
    ['photos.s3.example.com', '/%zz%2F', { bucket: 'photos', key: '%zz%2F', rawKey: '%zz%2F', resourceType: 'OBJECT' }, '/photos/%zz%2F'],
    ['127.0.0.1', '/photos/?cors', { bucket: 'photos', key: '', rawKey: '', resourceType: 'BUCKET' }, '/photos/?cors'],
    ['127.0.0.1', '/photos?x=/y', { bucket: 'photos', key: '', rawKey: '', resourceType: 'BUCKET' }, '/photos?x=/y'],
  ])('Host %s, %s: the bucket resource or a key as sent, malformed escapes kept', async (host, url, expected, pathStyle) => {
    const { body } = await request(await echoApp(express)).get(url).set('Host', host).expect(200);
    expect(body.target).toMatchObject(expected);
    expect(body.pathStyle.url).toBe(pathStyle);
    // What a path-style backend reads from the rewritten URL is what the library resolved.
    expect(createBucketResolver()({ url: pathStyle, headers: {} } as IncomingMessage)).toEqual({ bucket: expected.bucket, key: expected.key });
  });

  test('with or without Origin, for every method; a request naming no bucket has none', async () => {
    const app = await echoApp(express);
    expect((await request(app).put('/k').set('Host', 'photos.s3.example.com').expect(200)).body.target).toMatchObject({ bucket: 'photos', key: 'k' });
    expect((await request(app).delete('/photos/k').set('Origin', 'https://elsewhere.example').expect(200)).body.target).toMatchObject({ bucket: 'photos', key: 'k' });
    expect((await request(app).get('/').set('Host', 's3.example.com').expect(200)).body).toEqual({ target: null, pathStyle: null, again: true });
  });

  test('a custom resolver: its answer, addressing style "custom", no raw key; path style encodes the key per segment', async () => {
    // The bucket from a header, the key from the path (decoded by the resolver itself).
    const resolve = async (req: IncomingMessage) => {
      const bucket = req.headers['x-bucket'];
      return typeof bucket === 'string' ? { bucket, key: decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(1)) } : null;
    };
    const app = await echoApp(express, { resolve });
    const { body } = await request(app).get(`/${RAW_KEY}${QUERY}`).set('X-Bucket', 'photos').set('Origin', ORIGIN).expect(200);
    expect(body.target).toEqual({ bucket: 'photos', key: KEY, addressingStyle: 'custom', resourceType: 'OBJECT' });
    expect(body.pathStyle.url).toBe(`/photos/${KEY.split('/').map(encodeURIComponent).join('/')}${QUERY}`);
    expect(createBucketResolver()({ url: body.pathStyle.url, headers: {} } as IncomingMessage)).toEqual({ bucket: 'photos', key: KEY });
    expect((await request(app).get('/k').expect(200)).body.target).toBeNull();
  });

  test('mounted on a path: the target is what bucketCors resolved there, read anywhere after it', async () => {
    const app = express();
    app.use('/s3', bucketCors({ addressing: VIRTUAL }));
    app.use((req, res) => void res.json({ target: requestTarget(req) ?? null, url: req.url }));
    const { body } = await request(app).get('/s3/photos/k').set('Host', 'localhost').expect(200);
    expect(body).toEqual({ target: expect.objectContaining({ bucket: 'photos', key: 'k', addressingStyle: 'path' }), url: '/s3/photos/k' });
  });

  test('without bucketCors there is no target, and toPathStyle leaves the request alone', async () => {
    const app = express();
    app.use((req, res) => void res.json({ target: toPathStyle(req) ?? null, url: req.url, host: req.headers.host }));
    expect((await request(app).get('/photos/k').set('Host', 'photos.s3.example.com').expect(200)).body).toEqual({ target: null, url: '/photos/k', host: 'photos.s3.example.com' });
  });

  test('toPathStyle rewrites url and Host once; a second call changes nothing; the target still describes the request as received', async () => {
    const app = express();
    app.use(bucketCors({ addressing: VIRTUAL }));
    app.use((req, res) => {
      const first = toPathStyle(req);
      const seen = { url: req.url, host: req.headers.host };
      const second = toPathStyle(req);
      res.json({ first, second: second === first, seen, after: { url: req.url, host: req.headers.host }, originalUrl: req.originalUrl });
    });
    const { body } = await request(app).get(`/${RAW_KEY}${QUERY}`).set('Host', 'photos.s3.example.com:9000').expect(200);
    expect(body.first).toMatchObject({ bucket: 'photos', key: KEY, addressingStyle: 'virtual-hosted' });
    expect(body.seen).toEqual({ url: `/photos/${RAW_KEY}${QUERY}`, host: 's3.example.com:9000' });
    expect(body.after).toEqual(body.seen);
    expect(body.second).toBe(true);
    expect(body.originalUrl).toBe(`/${RAW_KEY}${QUERY}`);
  });
});

/** Starts a server on a free loopback port; resolves its base URL and a function that stops it. */
async function listen(server: http.Server): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.each(EXPRESS_VERSIONS)('%s: a path-style backend behind a reverse proxy', (_name, express) => {
  let backend: Awaited<ReturnType<typeof listen>>;
  let front: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    // The backend knows path style only, as s3rver or MinIO behind a proxy: it echoes what it received.
    backend = await listen(http.createServer((req, res) => res.end(JSON.stringify({ url: req.url, host: req.headers.host }))));
    const app = express();
    app.use(bucketCors({ addressing: VIRTUAL }));
    app.use((req, res) => {
      const target = toPathStyle(req) as ResolvedTarget;
      const forwarded = http.request({ host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        let text = '';
        answer.on('data', (chunk: Buffer) => (text += chunk.toString()));
        answer.on('end', () => res.json({ target, backend: JSON.parse(text) }));
      });
      forwarded.end();
    });
    front = await listen(http.createServer(app));
  });

  afterAll(async () => {
    await front.close();
    await backend.close();
  });

  /** A raw HTTP GET to the front (the URL sent byte for byte, as an SDK sends it). */
  function get(host: string, path: string): Promise<{ target: ResolvedTarget; backend: { url: string; host: string } }> {
    return new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: front.port, path, headers: { host, origin: ORIGIN } }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(JSON.parse(text)));
        })
        .on('error', reject);
    });
  }

  test.each([
    ['photos.s3.example.com:8443', `/${RAW_KEY}${QUERY}`, `/photos/${RAW_KEY}${QUERY}`, 's3.example.com:8443'],
    ['photos.s3.example.com', '/dir%2F/%F0%9F%93%B7%20photo.jpg', '/photos/dir%2F/%F0%9F%93%B7%20photo.jpg', 's3.example.com'],
    ['s3.example.com', `/photos/${RAW_KEY}`, `/photos/${RAW_KEY}`, 's3.example.com'],
  ])('Host %s, %s: the backend receives %s and agrees on bucket and key', async (host, path, url, backendHost) => {
    const { target, backend: seen } = await get(host, path);
    expect(seen).toEqual({ url, host: backendHost });
    expect(createBucketResolver()({ url: seen.url, headers: {} } as IncomingMessage)).toEqual({ bucket: target.bucket, key: target.key });
  });
});
