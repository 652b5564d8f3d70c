// mediaStoreRouter with the real @aws-sdk/client-mediastore, on the memory store and on a real redis-server:
// every operation and error of the CORS-policy API, policies left intact after each refusal, and the data plane.

import { DeleteCorsPolicyCommand, GetCorsPolicyCommand, MediaStoreClient, PutCorsPolicyCommand, type CorsRule } from '@aws-sdk/client-mediastore';
import express from 'express';
import { Redis } from 'ioredis';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { mediaStoreDialect, mediaStoreRouter } from 'express-bucket-cors/mediastore';
import { corsRouter } from 'express-bucket-cors/s3';
import { bucketCors, MemoryRuleStore, RedisRuleStore, type RuleStore } from 'express-bucket-cors';
import { failure } from '../../support/mediastore';
import { startRedis, type RedisServerHandle } from '../../support/redis';

const ORIGIN = 'https://player.example';
const CONTAINERS = new Set(['movies', 'music']);
const POLICY: CorsRule[] = [
  { AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedHeaders: ['content-type', 'x-amz-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 },
  { AllowedOrigins: ['*'], AllowedMethods: ['GET'], AllowedHeaders: [] },
];

interface Running {
  readonly client: MediaStoreClient;
  readonly url: string;
  close(): Promise<void>;
}

/** One Express app: the control plane at `/`, each container's data plane at `/data/<container>/…`, S3's ?cors too. */
async function start(store: RuleStore): Promise<Running> {
  const app = express();
  const logger = { warn: jest.fn(), error: jest.fn() };
  const containerExists = (name: string) => CONTAINERS.has(name);
  app.use('/data', bucketCors({ store, dialect: mediaStoreDialect, bucketExists: containerExists, logger }));
  app.use('/data', (_req, res) => void res.status(200).json({ served: true }));
  app.use(mediaStoreRouter({ store, authorize: () => true, containerExists, logger }));
  app.use(corsRouter({ store, authorize: () => true, logger }));
  app.use((_req, res) => void res.status(418).end());
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new MediaStoreClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, maxAttempts: 1 });
  return {
    client,
    url,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

const stores: Array<[string, () => Promise<{ store: RuleStore; stop(): Promise<void> }>]> = [
  ['memory', async () => ({ store: new MemoryRuleStore(), stop: async () => {} })],
  [
    'Redis',
    async () => {
      const redis: RedisServerHandle = await startRedis();
      const client = new Redis(redis.port, redis.host, { maxRetriesPerRequest: 1 });
      const store = new RedisRuleStore({ client });
      return {
        store,
        stop: async () => {
          await store.close();
          client.disconnect();
          await redis.stop();
        },
      };
    },
  ],
];

describe.each(stores)('mediaStoreRouter with @aws-sdk/client-mediastore on the %s store', (_name, makeStore) => {
  let backend: { store: RuleStore; stop(): Promise<void> };
  let running: Running;

  beforeAll(async () => {
    backend = await makeStore();
    running = await start(backend.store);
  });
  afterAll(async () => {
    await running.close();
    await backend.stop();
  });

  const put = (CorsPolicy: CorsRule[], ContainerName = 'movies') => running.client.send(new PutCorsPolicyCommand({ ContainerName, CorsPolicy }));
  const get = (ContainerName = 'movies') => running.client.send(new GetCorsPolicyCommand({ ContainerName }));
  const remove = (ContainerName = 'movies') => running.client.send(new DeleteCorsPolicyCommand({ ContainerName }));

  test('put → get → preflight on the data plane → delete → get (not found) → delete (not found)', async () => {
    await put(POLICY);
    expect((await get()).CorsPolicy).toEqual(POLICY);

    const allowed = await request(running.url)
      .options('/data/movies/clips/a.mp4')
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'Content-Type, X-Amz-Meta-Title');
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(allowed.headers['access-control-allow-headers']).toBe('content-type, x-amz-meta-title');
    expect(allowed.headers['access-control-max-age']).toBe('3000');
    const actual = await request(running.url).get('/data/movies/clips/a.mp4').set('Origin', ORIGIN);
    expect(actual.headers['access-control-expose-headers']).toBe('ETag');

    await remove();
    expect((await failure(get())).name).toBe('CorsPolicyNotFoundException');
    expect((await failure(remove())).name).toBe('CorsPolicyNotFoundException');
    const refused = await request(running.url).options('/data/movies/a').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'GET');
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.body).toEqual({ __type: 'AccessDeniedException', Message: 'CORS preflight refused: the container has no CORS policy.' });
  });

  test('an unknown container is ContainerNotFoundException for every operation', async () => {
    for (const call of [put(POLICY, 'nope'), get('nope'), remove('nope')]) {
      const error = await failure(call);
      expect(error.name).toBe('ContainerNotFoundException');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe('The container that you specified in the request does not exist.');
    }
  });

  test.each<[string, CorsRule[], string]>([
    ['101 rules', Array.from({ length: 101 }, () => POLICY[1]!), 'a configuration holds at most 100 rules, not 101'],
    // The SDK's types refuse these; it sends them all the same (it validates nothing on the client).
    ['POST', [{ ...POLICY[0]!, AllowedMethods: ['GET', 'POST'] } as unknown as CorsRule], 'rule 1: AllowedMethods holds the unsupported method "POST"'],
    ['a missing AllowedHeaders', [POLICY[0]!, { AllowedOrigins: ['*'], AllowedMethods: ['GET'] } as unknown as CorsRule], 'rule 2: AllowedHeaders is required'],
    ['two wildcards in an origin', [{ ...POLICY[0]!, AllowedOrigins: ['https://*.*.example'] }], 'rule 1: AllowedOrigins holds "https://*.*.example", which has more than one wildcard'],
    ['two wildcards in a header', [{ ...POLICY[0]!, AllowedHeaders: ['x-*-*'] }], 'rule 1: AllowedHeaders holds "x-*-*", which has more than one wildcard'],
    ['no rules', [], 'the configuration must have at least one rule'],
    ['an origin over 2,048 characters', [{ ...POLICY[1]!, AllowedOrigins: [`https://${'a'.repeat(2048)}`] }], 'rule 1: AllowedOrigins holds a value longer than 2048 characters'],
    ['a negative MaxAgeSeconds', [{ ...POLICY[1]!, MaxAgeSeconds: -1 }], 'rule 1: MaxAgeSeconds must be between 0 and 2147483647, not -1'],
    // MediaStore's model allows tab, LF, CR and U+0020–U+00FF in an origin (S3 takes any XML character).
    ['an origin beyond U+00FF', [POLICY[1]!, { ...POLICY[1]!, AllowedOrigins: ['https://例え.example'] }], 'rule 2: AllowedOrigins "https://例え.example" has U+4F8B, outside the characters MediaStore accepts (tab, line feed, carriage return, U+0020 to U+00FF)'],
    ['an origin with U+0100, the first character past the range', [{ ...POLICY[1]!, AllowedOrigins: ['https://\u0100.example'] }], 'rule 1: AllowedOrigins "https://\u0100.example" has U+0100, outside the characters MediaStore accepts (tab, line feed, carriage return, U+0020 to U+00FF)'],
  ])('refuses %s with ValidationException and leaves the policy intact', async (_what, policy, reason) => {
    await put(POLICY, 'music');
    const error = await failure(put(policy, 'music'));
    expect(error.name).toBe('ValidationException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(`Invalid CORS policy: ${reason}.`);
    expect((await get('music')).CorsPolicy).toEqual(POLICY);
  });

  test('accepts an origin up to U+00FF (Latin-1), as the model does', async () => {
    const latin1: CorsRule[] = [{ ...POLICY[1]!, AllowedOrigins: ['https://caf\u00e9\u00ff.example'] }];
    await put(latin1, 'music');
    expect((await get('music')).CorsPolicy).toEqual(latin1);
  });

  test('a policy over 398,000 characters is refused', async () => {
    const long: CorsRule[] = Array.from({ length: 100 }, () => ({ AllowedOrigins: Array.from({ length: 2 }, () => `https://${'o'.repeat(2030)}`), AllowedMethods: ['GET'], AllowedHeaders: [] }));
    const error = await failure(put(long, 'music'));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(/more than the 398000 allowed/);
  });

  test('one store: a policy put through MediaStore is the bucket configuration S3 returns, and the reverse', async () => {
    await put([POLICY[1]!], 'movies');
    const s3View = await request(running.url).get('/movies?cors').set('Accept', 'application/json');
    expect(JSON.parse(s3View.text)).toEqual({ CORSRules: [{ AllowedHeaders: [], AllowedMethods: ['GET'], AllowedOrigins: ['*'] }] });
    const xml = '<CORSConfiguration><CORSRule><ID>s3-rule</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>POST</AllowedMethod></CORSRule></CORSConfiguration>';
    const md5 = (await import('node:crypto')).createHash('md5').update(xml).digest('base64');
    expect((await request(running.url).put('/movies?cors').set('Content-MD5', md5).send(xml)).status).toBe(200);
    // MediaStore's view: no ID, AllowedHeaders shown as [] (same meaning), POST shown as what the data plane enforces.
    expect((await get('movies')).CorsPolicy).toEqual([{ AllowedOrigins: ['*'], AllowedHeaders: [], AllowedMethods: ['POST'] }]);
  });
});

