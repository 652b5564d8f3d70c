// The AWS SDK v3 (S3 client, presigner, MediaStore client) against routers authorized by sigv4Authorizer.

import { DeleteCorsPolicyCommand, GetCorsPolicyCommand, MediaStoreClient, PutCorsPolicyCommand } from '@aws-sdk/client-mediastore';
import { DeleteBucketCorsCommand, GetBucketCorsCommand, PutBucketCorsCommand, S3Client, type CORSRule } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash } from 'node:crypto';
import { OTHER_KEY, OWNER_KEY, s3ErrorFields, startSignedApp, UNKNOWN_KEY, type SignedApp } from './harness';

const RULES: CORSRule[] = [{ AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], MaxAgeSeconds: 600 }];
const CORS_XML =
  '<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>';

type Key = { readonly accessKeyId: string; readonly secretAccessKey: string };

let app: SignedApp;
const clients: Array<{ destroy(): void }> = [];
beforeAll(async () => {
  app = await startSignedApp();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await app.close();
});
afterEach(() => {
  app.clockOffsetMs = 0;
});

function s3(key: Key = OWNER_KEY): S3Client {
  const client = new S3Client({ region: 'us-east-1', endpoint: app.url, forcePathStyle: true, credentials: key, maxAttempts: 1 });
  clients.push(client);
  return client;
}

function mediaStore(key: Key = OWNER_KEY): MediaStoreClient {
  const client = new MediaStoreClient({ region: 'us-east-1', endpoint: app.url, credentials: key, maxAttempts: 1 });
  clients.push(client);
  return client;
}

