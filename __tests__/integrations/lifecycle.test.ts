// A DeleteBucket through any recipe drops the bucket's rules on every instance: two instances of each recipe share
// Redis (and, for s3rver and the gateway, the same backend data); the bucket is deleted through one, the other stops
// answering with its rules.

import { CreateBucketCommand, DeleteBucketCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis, type RedisServerHandle } from '../support/redis';
import { conformanceClient } from '../conformance/http';
import { startRecipe, type RecipeName, type RunningRecipe } from './recipes';
import { startS3rver, S3RVER_CREDENTIALS, type RunningS3rver } from './s3rver-backend';

const OWNER = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const ORIGIN = 'https://app.example';

const s3For = (url: string, credentials: typeof OWNER) => new S3Client({ region: 'us-east-1', endpoint: url, forcePathStyle: true, credentials, maxAttempts: 1 });

/** A preflight for a PUT from ORIGIN to `bucket`: its status and ACAO. */
async function preflight(url: string, bucket: string): Promise<[number, unknown]> {
  const res = await conformanceClient(url).send({ method: 'OPTIONS', path: `/${bucket}/k`, headers: { origin: ORIGIN, 'access-control-request-method': 'PUT' } });
  return [res.status, res.headers['access-control-allow-origin']];
}

describe.each(['express', 'fastify', 'node-http', 's3rver', 'gateway'] as const)('DeleteBucket through the %s recipe', (name: RecipeName) => {
  let redis: RedisServerHandle;
  let backend: RunningS3rver | undefined;
  let dataDir: string | undefined;
  let instances: RunningRecipe[] = [];
  const credentials = name === 's3rver' || name === 'gateway' ? S3RVER_CREDENTIALS : OWNER;

  beforeAll(async () => {
    redis = await startRedis();
    const env: Record<string, string> = { REDIS_URL: redis.url };
    if (name === 's3rver') env.S3RVER_DIR = dataDir = mkdtempSync(path.join(os.tmpdir(), 's3rver-shared-'));
    if (name === 'gateway') {
      backend = await startS3rver();
      Object.assign(env, { BACKEND_URL: backend.url, GATEWAY_CREDENTIALS: `${credentials.accessKeyId}:${credentials.secretAccessKey}` });
    }
    instances = await Promise.all([startRecipe(name, env), startRecipe(name, env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await backend?.stop();
    await redis?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it("drops the rules on every instance, and the bucket created again starts without them", async () => {
    const [a, b] = instances as [RunningRecipe, RunningRecipe];
    const s3 = s3For(a.url, credentials);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
      await s3.send(new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['PUT'] }] } }));
      expect(await preflight(b.url, 'photos')).toEqual([200, ORIGIN]);

      await s3.send(new DeleteBucketCommand({ Bucket: 'photos' }));
      // The drop happens as the 204 is sent, and reaches the other instance by Redis pub/sub.
      const deadline = Date.now() + 2_000;
      let seen = await preflight(b.url, 'photos');
      while (seen[0] === 200 && Date.now() < deadline) seen = await preflight(b.url, 'photos');
      expect(seen[0]).toBe(403);
      expect(seen[1]).toBeUndefined();

      await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
      expect((await preflight(a.url, 'photos'))[0]).toBe(403);
      await expect(s3.send(new DeleteBucketCommand({ Bucket: 'never-created' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    } finally {
      s3.destroy();
    }
  });
});
