// Report-only candidates on the request path: a scripted run counts exactly the diverging requests, and no response byte changes (memory, Redis, a 3-master Cluster).

import diagnosticsChannel from 'node:diagnostics_channel';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Server } from 'node:http';
import Redis, { Cluster } from 'ioredis';
import { bucketCors, DIAGNOSTICS_CHANNELS, MemoryRuleStore, RedisRuleStore, type ReportOnlyEvent, type RuleStore } from 'express-bucket-cors';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { startRedis, startRedisCluster, type RedisClusterHandle, type RedisServerHandle } from '../support/redis';
import { express5, objectApp } from './object-app';

const A = 'https://a.example';
const B = 'https://b.example';
const C = 'https://c.example';

const ENFORCED: CorsConfiguration = { CORSRules: [{ AllowedOrigins: [A], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], MaxAgeSeconds: 60 }] };
/** ENFORCED plus a rule for B. */
const WIDER: CorsConfiguration = { CORSRules: [...ENFORCED.CORSRules, { AllowedOrigins: [B], AllowedMethods: ['GET'] }] };
/** ENFORCED with another max-age (S3 sends it on actual responses too). */
const LONGER: CorsConfiguration = { CORSRules: [{ ...ENFORCED.CORSRules[0]!, MaxAgeSeconds: 600 }] };
const ONLY_A: CorsConfiguration = { CORSRules: [{ AllowedOrigins: [A], AllowedMethods: ['GET'] }] };

/** One scripted request: method, path, headers, and how the candidate answers differently (none: the same). */
interface Step {
  readonly method: 'GET' | 'OPTIONS';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly difference?: ReportOnlyEvent['difference'];
}

const preflight = (path: string, origin: string, extra: Record<string, string> = {}, difference?: Step['difference']): Step => ({
  method: 'OPTIONS',
  path,
  headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', ...extra },
  ...(difference && { difference }),
});
const get = (path: string, origin: string | undefined, difference?: Step['difference']): Step => ({ method: 'GET', path, headers: origin === undefined ? {} : { Origin: origin }, ...(difference && { difference }) });

/** Bucket `b` (ENFORCED, candidate WIDER), `m` (ENFORCED, candidate LONGER), `v` (no rules, candidate ONLY_A), `n` (ENFORCED, no candidate). */
const SCRIPT: readonly Step[] = [
  preflight('/b/k', A),
  preflight('/b/k', B, {}, 'outcome'),
  preflight('/b/k', C),
  preflight('/b/k', A, { 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'x-amz-meta-a' }),
  get('/b/k', A),
  get('/b/k', B, 'outcome'),
  get('/b/k', C),
  get('/b/k', undefined),
  preflight('/m/k', A, {}, 'headers'),
  get('/m/k', A, 'headers'),
  get('/m/k', C),
  preflight('/v/k', A, {}, 'outcome'),
  preflight('/v/k', C, {}, 'refusal'),
  get('/v/k', A, 'outcome'),
  get('/v/k', C),
  preflight('/n/k', B),
  get('/n/k', B),
];
const DIVERGING = SCRIPT.filter((step) => step.difference !== undefined);

/** The whole response as bytes, over a fresh connection. */
function rawExchange(port: number, step: Step): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    const lines = [`${step.method} ${step.path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...Object.entries(step.headers).map(([name, value]) => `${name}: ${value}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

/** The response with what differs on every answer anyway (the time, S3's random request ids) blanked out. */
const comparable = (raw: string): string =>
  raw
    .replace(/^Date: .*$/gim, 'Date: -')
    .replace(/^(x-amz-request-id|x-amz-id-2): .*$/gim, '$1: -')
    .replace(/<(RequestId|HostId)>[^<]*<\/\1>/g, '<$1>-</$1>');

async function runScript(port: number): Promise<string[]> {
  const responses: string[] = [];
  for (const step of SCRIPT) responses.push(comparable(await rawExchange(port, step)));
  return responses;
}

/** Every report-only event published while `run` runs. */
async function reportOnlyEventsDuring<T>(run: () => Promise<T>): Promise<{ result: T; events: ReportOnlyEvent[] }> {
  const events: ReportOnlyEvent[] = [];
  const listener = (message: unknown) => void events.push(message as ReportOnlyEvent);
  diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.reportOnly, listener);
  try {
    return { result: await run(), events };
  } finally {
    diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.reportOnly, listener);
  }
}

let redis: RedisServerHandle;
let cluster: RedisClusterHandle;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await Promise.all([redis.stop(), cluster.stop()]);
});

let prefixes = 0;
/** A Redis store on `keyPrefix` (a fresh one by default), on the standalone server or the Cluster. */
const redisStore = (where: 'server' | 'cluster', keyPrefix = `report-only-${++prefixes}:`): RedisRuleStore => {
  const client = where === 'server' ? new Redis(redis.port, redis.host) : new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })));
  cleanups.push(() => client.disconnect());
  return new RedisRuleStore({ client, keyPrefix, channel: `${keyPrefix}invalidate` });
};
const STORES: ReadonlyArray<[string, () => RuleStore]> = [
  ['MemoryRuleStore', () => new MemoryRuleStore()],
  ['RedisRuleStore', () => redisStore('server')],
  ['RedisRuleStore on a 3-master Cluster', () => redisStore('cluster')],
];

