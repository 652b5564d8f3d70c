// Purge by tag behind a real Varnish, with docs/operations.md's VCL: after a rule change the cached copies keep the old
// CORS headers until the purge; the purge removes every copy of that bucket (each Origin's, and the one without) and no other's.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import { bucketCors, DIAGNOSTICS_CHANNELS, MemoryRuleStore, type ConfigurationChangeEvent } from 'express-bucket-cors';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { startVarnish, VARNISH_INSTALLED, VARNISHD, type VarnishHandle } from '../support/varnish';
import { express5, objectApp, type Objects } from '../http/object-app';

const OLD_ORIGIN = 'https://old.example';
const NEW_ORIGIN = 'https://new.example';
const rulesFor = (origin: string): CorsConfiguration => ({ CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ['GET'] }] });

/** The ```vcl block of docs/operations.md's Varnish recipe, as written there. */
function documentedVcl(): string {
  const operations = readFileSync(join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
  const section = operations.slice(operations.indexOf('### CDN purge: Varnish'));
  const block = /```vcl\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error('docs/operations.md has no vcl block under "CDN purge: Varnish"');
  return block[1]!;
}

const cacheable: RequestHandler = (req, res, next) => {
  if (req.method === 'GET') res.setHeader('Cache-Control', 'public, max-age=60');
  next();
};

const describeWithVarnish = VARNISH_INSTALLED ? describe : describe.skip;
const title = VARNISH_INSTALLED ? 'purge by tag behind a real Varnish' : `purge by tag behind a real Varnish (skipped: ${VARNISHD} is missing; apt-get install -y varnish)`;

describeWithVarnish(title, () => {
  let backend: Server;
  let varnish: VarnishHandle;
  const store = new MemoryRuleStore();
  const cors = bucketCors({ store, vary: 'always', cacheTag: { header: 'Cache-Tag', tags: ['bucket-cors', 'bucket-cors.{bucket}'] } });
  const changed: string[] = [];
  const onChange = (message: unknown): void => void changed.push((message as ConfigurationChangeEvent).bucket);

  beforeAll(async () => {
    await store.put('photos', rulesFor(OLD_ORIGIN));
    await store.put('videos', rulesFor(OLD_ORIGIN));
    const objects: Objects = new Map(['photos', 'videos'].map((bucket) => [bucket, new Map([['clip', `the clip of ${bucket}`]])]));
    backend = createServer(objectApp({ express: express5, middleware: [cacheable, cors], objects }));
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    varnish = await startVarnish((backend.address() as AddressInfo).port, documentedVcl());
    subscribe(DIAGNOSTICS_CHANNELS.change, onChange);
  }, 30_000);
  afterAll(async () => {
    unsubscribe(DIAGNOSTICS_CHANNELS.change, onChange);
    await varnish?.stop();
    cors.close();
    backend?.closeAllConnections();
    await new Promise((resolve) => backend?.close(resolve));
  });

  async function get(bucket: string, origin?: string): Promise<[allowOrigin: string | null, cache: string | null, tags: string | null]> {
    const response = await fetch(`${varnish.url}/${bucket}/clip`, { headers: origin === undefined ? {} : { Origin: origin }, signal: AbortSignal.timeout(10_000) });
    await response.text();
    return [response.headers.get('access-control-allow-origin'), response.headers.get('x-cache'), response.headers.get('cache-tag')];
  }

  /** The recipe's purge: one PURGE per tag, its dots escaped for the ban's regular expression. */
  async function purge(tags: readonly string[]): Promise<number[]> {
    const statuses: number[] = [];
    for (const tag of tags) statuses.push((await fetch(varnish.url, { method: 'PURGE', headers: { 'x-ban-tag': tag.replaceAll('.', '\\.') } })).status);
    return statuses;
  }

  test('a change keeps the old CORS headers in the cache until the purge of its tag; then every copy of that bucket is gone, the other bucket stays', async () => {
    const warm = [await get('photos', OLD_ORIGIN), await get('photos'), await get('videos', OLD_ORIGIN)];
    expect(warm).toEqual([
      [OLD_ORIGIN, 'MISS', 'bucket-cors,bucket-cors.photos'],
      [null, 'MISS', 'bucket-cors,bucket-cors.photos'],
      [OLD_ORIGIN, 'MISS', 'bucket-cors,bucket-cors.videos'],
    ]);
    expect(await get('photos', OLD_ORIGIN)).toEqual([OLD_ORIGIN, 'HIT', 'bucket-cors,bucket-cors.photos']);

    await store.put('photos', rulesFor(NEW_ORIGIN));
    expect(changed).toEqual(['photos']);
    // Stale: the cache still allows the origin the rules no longer allow.
    expect(await get('photos', OLD_ORIGIN)).toEqual([OLD_ORIGIN, 'HIT', 'bucket-cors,bucket-cors.photos']);

    expect(cors.cacheTagsFor('photos')).toEqual(['bucket-cors.photos']);
    expect(await purge(cors.cacheTagsFor('photos'))).toEqual([200]);
    expect(await get('photos', OLD_ORIGIN)).toEqual([null, 'MISS', 'bucket-cors,bucket-cors.photos']);
    expect(await get('photos', NEW_ORIGIN)).toEqual([NEW_ORIGIN, 'MISS', 'bucket-cors,bucket-cors.photos']);
    expect((await get('photos'))[1]).toBe('MISS');
    expect(await get('videos', OLD_ORIGIN)).toEqual([OLD_ORIGIN, 'HIT', 'bucket-cors,bucket-cors.videos']);

    // The shared tag purges every bucket; a PURGE without a tag is refused.
    expect(await purge(['bucket-cors'])).toEqual([200]);
    expect((await get('videos', OLD_ORIGIN))[1]).toBe('MISS');
    expect((await fetch(varnish.url, { method: 'PURGE' })).status).toBe(403);
  }, 30_000);
});