/** The SDK's exception for a call that must fail: its name (the error code) and HTTP status. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { name, message, $metadata } = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name, status: $metadata?.httpStatusCode, message };
  }
  throw new Error('expected the call to fail');
}

describe('@aws-sdk/client-s3, header-signed', () => {
  test('PutBucketCors → GetBucketCors → DeleteBucketCors by the owner; the PUT signs its body’s SHA-256 (no aws-chunked)', async () => {
    const client = s3();
    app.seen.length = 0;
    await client.send(new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: RULES } }));
    expect(app.seen[0]).toEqual({ method: 'PUT', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), crc32: expect.any(String) });
    expect((await client.send(new GetBucketCorsCommand({ Bucket: 'photos' }))).CORSRules).toEqual(RULES);
    await client.send(new DeleteBucketCorsCommand({ Bucket: 'photos' }));
    expect(await failure(client.send(new GetBucketCorsCommand({ Bucket: 'photos' })))).toMatchObject({ name: 'NoSuchCORSConfiguration', status: 404 });
  });

  test('unknown access key: 403 InvalidAccessKeyId; right key, other secret: 403 SignatureDoesNotMatch; nothing stored', async () => {
    expect(await failure(s3(UNKNOWN_KEY).send(new GetBucketCorsCommand({ Bucket: 'photos' })))).toEqual({
      name: 'InvalidAccessKeyId',
      status: 403,
      message: 'The AWS Access Key Id you provided does not exist in our records.',
    });
    const forged = s3({ accessKeyId: OWNER_KEY.accessKeyId, secretAccessKey: OTHER_KEY.secretAccessKey });
    expect(await failure(forged.send(new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: RULES } })))).toEqual({
      name: 'SignatureDoesNotMatch',
      status: 403,
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    });
    expect(await app.store.get('photos')).toBeNull();
  });

  test('a client clock 16 minutes off: 403 RequestTimeTooSkewed (15 minutes allowed, as S3)', async () => {
    app.clockOffsetMs = 16 * 60 * 1000;
    expect(await failure(s3().send(new GetBucketCorsCommand({ Bucket: 'photos' })))).toMatchObject({ name: 'RequestTimeTooSkewed', status: 403 });
    app.clockOffsetMs = 14 * 60 * 1000;
    expect(await failure(s3().send(new GetBucketCorsCommand({ Bucket: 'photos' })))).toMatchObject({ name: 'NoSuchCORSConfiguration', status: 404 });
  });

  test('the other key is an owner too by default (any valid signature); anonymous callers get 403 AccessDenied', async () => {
    await s3(OTHER_KEY).send(new PutBucketCorsCommand({ Bucket: 'other', CORSConfiguration: { CORSRules: RULES } }));
    const anonymous = await fetch(`${app.url}/other?cors`);
    expect(anonymous.status).toBe(403);
    expect(s3ErrorFields(await anonymous.text())).toMatchObject({ Code: 'AccessDenied', Message: 'Access Denied' });
  });
});

describe('@aws-sdk/s3-request-presigner URLs used with fetch', () => {
  test('a presigned GetBucketCors URL reads the rules; a presigned PutBucketCors URL stores a body (UNSIGNED-PAYLOAD, Content-MD5 sent)', async () => {
    const client = s3();
    // The presigner signs the Content-Length of the body the SDK would send; this URL is for a body of the caller's.
    const options = { expiresIn: 300, unsignableHeaders: new Set(['content-length']) };
    const put = await getSignedUrl(client, new PutBucketCorsCommand({ Bucket: 'videos', CORSConfiguration: { CORSRules: RULES } }), options);
    expect(put).toContain('X-Amz-Signature=');
    const stored = await fetch(put, { method: 'PUT', body: CORS_XML, headers: { 'content-md5': createHash('md5').update(CORS_XML).digest('base64') } });
    expect(stored.status).toBe(200);
    const get = await getSignedUrl(client, new GetBucketCorsCommand({ Bucket: 'videos' }), { expiresIn: 300 });
    const read = await fetch(get);
    expect(read.status).toBe(200);
    expect(await read.text()).toContain('<AllowedOrigin>https://app.example.com</AllowedOrigin>');
  });

  test('expired: 403 AccessDenied "Request has expired" with X-Amz-Expires, Expires and ServerTime', async () => {
    const url = await getSignedUrl(s3(), new GetBucketCorsCommand({ Bucket: 'videos' }), { expiresIn: 60 });
    app.clockOffsetMs = 61_000;
    const response = await fetch(url);
    expect(response.status).toBe(403);
    const fields = s3ErrorFields(await response.text());
    expect(fields).toMatchObject({ Code: 'AccessDenied', Message: 'Request has expired', 'X-Amz-Expires': '60' });
    expect(Date.parse(fields.ServerTime!) - Date.parse(fields.Expires!)).toBeGreaterThanOrEqual(0);
  });

  test('a changed signature byte, another bucket, another method: 403 SignatureDoesNotMatch', async () => {
    const url = await getSignedUrl(s3(), new GetBucketCorsCommand({ Bucket: 'videos' }), { expiresIn: 300 });
    const flipped = url.replace(/X-Amz-Signature=([0-9a-f])/, (_all, first: string) => `X-Amz-Signature=${first === '0' ? '1' : '0'}`);
    for (const [target, method] of [
      [flipped, 'GET'],
      [url.replace('/videos/?', '/photos/?'), 'GET'],
      [url, 'DELETE'],
    ] as const) {
      const response = await fetch(target, { method });
      expect(response.status).toBe(403);
      expect(s3ErrorFields(await response.text()).Code).toBe('SignatureDoesNotMatch');
    }
  });
});

describe('@aws-sdk/client-mediastore through mediaStoreRouter', () => {
  const POLICY = [{ AllowedOrigins: ['https://player.example.com'], AllowedMethods: ['GET' as const], AllowedHeaders: ['*'], MaxAgeSeconds: 300 }];

  test('PutCorsPolicy → GetCorsPolicy → DeleteCorsPolicy by the owner', async () => {
    const client = mediaStore();
    await client.send(new PutCorsPolicyCommand({ ContainerName: 'videos', CorsPolicy: POLICY }));
    expect((await client.send(new GetCorsPolicyCommand({ ContainerName: 'videos' }))).CorsPolicy).toEqual(POLICY);
    await client.send(new DeleteCorsPolicyCommand({ ContainerName: 'videos' }));
  });

  test('unknown key: UnrecognizedClientException; other secret: InvalidSignatureException; skewed clock: InvalidSignatureException (all 403)', async () => {
    expect(await failure(mediaStore(UNKNOWN_KEY).send(new GetCorsPolicyCommand({ ContainerName: 'videos' })))).toEqual({
      name: 'UnrecognizedClientException',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
    const forged = mediaStore({ accessKeyId: OWNER_KEY.accessKeyId, secretAccessKey: 'not-the-secret' });
    const mismatch = await failure(forged.send(new PutCorsPolicyCommand({ ContainerName: 'videos', CorsPolicy: POLICY })));
    expect(mismatch).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(mismatch.message).toContain('The request signature we calculated does not match the signature you provided.');
    app.clockOffsetMs = -20 * 60 * 1000;
    const skewed = await failure(mediaStore().send(new GetCorsPolicyCommand({ ContainerName: 'videos' })));
    expect(skewed).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(skewed.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than/);
  });
});
