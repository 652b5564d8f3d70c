// The rule lifecycle for MediaStore containers, through mediaStoreRouter with the real @aws-sdk/client-mediastore
// and on the MediaStore data plane, on the memory store and a real redis-server: history and change events of
// PutCorsPolicy / DeleteCorsPolicy, everything dropped with DeleteContainer, report-only candidates, cache tags.

import { DeleteContainerCommand, DeleteCorsPolicyCommand, GetCorsPolicyCommand, MediaStoreClient, PutCorsPolicyCommand, type CorsRule } from '@aws-sdk/client-mediastore';
import express from 'express';
import { Redis } from 'ioredis';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mediaStoreDialect, mediaStoreRouter, MediaStoreError, sendMediaStoreError, sendMediaStoreJson } from 'express-bucket-cors/mediastore';
import {
  bucketCors,
  DIAGNOSTICS_CHANNELS,
  isPreconditionFailedError,
  MemoryRuleStore,
  RedisRuleStore,
  rollbackConfiguration,
  type ConfigurationChangeEvent,
  type InvalidationReceivedEvent,
  type ReportOnlyEvent,
  type RuleStore,
} from 'express-bucket-cors';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { callMediaStore, failure, signedBy } from '../../support/mediastore';
import { startRedis, type RedisServerHandle } from '../../support/redis';