/** An object server with bucketCors on `store`, listening; closed after all tests. */
async function serve(store: RuleStore): Promise<number> {
  const middleware = bucketCors({ store });
  const server: Server = objectApp({ express: express5, middleware: [middleware] }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  cleanups.push(async () => {
    await new Promise((resolve) => server.close(resolve));
    middleware.close();
    await store.close?.();
  });
  return (server.address() as AddressInfo).port;
}

describe.each(STORES)('report-only candidates with %s', (_name, makeStore) => {
  let store: RuleStore;
  let port: number;

  beforeAll(async () => {
    store = makeStore();
    port = await serve(store);
    await Promise.all([store.put('b', ENFORCED), store.put('m', ENFORCED), store.put('n', ENFORCED)]);
  });

  it('publishes exactly one event per diverging request of a scripted run, and changes no response byte', async () => {
    const before = await reportOnlyEventsDuring(() => runScript(port));
    expect(before.events).toEqual([]);
    const versions = {
      b: (await store.putCandidate!('b', WIDER)).version,
      m: (await store.putCandidate!('m', LONGER)).version,
      v: (await store.putCandidate!('v', ONLY_A)).version,
    };
    const during = await reportOnlyEventsDuring(() => runScript(port));
    expect(during.result).toEqual(before.result);
    expect(during.events).toHaveLength(DIVERGING.length);
    expect(during.events.map((event) => [event.kind, event.bucket, event.origin, event.difference])).toEqual(
      DIVERGING.map((step) => [step.method === 'OPTIONS' ? 'preflight' : 'actual', step.path.split('/')[1], step.headers.Origin, step.difference]),
    );
    expect(during.events[0]).toEqual({
      dialect: 's3',
      kind: 'preflight',
      bucket: 'b',
      key: 'k',
      method: 'OPTIONS',
      origin: B,
      difference: 'outcome',
      enforced: { outcome: 'refused', rule: null, reason: 'no-match' },
      candidate: { outcome: 'allowed', rule: 1, reason: null },
      candidateVersion: versions.b,
    });
    expect(during.events.find((event) => event.difference === 'refusal')).toMatchObject({
      bucket: 'v',
      enforced: { outcome: 'refused', reason: 'no-configuration' },
      candidate: { outcome: 'refused', reason: 'no-match' },
      candidateVersion: versions.v,
    });
    // Without a subscriber nothing is evaluated, and the answers are the same still.
    expect(await runScript(port)).toEqual(before.result);
  });

  it('reports nothing once the candidate is deleted, and answers with it once promoted', async () => {
    await store.putCandidate!('b', WIDER);
    await store.deleteCandidate!('b');
    const deleted = await reportOnlyEventsDuring(() => rawExchange(port, preflight('/b/k', B)));
    expect(deleted.events).toEqual([]);
    expect(deleted.result).toMatch(/^HTTP\/1\.1 403/);
    await store.putCandidate!('b', WIDER);
    await store.promote!('b');
    const promoted = await reportOnlyEventsDuring(() => rawExchange(port, preflight('/b/k', B)));
    expect(promoted.events).toEqual([]);
    expect(promoted.result).toMatch(/^HTTP\/1\.1 200/);
    expect(promoted.result).toContain(`Access-Control-Allow-Origin: ${B}`);
  });
});

describe.each(['server', 'cluster'] as const)('report-only candidates across instances on Redis (%s)', (where) => {
  it("reaches another instance's cache: a candidate put through one is evaluated by the other, and its deletion too", async () => {
    const keyPrefix = `report-only-shared-${++prefixes}:`;
    const writer = redisStore(where, keyPrefix);
    const reader = redisStore(where, keyPrefix);
    const port = await serve(reader);
    await writer.put('b', ENFORCED);
    expect((await reportOnlyEventsDuring(() => rawExchange(port, preflight('/b/k', B)))).events).toEqual([]); // cached, without a candidate
    const candidate = await writer.putCandidate!('b', WIDER);
    const eventually = async (expected: number) => {
      let events: ReportOnlyEvent[] = [];
      for (const started = Date.now(); Date.now() - started < 3_000; await new Promise((resolve) => setTimeout(resolve, 20))) {
        events = (await reportOnlyEventsDuring(() => rawExchange(port, preflight('/b/k', B)))).events;
        if (events.length === expected) break;
      }
      return events;
    };
    expect(await eventually(1)).toMatchObject([{ bucket: 'b', candidateVersion: candidate.version, difference: 'outcome' }]);
    await writer.deleteCandidate!('b');
    expect(await eventually(0)).toEqual([]);
    await writer.close();
  });
});