describe('mediaStoreRouter on the wire', () => {
  let running: Running;
  beforeAll(async () => {
    running = await start(new MemoryRuleStore());
  });
  afterAll(() => running.close());

  const call = (target: string, body: string) =>
    request(running.url).post('/').set('Content-Type', 'application/x-amz-json-1.1').set('X-Amz-Target', target).send(body);

  test('errors are JSON 1.1: __type and Message, x-amzn-ErrorType, x-amzn-RequestId', async () => {
    const res = await call('MediaStore_20170901.GetCorsPolicy', '{"ContainerName":"movies"}');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(res.headers['x-amzn-errortype']).toBe('CorsPolicyNotFoundException');
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(res.text)).toEqual({ __type: 'CorsPolicyNotFoundException', Message: 'The CORS policy that you specified in the request does not exist.' });
  });

  test.each<[string, string, string]>([
    ['not JSON', '{', 'SerializationException'],
    ['a JSON array', '[]', 'SerializationException'],
    ['a CorsPolicy that is no list', '{"ContainerName":"movies","CorsPolicy":{}}', 'SerializationException'],
    ['a rule member of the wrong type', '{"ContainerName":"movies","CorsPolicy":[{"AllowedOrigins":"*","AllowedMethods":["GET"],"AllowedHeaders":[]}]}', 'SerializationException'],
    ['an unknown rule member', '{"ContainerName":"movies","CorsPolicy":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"],"AllowedHeaders":[],"Colour":1}]}', 'SerializationException'],
    ['a rule ID', '{"ContainerName":"movies","CorsPolicy":[{"ID":"x","AllowedOrigins":["*"],"AllowedMethods":["GET"],"AllowedHeaders":[]}]}', 'ValidationException'],
    ['a bad container name', '{"ContainerName":"no spaces","CorsPolicy":[]}', 'ValidationException'],
    ['no container name', '{"CorsPolicy":[]}', 'ValidationException'],
  ])('refuses %s', async (_what, body, type) => {
    const res = await call('MediaStore_20170901.PutCorsPolicy', body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).__type).toBe(type);
  });

  test('an oversized body is refused without reading it all', async () => {
    const res = await call('MediaStore_20170901.PutCorsPolicy', `{"ContainerName":"movies","CorsPolicy":[${'1,'.repeat(500_000)}1]}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ __type: 'ValidationException', Message: 'The request body is larger than 796000 bytes.' });
  });

  test('other operations, other methods and other paths go to next()', async () => {
    expect((await call('MediaStore_20170901.CreateContainer', '{"ContainerName":"x"}')).status).toBe(418);
    expect((await request(running.url).get('/').set('X-Amz-Target', 'MediaStore_20170901.GetCorsPolicy')).status).toBe(418);
    expect((await request(running.url).post('/x').set('X-Amz-Target', 'MediaStore_20170901.GetCorsPolicy').send('{}')).status).toBe(418);
  });

  test('requires authorize, and refuses with AccessDeniedException when it says no', async () => {
    expect(() => mediaStoreRouter({ store: new MemoryRuleStore() } as never)).toThrow(/mediaStoreRouter: `authorize` must be given: .*`authorize: \(\) => true`/s);
    const app = express();
    app.use(mediaStoreRouter({ store: new MemoryRuleStore(), authorize: () => false }));
    const res = await request(app).post('/').set('X-Amz-Target', 'MediaStore_20170901.GetCorsPolicy').send('{"ContainerName":"movies"}');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).__type).toBe('AccessDeniedException');
  });
});
