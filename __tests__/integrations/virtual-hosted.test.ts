// The s3rver recipe addressed virtual-hosted (<bucket>.s3.localhost) with the AWS SDK: the library resolves the bucket,
// toPathStyle hands s3rver the same bucket and key, and CORS applies to both styles alike.

import { CreateBucketCommand, GetObjectCommand, PutBucketCorsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Agent, request } from 'node:http';
import type { LookupFunction } from 'node:net';
import { startRecipe, type RunningRecipe } from './recipes';
import { S3RVER_CREDENTIALS } from './s3rver-backend';

const ORIGIN = 'https://app.example';

/** Every host name resolves to 127.0.0.1, so `<bucket>.s3.localhost` reaches the recipe. */
const loopbackLookup = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

/** A raw request with a Host of our choosing: status, CORS origin header and body. */
function send(port: number, host: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; acao: unknown; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host, ...headers }, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, acao: res.headers['access-control-allow-origin'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the s3rver recipe, virtual-hosted', () => {
  let recipe: RunningRecipe;
  let port: number;
  let s3: S3Client;
  beforeAll(async () => {
    recipe = await startRecipe('s3rver');
    port = Number(new URL(recipe.url).port);
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: `http://s3.localhost:${port}`,
      forcePathStyle: false,
      credentials: S3RVER_CREDENTIALS,
      requestHandler: { httpAgent: new Agent({ keepAlive: false, lookup: loopbackLookup }) },
      maxAttempts: 1,
    });
  }, 30_000);
  afterAll(async () => {
    s3?.destroy();
    await recipe?.stop();
  });

  it('creates, configures, writes and reads a bucket through its own host name, with CORS on both styles', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'vhost-photos' }));
    await s3.send(new PutObjectCommand({ Bucket: 'vhost-photos', Key: 'dir/a b+c.txt', Body: 'virtually hosted' }));
    await s3.send(new PutBucketCorsCommand({ Bucket: 'vhost-photos', CORSConfiguration: { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'] }] } }));
    const read = await s3.send(new GetObjectCommand({ Bucket: 'vhost-photos', Key: 'dir/a b+c.txt' }));
    expect(await read.Body!.transformToString()).toBe('virtually hosted');

    const host = `vhost-photos.s3.localhost:${port}`;
    expect(await send(port, host, 'GET', '/dir/a%20b%2Bc.txt', { origin: ORIGIN })).toEqual({ status: 200, acao: ORIGIN, body: 'virtually hosted' });
    expect(await send(port, `127.0.0.1:${port}`, 'GET', '/vhost-photos/dir/a%20b%2Bc.txt', { origin: ORIGIN })).toEqual({ status: 200, acao: ORIGIN, body: 'virtually hosted' });
    expect((await send(port, host, 'OPTIONS', '/dir/x', { origin: ORIGIN, 'access-control-request-method': 'GET' })).status).toBe(200);
    // The key is s3rver's own 404 for the right bucket, with CORS headers.
    const missing = await send(port, host, 'GET', '/missing.txt', { origin: ORIGIN });
    expect([missing.status, missing.acao, /<Code>NoSuchKey<\/Code>/.test(missing.body)]).toEqual([404, ORIGIN, true]);
  });
});