const PLAYER = 'https://player.example';
const EDITOR = 'https://editor.example';
const ACCESS_KEY = 'AKIAMEDIAEDITOR';
const POLICY: CorsRule[] = [{ AllowedOrigins: [PLAYER], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['range'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }];
const WIDER: CorsRule[] = [...POLICY, { AllowedOrigins: [EDITOR], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'] }];
/** WIDER as the S3 configuration the store holds for a container. */
const WIDER_RULES: CorsConfiguration = { CORSRules: WIDER.map((rule) => ({ ...rule, AllowedMethods: [...rule.AllowedMethods!] })) as CorsConfiguration['CORSRules'] };

interface Running {
  readonly client: MediaStoreClient;
  readonly port: number;
  readonly containers: Set<string>;
  close(): Promise<void>;
}

/**
 * One Express app: each container's data plane at `/data/<container>/…` (with cache tags), the CORS-policy API
 * at `/`, and behind it the backend's DeleteContainer (express.json, so the router sees the container named).
 */
async function start(store: RuleStore): Promise<Running> {
  const app = express();
  const logger = { warn: jest.fn(), error: jest.fn() };
  const containers = new Set(['movies', 'music']);
  const containerExists = (name: string) => containers.has(name);
  app.use('/data', bucketCors({ store, dialect: mediaStoreDialect, bucketExists: containerExists, logger, cacheTag: { header: 'Surrogate-Key' } }));
  app.use('/data', (_req, res) => void res.status(200).type('video/mp4').send('frames'));
  app.use(mediaStoreRouter({ store, authorize: signedBy, containerExists, logger }));
  app.use(express.json({ type: 'application/x-amz-json-1.1' }), (req, res, next) => {
    if (req.headers['x-amz-target'] !== 'MediaStore_20170901.DeleteContainer') return next();
    const name = (req.body as { ContainerName?: string }).ContainerName ?? '';
    if (!containers.delete(name)) return sendMediaStoreError(req, res, new MediaStoreError(400, 'ContainerNotFoundException', 'The container that you specified in the request does not exist.'));
    sendMediaStoreJson(res, 200, {});
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const port = (server.address() as AddressInfo).port;
  const client = new MediaStoreClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'secret' }, maxAttempts: 1 });
  return {
    client,
    port,
    containers,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

/** Every message published on `channel` while `run` runs. */
async function publishedDuring<E, T>(channel: string, run: () => Promise<T>): Promise<{ result: T; events: E[] }> {
  const events: E[] = [];
  const listener = (message: unknown) => void events.push(message as E);
  diagnosticsChannel.subscribe(channel, listener);
  try {
    return { result: await run(), events };
  } finally {
    diagnosticsChannel.unsubscribe(channel, listener);
  }
}

/** One request as raw bytes over a fresh connection, with what differs on every answer anyway (the time, request ids) blanked. */
function rawExchange(port: number, method: string, path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1').replace(/^Date: .*$/gim, 'Date: -').replace(/^x-amzn-RequestId: .*$/gim, 'x-amzn-RequestId: -')));
    socket.on('error', reject);
    const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

/** Polls until `probe` gives `expected` (a drop runs once the answer was sent; Redis pub/sub is asynchronous). */
async function eventually<T>(probe: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + 5_000;
  let seen = await probe();
  while (!Object.is(seen, expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    seen = await probe();
  }
  return seen;
}

let prefixes = 0;
const stores: Array<[string, () => Promise<{ store(): RuleStore; stop(): Promise<void> }>]> = [
  ['memory', async () => ({ store: () => new MemoryRuleStore(), stop: async () => {} })],
  [
    'Redis',
    async () => {
      const redis: RedisServerHandle = await startRedis();
      const opened: Array<{ store: RedisRuleStore; client: Redis }> = [];
      return {
        store: () => {
          const client = new Redis(redis.port, redis.host, { maxRetriesPerRequest: 1 });
          const keyPrefix = `mediastore-lifecycle-${++prefixes}:`;
          const store = new RedisRuleStore({ client, keyPrefix, channel: `${keyPrefix}invalidate` });
          opened.push({ store, client });
          return store;
        },
        stop: async () => {
          for (const { store, client } of opened) {
            await store.close();
            client.disconnect();
          }
          await redis.stop();
        },
      };
    },
  ],
];

describe.each(stores)('the rule lifecycle of MediaStore containers on the %s store', (_name, makeStores) => {
  let backend: { store(): RuleStore; stop(): Promise<void> };
  beforeAll(async () => {
    backend = await makeStores();
  });
  afterAll(() => backend.stop());

  /** A fresh store and app for one test. */
  async function running(): Promise<Running & { store: RuleStore }> {
    const store = backend.store();
    return { ...(await start(store)), store };
  }

  test('PutCorsPolicy and DeleteCorsPolicy are recorded (source router, the granted principal) and publish one change event each; a refused put neither', async () => {
    const app = await running();
    try {
      const put = await publishedDuring<ConfigurationChangeEvent, unknown>(DIAGNOSTICS_CHANNELS.change, () => app.client.send(new PutCorsPolicyCommand({ ContainerName: 'movies', CorsPolicy: POLICY })));
      const first = await app.store.get('movies');
      expect(put.events).toEqual([{ bucket: 'movies', previousVersion: null, version: first!.version, source: 'router', principal: ACCESS_KEY }]);

      const replaced = await publishedDuring<ConfigurationChangeEvent, unknown>(DIAGNOSTICS_CHANNELS.change, () => app.client.send(new PutCorsPolicyCommand({ ContainerName: 'movies', CorsPolicy: WIDER })));
      const second = await app.store.get('movies');
      expect(replaced.events).toEqual([{ bucket: 'movies', previousVersion: first!.version, version: second!.version, source: 'router', principal: ACCESS_KEY }]);

      const refused = await publishedDuring<ConfigurationChangeEvent, Error>(DIAGNOSTICS_CHANNELS.change, () =>
        failure(app.client.send(new PutCorsPolicyCommand({ ContainerName: 'movies', CorsPolicy: [{ AllowedOrigins: [PLAYER], AllowedMethods: [], AllowedHeaders: [] }] }))),
      );
      expect(refused.result).toMatchObject({ name: 'ValidationException' });
      expect(refused.events).toEqual([]);

      const deleted = await publishedDuring<ConfigurationChangeEvent, unknown>(DIAGNOSTICS_CHANNELS.change, () => app.client.send(new DeleteCorsPolicyCommand({ ContainerName: 'movies' })));
      expect(deleted.events).toEqual([{ bucket: 'movies', previousVersion: second!.version, version: null, source: 'router', principal: ACCESS_KEY }]);
      const missing = await publishedDuring<ConfigurationChangeEvent, Error>(DIAGNOSTICS_CHANNELS.change, () => failure(app.client.send(new DeleteCorsPolicyCommand({ ContainerName: 'movies' }))));
      expect(missing.result.name).toBe('CorsPolicyNotFoundException');
      expect(missing.events).toEqual([]);

      const history = await app.store.history!('movies');
      expect(history.map(({ version, previousVersion, source, principal }) => ({ version, previousVersion, source, principal }))).toEqual([
        { version: null, previousVersion: second!.version, source: 'router', principal: ACCESS_KEY },
        { version: second!.version, previousVersion: first!.version, source: 'router', principal: ACCESS_KEY },
        { version: first!.version, previousVersion: null, source: 'router', principal: ACCESS_KEY },
      ]);
      // What each change replaced: the policy as the store holds it, so a rollback can put it back.
      expect(history[0]!.previous).toEqual(second!.configuration);
      expect(history[1]!.previous).toEqual(first!.configuration);
      expect(history[2]!.previous).toBeNull();
    } finally {
      await app.close();
    }
  });

  test('condition headers mean nothing to MediaStore\'s API: PutCorsPolicy and DeleteCorsPolicy apply whatever they say', async () => {
    const app = await running();
    const call = (operation: string, input: object, headers: Record<string, string>) => callMediaStore(`http://127.0.0.1:${app.port}`, operation, input, ACCESS_KEY, headers);
    try {
      const put = await call('PutCorsPolicy', { ContainerName: 'movies', CorsPolicy: POLICY }, { 'If-Match': '"stale"' });
      expect([put.status, put.headers.get('etag'), await put.text()]).toEqual([200, null, '{}']);
      const replaced = await call('PutCorsPolicy', { ContainerName: 'movies', CorsPolicy: WIDER }, { 'If-None-Match': '*' });
      expect(replaced.status).toBe(200);
      expect((await app.client.send(new GetCorsPolicyCommand({ ContainerName: 'movies' }))).CorsPolicy).toEqual(WIDER);
      expect((await call('DeleteCorsPolicy', { ContainerName: 'movies' }, { 'If-Match': '"stale"' })).status).toBe(200);
      expect(await app.store.get('movies')).toBeNull();
    } finally {
      await app.close();
    }
  });

  test('the core API on a container: conditional writes, rollback and promote are what GetCorsPolicy and the data plane answer next', async () => {
    const app = await running();
    const preflight = (origin: string) => rawExchange(app.port, 'OPTIONS', '/data/movies/clip.mp4', { Origin: origin, 'Access-Control-Request-Method': 'GET' });
    const policyNow = async () => (await app.client.send(new GetCorsPolicyCommand({ ContainerName: 'movies' }))).CorsPolicy;
    try {
      await app.client.send(new PutCorsPolicyCommand({ ContainerName: 'movies', CorsPolicy: POLICY }));
      const first = (await app.store.get('movies'))!;
      expect(await preflight(EDITOR)).toMatch(/^HTTP\/1\.1 403 /); // cached by the data plane from here on

      const stale = await app.store.put('movies', WIDER_RULES, { ifVersion: 'stale' }).catch((error: unknown) => error);
      expect(isPreconditionFailedError(stale)).toBe(true);
      expect(await policyNow()).toEqual(POLICY);

      // A change heard by the data plane's cache is announced with the container and its new version.
      const heard = await publishedDuring<InvalidationReceivedEvent, unknown>(DIAGNOSTICS_CHANNELS.invalidation, async () => {
        const wider = await app.store.put('movies', WIDER_RULES, { ifVersion: first.version, source: 'cli' });
        expect(await eventually(async () => (await preflight(EDITOR)).startsWith('HTTP/1.1 200 '), true)).toBe(true);
        return wider;
      });
      expect(heard.events).toContainEqual(expect.objectContaining({ type: 'bucket', bucket: 'movies', version: (await app.store.get('movies'))!.version }));
      expect(await policyNow()).toEqual(WIDER);

      await rollbackConfiguration(app.store, 'movies', first.version);
      expect(await policyNow()).toEqual(POLICY);
      expect(await eventually(async () => (await preflight(EDITOR)).startsWith('HTTP/1.1 403 '), true)).toBe(true);

      const candidate = await app.store.putCandidate!('movies', WIDER_RULES);
      expect(await policyNow()).toEqual(POLICY);
      await app.store.promote!('movies', { ifCandidateVersion: candidate.version });
      expect(await policyNow()).toEqual(WIDER);
      expect((await app.store.history!('movies')).map(({ source }) => source)).toEqual(['promote', 'rollback', 'cli', 'router']);
    } finally {
      await app.close();
    }
  });

  test('DeleteContainer drops the policy, its history and its candidate; DeleteCorsPolicy keeps history and candidate', async () => {
    const app = await running();
    try {
      for (const container of ['movies', 'music']) {
        await app.client.send(new PutCorsPolicyCommand({ ContainerName: container, CorsPolicy: POLICY }));
        await app.store.putCandidate!(container, WIDER_RULES);
      }
      await app.client.send(new DeleteCorsPolicyCommand({ ContainerName: 'music' }));
      expect(await app.store.history!('music')).toHaveLength(2);
      expect(await app.store.getCandidate!('music')).toMatchObject({ configuration: WIDER_RULES });

      await app.client.send(new DeleteContainerCommand({ ContainerName: 'movies' }));
      expect(await eventually(async () => (await app.store.getCandidate!('movies')) === null, true)).toBe(true);
      expect(await app.store.get('movies')).toBeNull();
      expect(await app.store.history!('movies')).toEqual([]);

      // Created again, the container starts without any of it.
      app.containers.add('movies');
      expect((await failure(app.client.send(new GetCorsPolicyCommand({ ContainerName: 'movies' })))).name).toBe('CorsPolicyNotFoundException');
      const events = await publishedDuring<ReportOnlyEvent, string>(DIAGNOSTICS_CHANNELS.reportOnly, () =>
        rawExchange(app.port, 'OPTIONS', '/data/movies/clip.mp4', { Origin: EDITOR, 'Access-Control-Request-Method': 'GET' }),
      );
      expect(events.result).toMatch(/^HTTP\/1\.1 403 /);
      expect(events.events).toEqual([]);
      // A failed DeleteContainer (the container is already gone) drops nothing of another.
      expect((await failure(app.client.send(new DeleteContainerCommand({ ContainerName: 'nope' })))).name).toBe('ContainerNotFoundException');
      expect(await app.store.getCandidate!('music')).toMatchObject({ configuration: WIDER_RULES });
    } finally {
      await app.close();
    }
  });

  /** Requests to container `movies`' data plane; `differs`: how the candidate WIDER answers otherwise than POLICY. */
  const DATA_PLANE: ReadonlyArray<{ method: string; headers: Record<string, string>; differs?: ReportOnlyEvent['difference'] }> = [
    { method: 'OPTIONS', headers: { Origin: PLAYER, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'Range' } },
    { method: 'OPTIONS', headers: { Origin: EDITOR, 'Access-Control-Request-Method': 'PUT' }, differs: 'outcome' },
    { method: 'OPTIONS', headers: { Origin: 'https://other.example', 'Access-Control-Request-Method': 'GET' } },
    { method: 'GET', headers: { Origin: PLAYER } },
    { method: 'GET', headers: { Origin: EDITOR }, differs: 'outcome' },
    { method: 'GET', headers: {} },
  ];

  test('a container\'s report-only candidate: diverging requests publish the event, and no response changes by a byte', async () => {
    const without = await running();
    const withCandidate = await running();
    try {
      for (const app of [without, withCandidate]) await app.client.send(new PutCorsPolicyCommand({ ContainerName: 'movies', CorsPolicy: POLICY }));
      const candidate = await withCandidate.store.putCandidate!('movies', WIDER_RULES);

      const answers = async (app: Running) => {
        const responses: string[] = [];
        for (const step of DATA_PLANE) responses.push(await rawExchange(app.port, step.method, '/data/movies/clip.mp4', step.headers));
        return responses;
      };
      const plain = await publishedDuring<ReportOnlyEvent, string[]>(DIAGNOSTICS_CHANNELS.reportOnly, () => answers(without));
      const reported = await publishedDuring<ReportOnlyEvent, string[]>(DIAGNOSTICS_CHANNELS.reportOnly, () => answers(withCandidate));
      const unheard = await answers(withCandidate);

      expect(plain.events).toEqual([]);
      expect(reported.result).toEqual(plain.result);
      expect(unheard).toEqual(plain.result);
      expect(plain.result[1]).toMatch(/^HTTP\/1\.1 403 [\s\S]*"__type":"AccessDeniedException"/);
      expect(reported.events).toEqual(
        DATA_PLANE.filter((step) => step.differs !== undefined).map((step) =>
          ({
            dialect: 'mediastore',
            kind: step.method === 'OPTIONS' ? 'preflight' : 'actual',
            bucket: 'movies',
            method: step.method,
            origin: EDITOR,
            difference: step.differs,
            candidateVersion: candidate.version,
            key: 'clip.mp4',
            enforced: step.method === 'OPTIONS' ? { outcome: 'refused', rule: null, reason: 'no-match' } : { outcome: 'unmatched', rule: null, reason: 'no-match' },
            candidate: { outcome: step.method === 'OPTIONS' ? 'allowed' : 'matched', rule: 1, reason: null },
          }),
        ),
      );
    } finally {
      await without.close();
      await withCandidate.close();
    }
  });

  test('cacheTag: every data-plane response of a container carries its tag, with or without a policy', async () => {
    const app = await running();
    try {
      await app.client.send(new PutCorsPolicyCommand({ ContainerName: 'movies', CorsPolicy: POLICY }));
      const tagOf = async (container: string, method: string, headers: Record<string, string>) =>
        /^Surrogate-Key: (.*)$/im.exec(await rawExchange(app.port, method, `/data/${container}/clip.mp4`, headers))?.[1]?.trim();
      for (const step of DATA_PLANE) expect(await tagOf('movies', step.method, step.headers)).toBe('bucket-cors.movies');
      expect(await tagOf('music', 'OPTIONS', { Origin: PLAYER, 'Access-Control-Request-Method': 'GET' })).toBe('bucket-cors.music');
      expect(await tagOf('music', 'GET', { Origin: PLAYER })).toBe('bucket-cors.music');
    } finally {
      await app.close();
    }
  });
});
