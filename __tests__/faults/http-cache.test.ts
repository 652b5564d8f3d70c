// A real shared HTTP cache (Varnish) in front of bucketCors and cacheable objects: with vary 'always' no request ever gets another request's CORS headers from the cache; with the default 'match' the cache does what it does in front of S3 itself, handing the first no-Origin copy to an allowed origin.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import { bucketCors, MemoryRuleStore } from 'express-bucket-cors';
import { startVarnish, VARNISH_INSTALLED, VARNISHD, type VarnishHandle } from '../support/varnish';
import { express5, objectApp, type Objects } from '../http/object-app';

const ALLOWED_A = 'https://a.example';
const ALLOWED_B = 'https://b.example';
const REFUSED = 'https://evil.example';
const RULES = { CORSRules: [{ AllowedOrigins: [ALLOWED_A, ALLOWED_B], AllowedMethods: ['GET' as const] }] };
/** One bucket per `vary` mode, each holding the object `clip`. */
const BUCKETS = { always: 'vary-always', match: 'vary-match' } as const;

/** Objects are public and cacheable for a minute, as a media or download server would serve them. */
const cacheable: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') res.setHeader('Cache-Control', 'public, max-age=60');
  next();
};

const describeWithVarnish = VARNISH_INSTALLED ? describe : describe.skip;
const title = VARNISH_INSTALLED ? 'behind a real Varnish' : `behind a real Varnish (skipped: ${VARNISHD} is missing; apt-get install -y varnish)`;

describeWithVarnish(title, () => {
  let backend: Server;
  let varnish: VarnishHandle;
  const store = new MemoryRuleStore();
  const middlewares = { always: bucketCors({ store, vary: 'always' }), match: bucketCors({ store }) };

  beforeAll(async () => {
    await Promise.all(Object.values(BUCKETS).map((bucket) => store.put(bucket, RULES)));
    const objects: Objects = new Map(Object.values(BUCKETS).map((bucket) => [bucket, new Map([['clip', `the clip of ${bucket}`]])]));
    // The same store and object server; the bucket picks the mode.
    const byMode: RequestHandler = (req, res, next) => (req.path.startsWith(`/${BUCKETS.always}/`) ? middlewares.always : middlewares.match)(req, res, next);
    backend = createServer(objectApp({ express: express5, middleware: [cacheable, byMode], objects }));
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    varnish = await startVarnish((backend.address() as AddressInfo).port);
  });
  afterAll(async () => {
    await varnish?.stop();
    Object.values(middlewares).forEach((middleware) => middleware.close());
    backend?.closeAllConnections();
    await new Promise((resolve) => backend?.close(resolve));
  });

  /** A GET through Varnish: what came back, and whether the cache answered it. */
  async function get(bucket: string, origin?: string): Promise<{ status: number; allowOrigin: string | null; cache: string | null; vary: string | null; body: string }> {
    const response = await fetch(`${varnish.url}/${bucket}/clip`, { headers: origin === undefined ? {} : { Origin: origin }, signal: AbortSignal.timeout(10_000) });
    return {
      status: response.status,
      allowOrigin: response.headers.get('access-control-allow-origin'),
      cache: response.headers.get('x-cache'),
      vary: response.headers.get('vary'),
      body: await response.text(),
    };
  }

  it("with vary 'always': keeps one copy per Origin, so no request ever gets another's CORS headers, from the cache or not", async () => {
    const bucket = BUCKETS.always;
    // [Origin sent, Access-Control-Allow-Origin expected, answered by the cache]
    const sequence: [string | undefined, string | null, 'MISS' | 'HIT'][] = [
      [undefined, null, 'MISS'],
      [ALLOWED_A, ALLOWED_A, 'MISS'],
      [ALLOWED_B, ALLOWED_B, 'MISS'],
      [REFUSED, null, 'MISS'],
      [undefined, null, 'HIT'],
      [ALLOWED_A, ALLOWED_A, 'HIT'],
      [REFUSED, null, 'HIT'],
      [ALLOWED_B, ALLOWED_B, 'HIT'],
    ];
    const answers = [];
    for (const [origin] of sequence) answers.push(await get(bucket, origin));
    expect(answers.map(({ allowOrigin, cache }) => [allowOrigin, cache])).toEqual(sequence.map(([, allowOrigin, cache]) => [allowOrigin, cache]));
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 200, body: `the clip of ${bucket}` });
      expect(answer.vary).toMatch(/Origin, Access-Control-Request-Headers, Access-Control-Request-Method/);
    }
  });

  it("with the default vary 'match' (S3's own answers): the first copy, fetched without Origin, is served to an allowed origin without Access-Control-Allow-Origin", async () => {
    const bucket = BUCKETS.match;
    const plain = await get(bucket);
    expect(plain).toMatchObject({ status: 200, allowOrigin: null, cache: 'MISS' });
    // S3 sends no Vary on a response no rule matched, so the cache holds one copy for everyone…
    expect(plain.vary ?? '').not.toMatch(/Origin/);
    // …and hands it to the allowed origin: a browser refuses to read it. This is why vary 'always' exists.
    const poisoned = await get(bucket, ALLOWED_A);
    expect(poisoned).toMatchObject({ status: 200, allowOrigin: null, cache: 'HIT', body: `the clip of ${bucket}` });
  });
});
