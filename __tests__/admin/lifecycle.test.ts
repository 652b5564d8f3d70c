// Rules dropped with their bucket: a DeleteBucket / DeleteContainer the backend answers with success, seen by the
// admin routers as it passes through, deletes the rules in Redis and every instance's cache stops serving them;
// failed deletions and other DELETEs keep them. Real redis-server, two instances, the real AWS SDK clients.

import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DeleteContainerCommand, GetCorsPolicyCommand, MediaStoreClient, PutCorsPolicyCommand } from '@aws-sdk/client-mediastore';
import express, { type Express, type RequestHandler } from 'express';
import { Redis } from 'ioredis';
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import {
  bucketCors,
  createBucketResolver,
  MemoryRuleStore,
  RedisRuleStore,
  type AddressingOptions,
  type BucketCorsMiddleware,
  type RuleStore,
} from 'express-bucket-cors';
import { mediaStoreDialect, mediaStoreRouter, MediaStoreError, sendMediaStoreError, sendMediaStoreJson } from 'express-bucket-cors/mediastore';
import { corsRouter, S3Error, sendS3Error, type CorsRouterHandler, type CorsRouterOptions } from 'express-bucket-cors/s3';
import { FlakyStore, s3ClientFor, sdkError, VIRTUAL_HOST_DOMAIN } from '../dialects/s3/router-harness';
import { failure } from '../support/mediastore';
import { startRedis, type RedisServerHandle } from '../support/redis';

const ORIGIN = 'https://app.example';
const ADDRESSING: AddressingOptions = { virtualHostDomains: [VIRTUAL_HOST_DOMAIN] };
const RULES = [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET' as const, 'PUT' as const] }];
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
/** Bound of the polls that wait for pub/sub to reach the other instance (a failure, never a timing assertion). */
const PROPAGATION_MS = 3_000;

/** The object server behind the routers: buckets and their keys, S3's answers to CreateBucket, PutObject, DeleteObject, DeleteBucket. */
class Buckets {
  readonly contents = new Map<string, Set<string>>();
  /** Buckets whose deletion the backend refuses with 403 AccessDenied. */
  readonly locked = new Set<string>();
  readonly #resolve = createBucketResolver(ADDRESSING);

  readonly handler: RequestHandler = (req, res, next) => {
    void Promise.resolve(this.#resolve(req)).then((address) => {
      if (address === null) return next();
      const keys = this.contents.get(address.bucket);
      const query = req.url.includes('?');
      if (req.method === 'PUT' && address.key === '' && !query) this.contents.set(address.bucket, keys ?? new Set());
      else if (keys === undefined) return sendS3Error(req, res, new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist'));
      else if (req.method === 'PUT' && address.key !== '') keys.add(address.key);
      else if (req.method === 'DELETE' && address.key !== '') keys.delete(address.key);
      else if (req.method === 'DELETE' && query) return void res.status(204).end(); // DeleteBucketTagging and its kind
      else if (req.method === 'DELETE' && this.locked.has(address.bucket)) return sendS3Error(req, res, new S3Error(403, 'AccessDenied', 'Access Denied'));
      else if (req.method === 'DELETE' && keys.size > 0)
        return sendS3Error(req, res, new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty'));
      else if (req.method === 'DELETE') this.contents.delete(address.bucket);
      else return next();
      res.status(req.method === 'DELETE' ? 204 : 200).end();
    }, next);
  };
}

/**
 * How the backend reads a DeleteContainer body: with body-parser ('data' listeners), by async iteration
 * leaving the parsed input on `req.body`, or by async iteration keeping it to itself (`res.locals`).
 */
type BodyReading = 'body-parser' | 'async-iterator' | 'unseen';

/** The MediaStore control plane's DeleteContainer, served by the backend after mediaStoreRouter. */
function deleteContainerBackend(containers: Set<string>, read: BodyReading): RequestHandler[] {
  const parse = express.json({ type: 'application/x-amz-json-1.1' });
  const iterate: RequestHandler = (req, res, next) => {
    if (req.headers['x-amz-target'] !== 'MediaStore_20170901.DeleteContainer') return next();
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const input: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (read === 'unseen') res.locals.input = input;
      else req.body = input;
    })().then(() => next(), next);
  };
  const serve: RequestHandler = (req, res, next) => {
    if (req.headers['x-amz-target'] !== 'MediaStore_20170901.DeleteContainer') return next();
    const name = ((req.body ?? res.locals.input) as { ContainerName?: string }).ContainerName ?? '';
    if (!containers.has(name)) return sendMediaStoreError(req, res, new MediaStoreError(400, 'ContainerNotFoundException', 'The container that you specified in the request does not exist.'));
    if (name.startsWith('busy')) return sendMediaStoreError(req, res, new MediaStoreError(400, 'ContainerInUseException', 'The container is being updated.'));
    containers.delete(name);
    sendMediaStoreJson(res, 200, {});
  };
  return [read === 'body-parser' ? parse : iterate, serve];
}

