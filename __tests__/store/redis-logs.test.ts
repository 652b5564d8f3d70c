// What is logged when Redis is down or refuses the client, for every client library: the server's address and the cause, never a password; the answers keep S3's wording.

import { inspect } from 'node:util';
import Redis from 'ioredis';
import request from 'supertest';
import { bucketCors, RedisRuleStore, type BucketCorsMiddleware } from 'express-bucket-cors';
import { freePort, startRedis, type RedisServerHandle } from '../support/redis';
import { express5, objectApp } from '../http/object-app';
import { CLIENT_KINDS, closeAllClients, type ClientKind } from './clients';
import { isolated, silentLogger } from './helpers';

const PREFLIGHT = { Origin: 'https://a.example', 'Access-Control-Request-Method': 'GET' };
const RIGHT_PASSWORD = 'right-secret-7f3a';
const WRONG_PASSWORD = 'wrong-secret-91c2';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await closeAllClients();
});

/** An app in front of a store on `client`, logging into a mock; a lookup gives up after 300 ms. */
function appOn(kind: ClientKind, endpoint: { host: string; port: number; password?: string }) {
  const logger = silentLogger();
  const onStoreError = jest.fn();
  const store = new RedisRuleStore({ client: kind.client(endpoint), logger, ...isolated() });
  const middleware: BucketCorsMiddleware = bucketCors({ store, logger, cache: { lookupTimeoutMs: 300, onStoreError } });
  closers.push(() => store.close(), () => middleware.close());
  return { store, logger, onStoreError, app: objectApp({ express: express5, middleware: [middleware] }) };
}

/** Everything handed to the logger and to onStoreError, as console would print it (error objects in full). */
const printed = (...mocks: jest.Mock[]) => mocks.flatMap((mock) => mock.mock.calls.map((args: unknown[]) => args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: Infinity }))).join(' '))).join('\n');

/** Preflights until the logger has a line (the cause may need a connection attempt or two to show). */
async function failedPreflight(app: ReturnType<typeof appOn>['app'], logger: jest.Mock) {
  const preflight = await request(app).options('/photos/k').set(PREFLIGHT);
  expect(preflight.status).toBe(503);
  expect(preflight.text).toContain('<Code>ServiceUnavailable</Code>');
  const lines = logger.mock.calls.map(([line]) => String(line));
  const lookup = lines.find((line) => line.includes('bucket "photos"'));
  expect(lookup).toBeDefined();
  return { lookup: lookup!, lines };
}

describe.each(CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('Redis-down log lines with %s', (_name, kind) => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedis();
    const admin = new Redis(server.port, server.host);
    await admin.call('CONFIG', 'SET', 'requirepass', RIGHT_PASSWORD);
    admin.disconnect();
  });
  afterAll(async () => {
    const admin = new Redis(server.port, server.host, { password: RIGHT_PASSWORD });
    await admin.call('CONFIG', 'SET', 'requirepass', '');
    admin.disconnect();
    await server.stop();
  });

  it('names the address and ECONNREFUSED when nothing listens on the port', async () => {
    const port = await freePort();
    const { app, logger } = appOn(kind, { host: '127.0.0.1', port });
    const { lookup, lines } = await failedPreflight(app, logger.error);
    expect(lookup).toContain(`127.0.0.1:${port}`);
    expect(lookup).toContain('(ECONNREFUSED)');
    expect(lookup).toContain('answering as unavailable');
    for (const line of lines) expect(line).toContain(`127.0.0.1:${port}`);
  });

  it('names the address and WRONGPASS for a wrong password, and never prints the password, in lines, errors or onStoreError', async () => {
    const { app, logger, onStoreError, store } = appOn(kind, { host: server.host, port: server.port, password: WRONG_PASSWORD });
    const { lookup, lines } = await failedPreflight(app, logger.error);
    expect(lookup).toContain(`${server.host}:${server.port}`);
    expect(lookup).toContain('(WRONGPASS)');
    for (const line of lines) expect(line).toContain(`${server.host}:${server.port}`);
    // A read of the store itself (node-redis queues commands while it cannot log in: given up on after 300 ms).
    const read = await store.get('photos', { signal: AbortSignal.timeout(300) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(read).toMatchObject({ name: 'RedisUnavailableError', code: 'WRONGPASS', address: `${server.host}:${server.port}` });
    const everything = printed(logger.error, logger.warn, onStoreError) + inspect(read, { depth: Infinity });
    expect(everything).toContain('WRONGPASS');
    expect(everything).not.toContain(WRONG_PASSWORD);
  });
});

describe('the address a RedisUnavailableError names', () => {
  /** What a read through `client` rejects with, given up on after 200 ms (nothing listens on these ports). */
  async function failureOf(client: ConstructorParameters<typeof RedisRuleStore>[0]['client']) {
    const store = new RedisRuleStore({ client, logger: silentLogger() });
    closers.push(() => store.close());
    return store.get('photos', { signal: AbortSignal.timeout(200) }).then(
      () => undefined,
      (error: unknown) => error,
    );
  }
  const ioredis = CLIENT_KINDS.find((kind) => kind.library === 'ioredis')!;

  it("is a Cluster's startup nodes, a Sentinel group's sentinels, or a URL's host without its credentials", async () => {
    const [a, b] = [await freePort(), await freePort()];
    const cluster = ioredis.cluster([{ host: '127.0.0.1', port: a }, { host: '127.0.0.1', port: b }]);
    expect(await failureOf(cluster)).toMatchObject({ name: 'RedisUnavailableError', address: `127.0.0.1:${a}, 127.0.0.1:${b}` });
    const sentinel = new Redis({ sentinels: [{ host: '127.0.0.1', port: a }], name: 'primary', lazyConnect: true, sentinelRetryStrategy: () => null });
    sentinel.on('error', () => undefined);
    closers.push(() => sentinel.disconnect());
    expect(await failureOf(sentinel)).toMatchObject({ address: `master "primary" via sentinels 127.0.0.1:${a}` });
    const redis6 = await import('redis');
    const withUrl = redis6.createClient({ url: `redis://someone:${WRONG_PASSWORD}@127.0.0.1:${a}` });
    withUrl.on('error', () => undefined);
    closers.push(() => withUrl.destroy());
    const failure = await failureOf(withUrl);
    expect(failure).toMatchObject({ address: `127.0.0.1:${a}` });
    expect(inspect(failure, { depth: Infinity })).not.toContain(WRONG_PASSWORD);
  });
});