interface Instance {
  readonly url: string;
  readonly port: number;
  readonly store: RuleStore;
  readonly router: CorsRouterHandler;
  readonly logger: { warn: jest.Mock; error: jest.Mock };
}

const preflight = (instance: Instance, path: string) =>
  request(instance.url).options(path).set({ Origin: ORIGIN, 'Access-Control-Request-Method': 'PUT' }).then((response) => response.status);

/** Polls until `probe` gives `expected` (pub/sub is asynchronous), then returns what it gave last. */
async function eventually<T>(probe: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + PROPAGATION_MS;
  let seen = await probe();
  while (seen !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    seen = await probe();
  }
  return seen;
}

describe('rules dropped with their bucket, two instances on a real redis-server', () => {
  let redis: RedisServerHandle;
  const buckets = new Buckets();
  const containers = new Set<string>();
  const closers: Array<() => Promise<void> | void> = [];

  /** One instance (as another process would be): its own Redis client, store, cache, routers; the backend shared. */
  async function instance(options: Partial<CorsRouterOptions> = {}, containerBody: BodyReading = 'body-parser'): Promise<Instance> {
    const client = new Redis(redis.port, redis.host, { maxRetriesPerRequest: 1 });
    const logger = { warn: jest.fn(), error: jest.fn() };
    const store = options.store ?? new RedisRuleStore({ client, logger });
    const middleware: BucketCorsMiddleware = bucketCors({ store, addressing: ADDRESSING, logger });
    const router = corsRouter({ store, authorize: () => true, addressing: ADDRESSING, bucketExists: (bucket) => buckets.contents.has(bucket), logger, ...options });
    const app: Express = express();
    app.use('/data', bucketCors({ store, dialect: mediaStoreDialect, logger }));
    app.use('/data', (_req, res) => void res.status(200).end());
    app.use(mediaStoreRouter({ store, authorize: () => true, containerExists: (name) => containers.has(name), logger }));
    app.use(...deleteContainerBackend(containers, containerBody));
    app.use(middleware, router, buckets.handler);
    const server: Server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    closers.push(async () => {
      middleware.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close?.();
      client.disconnect();
    });
    return { url: `http://127.0.0.1:${port}`, port, store, router, logger };
  }

  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    redis = await startRedis();
    a = await instance();
    b = await instance();
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await redis.stop();
  });

  describe.each(['path', 'virtual'] as const)('S3 DeleteBucket through @aws-sdk/client-s3, %s-style', (style) => {
    let viaA: S3Client;
    let viaB: S3Client;
    beforeAll(() => {
      viaA = s3ClientFor(a, style);
      viaB = s3ClientFor(b, style);
    });
    afterAll(() => {
      viaA.destroy();
      viaB.destroy();
    });

    /** A bucket with rules that B's cache serves. */
    async function bucketWithRules(bucket: string): Promise<void> {
      await viaA.send(new CreateBucketCommand({ Bucket: bucket }));
      await viaA.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: RULES } }));
      expect(await preflight(b, `/${bucket}/k`)).toBe(200);
    }

    test('a successful DeleteBucket through A drops the rules: B stops serving them, the re-created bucket has none', async () => {
      const bucket = `gone-${style}`;
      await bucketWithRules(bucket);
      await viaA.send(new DeleteBucketCommand({ Bucket: bucket }));
      expect(await eventually(() => preflight(b, `/${bucket}/k`), 403)).toBe(403);
      expect(await b.store.get(bucket)).toBeNull();
      await viaB.send(new CreateBucketCommand({ Bucket: bucket }));
      expect((await sdkError(viaB.send(new GetBucketCorsCommand({ Bucket: bucket })))).name).toBe('NoSuchCORSConfiguration');
      expect(a.logger.error).not.toHaveBeenCalled();
    });

    test('a failed DeleteBucket (409 BucketNotEmpty, 403 AccessDenied) and other successful DELETEs keep the rules', async () => {
      const bucket = `kept-${style}`;
      await bucketWithRules(bucket);
      await viaA.send(new PutObjectCommand({ Bucket: bucket, Key: 'a.txt', Body: 'a' }));
      expect((await sdkError(viaA.send(new DeleteBucketCommand({ Bucket: bucket })))).name).toBe('BucketNotEmpty');
      await viaA.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a.txt' }));
      await viaA.send(new DeleteBucketTaggingCommand({ Bucket: bucket }));
      buckets.locked.add(bucket);
      expect((await sdkError(viaA.send(new DeleteBucketCommand({ Bucket: bucket })))).name).toBe('AccessDenied');
      buckets.locked.delete(bucket);
      expect((await sdkError(viaA.send(new DeleteBucketCommand({ Bucket: 'never-created' })))).name).toBe('NoSuchBucket');

      expect((await b.store.get(bucket))?.configuration.CORSRules).toEqual(RULES);
      expect(await preflight(b, `/${bucket}/k`)).toBe(200);
      expect((await viaB.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules).toEqual(RULES);
    });
  });

  test('dropRulesOnDelete: false keeps the rules of a deleted bucket', async () => {
    const keeping = await instance({ dropRulesOnDelete: false });
    await request(keeping.url).put('/keep-me').expect(200);
    await a.store.put('keep-me', { CORSRules: RULES });
    await request(keeping.url).delete('/keep-me').expect(204);
    // A drop through A issued after it, and seen done, orders the check after any drop the first delete would have made.
    await request(a.url).put('/control').expect(200);
    await a.store.put('control', { CORSRules: RULES });
    await request(a.url).delete('/control').expect(204);
    expect(await eventually(async () => (await b.store.get('control')) === null, true)).toBe(true);
    expect((await b.store.get('keep-me'))?.configuration.CORSRules).toEqual(RULES);
  });

  test('bucketDeleted() drops the rules of a bucket deleted elsewhere, and B stops serving them', async () => {
    await request(a.url).put('/elsewhere').expect(200);
    await a.store.put('elsewhere', { CORSRules: RULES });
    await a.store.put('elsewhere', { CORSRules: RULES });
    expect(await preflight(b, '/elsewhere/k')).toBe(200);
    expect(await a.store.history!('elsewhere')).toHaveLength(2);
    await expect(a.router.bucketDeleted('elsewhere')).resolves.toBe(true);
    expect(await eventually(() => preflight(b, '/elsewhere/k'), 403)).toBe(403);
    await expect(a.store.history!('elsewhere')).resolves.toEqual([]); // the history goes with the bucket
  });

  test('a store failure while dropping is logged once per kind, never changes the answer; repeating the drop works', async () => {
    const flaky = new FlakyStore(new MemoryRuleStore());
    const broken = await instance({ store: flaky });
    for (const bucket of ['f1', 'f2']) {
      await request(broken.url).put(`/${bucket}`).expect(200);
      await flaky.put(bucket, { CORSRules: RULES });
    }
    flaky.failing = true;
    await request(broken.url).delete('/f1').expect(204);
    await request(broken.url).delete('/f2').expect(204);
    const logged = () => broken.logger.error.mock.calls.filter(([message]) => String(message).includes('dropping the rules of a deleted bucket'));
    expect(await eventually(async () => logged().length, 1)).toBe(1);
    expect(logged()[0]![0]).toContain('"f1"');
    await expect(broken.router.bucketDeleted('f2')).resolves.toBe(false);
    flaky.failing = false;
    expect(await flaky.get('f1')).not.toBeNull();
    await expect(broken.router.bucketDeleted('f1')).resolves.toBe(true);
    expect(await flaky.get('f1')).toBeNull();
  });

  describe('MediaStore DeleteContainer through @aws-sdk/client-mediastore', () => {
    let viaA: MediaStoreClient;
    let viaB: MediaStoreClient;
    const policy = [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET' as const, 'PUT' as const], AllowedHeaders: [] }];
    const client = (instance: Instance) => new MediaStoreClient({ endpoint: instance.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    beforeAll(() => {
      viaA = client(a);
      viaB = client(b);
    });
    afterAll(() => {
      viaA.destroy();
      viaB.destroy();
    });

    async function containerWithPolicy(name: string): Promise<void> {
      containers.add(name);
      await viaA.send(new PutCorsPolicyCommand({ ContainerName: name, CorsPolicy: policy }));
      expect(await preflight(b, `/data/${name}/clip.mp4`)).toBe(200);
    }

    test('a successful DeleteContainer through A drops the policy and B stops serving it; a refused one keeps it', async () => {
      await containerWithPolicy('movies');
      await containerWithPolicy('busy-music');
      expect((await failure(viaA.send(new DeleteContainerCommand({ ContainerName: 'busy-music' })))).name).toBe('ContainerInUseException');
      await viaA.send(new DeleteContainerCommand({ ContainerName: 'movies' }));

      expect(await eventually(() => preflight(b, '/data/movies/clip.mp4'), 403)).toBe(403);
      containers.add('movies');
      expect((await failure(viaB.send(new GetCorsPolicyCommand({ ContainerName: 'movies' })))).name).toBe('CorsPolicyNotFoundException');
      expect((await viaB.send(new GetCorsPolicyCommand({ ContainerName: 'busy-music' }))).CorsPolicy).toEqual(policy);
      expect(await preflight(b, '/data/busy-music/clip.mp4')).toBe(200);
    });

    test('a backend reading the body by async iteration: dropped when it leaves req.body', async () => {
      const iterating = await instance({}, 'async-iterator');
      const via = client(iterating);
      try {
        await containerWithPolicy('iterated');
        await via.send(new DeleteContainerCommand({ ContainerName: 'iterated' }));
        expect(await eventually(() => preflight(b, '/data/iterated/clip.mp4'), 403)).toBe(403);
        expect(iterating.logger.warn).not.toHaveBeenCalled();
      } finally {
        via.destroy();
      }
    });

    test('a backend that reads the body unseen keeps the policy and is told, once, to call bucketDeleted()', async () => {
      const unseen = await instance({}, 'unseen');
      const via = client(unseen);
      try {
        for (const name of ['hidden1', 'hidden2']) {
          await containerWithPolicy(name);
          await via.send(new DeleteContainerCommand({ ContainerName: name }));
        }
        expect(await eventually(async () => unseen.logger.warn.mock.calls.length, 1)).toBe(1);
        expect(unseen.logger.warn.mock.calls[0]![0]).toContain('bucketDeleted(container)');
        expect(await unseen.store.get('hidden1')).not.toBeNull();
      } finally {
        via.destroy();
      }
    });
  });
});

describe('dropRulesOnDelete option', () => {
  test.each([
    ['corsRouter', () => corsRouter({ store: new MemoryRuleStore(), authorize: () => true, dropRulesOnDelete: 'yes' as unknown as boolean })],
    ['mediaStoreRouter', () => mediaStoreRouter({ store: new MemoryRuleStore(), authorize: () => true, dropRulesOnDelete: 1 as unknown as boolean })],
  ])('%s refuses a value that is not true or false, naming the default', (owner, build) => {
    expect(build).toThrow(new RegExp(`^${owner}: \`dropRulesOnDelete\` must be true or false \\(default true\\)`));
  });
});
