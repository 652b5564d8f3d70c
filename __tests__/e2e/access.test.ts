// Demo server access rules, SigV4 refusals, addressing and unimplemented operations, over real HTTP.

import { CreateBucketCommand, GetBucketCorsCommand, ListObjectsV2Command, PutBucketCorsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { decodeAwsChunked } from '../../examples/server/payload';
import { s3Client, startDemo, type RunningDemo } from './demo';

const ORIGIN = 'https://app.example.com';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('demo server: access, signatures, addressing', () => {
  let running: RunningDemo;
  beforeAll(async () => {
    running = await startDemo();
    const { s3 } = running;
    await s3.send(new CreateBucketCommand({ Bucket: 'open', ACL: 'public-read' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'closed' }));
    await s3.send(new PutObjectCommand({ Bucket: 'open', Key: 'public.txt', Body: 'public', ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket: 'open', Key: 'private.txt', Body: 'private' }));
    await s3.send(new PutObjectCommand({ Bucket: 'closed', Key: 'public.txt', Body: 'public', ACL: 'public-read' }));
    const CORSRules = [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'PUT'], ExposeHeaders: ['ETag'] }];
    await s3.send(new PutBucketCorsCommand({ Bucket: 'open', CORSConfiguration: { CORSRules } }));
  });
  afterAll(() => running.stop());

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${running.endpoint}${path}`, { method, headers });
  const code = async (response: { text(): Promise<string> }): Promise<string | undefined> => {
    const text = await response.text();
    const start = text.indexOf('<Code>');
    return start === -1 ? undefined : text.slice(start + 6, text.indexOf('</Code>'));
  };

  interface RawAnswer {
    readonly status: number;
    readonly body: string;
    readonly headers: Record<string, string | string[] | undefined>;
  }

  /** One HTTP request with full control of Host and of whether the body is ever finished. */
  function raw(method: string, path: string, headers: Record<string, string>, body?: string, finish = true): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: running.port, method, path, headers }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      if (finish) req.end();
    });
  }

  /** Signs a request with the demo's key through the same library the SDK uses; `sentPath` lets a test tamper afterwards. */
  async function signed(method: string, path: string, headers: Record<string, string>, body?: string, sentPath = path, host = `127.0.0.1:${running.port}`) {
    const signer = new SignatureV4({ credentials: running.demo.credentials, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const mark = path.indexOf('?');
    const query = mark === -1 ? {} : Object.fromEntries(new URLSearchParams(path.slice(mark + 1)));
    const request = await signer.sign({
      method,
      protocol: 'http:',
      hostname: host,
      path: mark === -1 ? path : path.slice(0, mark),
      query,
      headers: { host, ...headers },
      body,
    });
    const answer = await raw(method, sentPath, request.headers, body);
    return { status: answer.status, headers: answer.headers, text: async () => answer.body };
  }

  test('anonymous requests: public-read buckets list, public-read objects read, everything else 403', async () => {
    expect((await get('/open')).status).toBe(200);
    expect((await get('/open?list-type=2')).status).toBe(200);
    expect((await get('/open?versions')).status).toBe(200);
    expect(await code(await get('/closed'))).toBe('AccessDenied');
    expect(await (await get('/open/public.txt')).text()).toBe('public');
    expect((await get('/closed/public.txt')).status).toBe(200);
    expect((await get('/open/public.txt', {}, 'HEAD')).status).toBe(200);
    expect(await code(await get('/open/private.txt'))).toBe('AccessDenied');
    expect(await code(await get('/open/missing.txt'))).toBe('NoSuchKey');
    expect((await get('/open/missing.txt', {}, 'HEAD')).status).toBe(404);
    expect(await code(await get('/closed/missing.txt'))).toBe('AccessDenied');
    expect(await code(await get('/open?cors'))).toBe('AccessDenied');
    expect(await code(await get('/'))).toBe('AccessDenied');
    expect(await code(await get('/open/new.txt', {}, 'PUT'))).toBe('AccessDenied');
    expect(await code(await get('/open/public.txt', {}, 'DELETE'))).toBe('AccessDenied');
    expect(await code(await get('/open/public.txt?response-content-type=text/html'))).toBe('InvalidRequest');
  });

  test('existence is checked before authorization: missing buckets are 404 NoSuchBucket, signed or not', async () => {
    await expect(running.s3.send(new ListObjectsV2Command({ Bucket: 'nowhere' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(running.s3.send(new GetBucketCorsCommand({ Bucket: 'nowhere' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    expect(await code(await get('/nowhere/key'))).toBe('NoSuchBucket');
  });

  test('403 and 404 answers to an allowed origin carry the CORS headers', async () => {
    const denied = await get('/open/private.txt', { Origin: ORIGIN });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const missing = await get('/open/missing.txt', { Origin: ORIGIN });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const badSignature = await get('/open/public.txt', { Origin: ORIGIN, Authorization: 'AWS4-HMAC-SHA256 Credential=nobody/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' });
    expect(badSignature.status).toBe(403);
    expect(badSignature.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  test('a wrong secret is 403 SignatureDoesNotMatch, an unknown key 403 InvalidAccessKeyId', async () => {
    const wrongSecret = s3Client(running.endpoint, { accessKeyId: running.demo.credentials.accessKeyId, secretAccessKey: 'not-the-secret' });
    const unknownKey = s3Client(running.endpoint, { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'whatever' });
    try {
      await expect(wrongSecret.send(new ListObjectsV2Command({ Bucket: 'closed' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
      await expect(unknownKey.send(new ListObjectsV2Command({ Bucket: 'closed' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } });
      // A bad signature is refused even for a bucket that does not exist.
      await expect(wrongSecret.send(new ListObjectsV2Command({ Bucket: 'nowhere' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    } finally {
      wrongSecret.destroy();
      unknownKey.destroy();
    }
  });

  test('x-amz-content-sha256: signed hash checked against the body, unsigned and invalid values', async () => {
    const good = await signed('PUT', '/closed/hashed.txt', { 'x-amz-content-sha256': sha256('body') }, 'body');
    expect(good.status).toBe(200);
    const mismatch = await signed('PUT', '/closed/hashed.txt', { 'x-amz-content-sha256': sha256('other') }, 'body');
    expect(await code(mismatch)).toBe('XAmzContentSHA256Mismatch');
    const unsigned = await signed('PUT', '/closed/unsigned.txt', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, 'anything');
    expect(unsigned.status).toBe(200);
    const invalid = await signed('GET', '/closed', { 'x-amz-content-sha256': 'nonsense' });
    expect(await code(invalid)).toBe('InvalidArgument');
    const missing = await signed('GET', '/closed', {});
    expect(await code(missing)).toBe('InvalidRequest');
    // The signature covers the path and the query: changing either afterwards breaks it.
    const emptyHash = { 'x-amz-content-sha256': sha256('') };
    expect((await signed('GET', '/closed?list-type=2&prefix=p', emptyHash)).status).toBe(200);
    expect(await code(await signed('GET', '/closed?list-type=2&prefix=p', emptyHash, undefined, '/closed?list-type=2&prefix=q'))).toBe('SignatureDoesNotMatch');
    expect(await code(await signed('GET', '/closed/public.txt', emptyHash, undefined, '/open/public.txt'))).toBe('SignatureDoesNotMatch');
  });

  test('PUT ?cors: a signed x-amz-content-sha256 is checked against the body, so a swapped body is refused', async () => {
    const rules = (origin: string) =>
      `<CORSConfiguration><CORSRule><AllowedOrigin>${origin}</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`;
    const md5 = (text: string) => createHash('md5').update(text).digest('base64');
    const signedBody = rules('https://signed.example');
    const swapped = rules('https://swapped.example');
    // Signed over one body, sent with another (whose Content-MD5 matches it: only the signature binds the body).
    const swap = await signed('PUT', '/closed?cors', { 'x-amz-content-sha256': sha256(signedBody), 'content-md5': md5(swapped) }, swapped);
    expect(await code(swap)).toBe('XAmzContentSHA256Mismatch');
    await expect(running.s3.send(new GetBucketCorsCommand({ Bucket: 'closed' }))).rejects.toMatchObject({ name: 'NoSuchCORSConfiguration' });
    const honest = await signed('PUT', '/closed?cors', { 'x-amz-content-sha256': sha256(signedBody), 'content-md5': md5(signedBody) }, signedBody);
    expect(honest.status).toBe(200);
    const stored = await running.s3.send(new GetBucketCorsCommand({ Bucket: 'closed' }));
    expect(stored.CORSRules?.[0]?.AllowedOrigins).toEqual(['https://signed.example']);
    // Still the router's own 64 KB cap and error for a body that is too large.
    const huge = `${signedBody}${' '.repeat(70_000)}`;
    expect(await code(await signed('PUT', '/closed?cors', { 'x-amz-content-sha256': sha256(huge), 'content-md5': md5(huge) }, huge))).toBe('MaxMessageLengthExceeded');
  });

  test('Signature Version 2, in a header or a presigned URL, is refused with "use AWS4-HMAC-SHA256"', async () => {
    const expectV4Hint = async (response: { text(): Promise<string>; status: number }) => {
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(text).toContain('Please use AWS4-HMAC-SHA256.');
    };
    await expectV4Hint(await get('/open/private.txt', { Authorization: 'AWS AKIDEXAMPLE:c2lnbmF0dXJl' }));
    const v2Query = `AWSAccessKeyId=${running.demo.credentials.accessKeyId}&Expires=${Math.floor(Date.now() / 1000) + 300}&Signature=c2lnbmF0dXJl`;
    await expectV4Hint(await get(`/open/private.txt?${v2Query}`));
    // Not read as an anonymous request: a public object behind a SigV2 URL is refused all the same.
    await expectV4Hint(await get(`/open/public.txt?${v2Query}`));
  });

  test('DeleteObjects (POST ?delete) needs Content-MD5 (or a checksum) matching its body', async () => {
    const body = '<Delete><Object><Key>unsigned.txt</Key></Object><Object><Key>never-existed</Key></Object></Delete>';
    const headers = { 'x-amz-content-sha256': sha256(body), 'content-type': 'application/xml' };
    expect(await code(await signed('POST', '/closed?delete', headers, body))).toBe('InvalidRequest');
    const badMd5 = createHash('md5').update('other').digest('base64');
    expect(await code(await signed('POST', '/closed?delete', { ...headers, 'content-md5': badMd5 }, body))).toBe('BadDigest');
    const md5 = createHash('md5').update(body).digest('base64');
    const deleted = await signed('POST', '/closed?delete', { ...headers, 'content-md5': md5, 'x-amz-bypass-governance-retention': 'true' }, body);
    expect(deleted.status).toBe(200);
    expect(await deleted.text()).toContain('<Deleted><Key>unsigned.txt</Key></Deleted><Deleted><Key>never-existed</Key></Deleted>');
    expect((await signed('GET', '/closed/unsigned.txt', { 'x-amz-content-sha256': sha256('') })).status).toBe(404);
  });

  test('aws-chunked bodies (STREAMING-*) are decoded for PutObject', async () => {
    const chunked = '4;chunk-signature=' + '0'.repeat(64) + '\r\nwoof\r\n3\r\n!!!\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n';
    const response = await signed('PUT', '/closed/chunked.txt', {
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '7',
      'x-amz-trailer': 'x-amz-checksum-crc32',
    }, chunked);
    expect(response.status).toBe(200);
    expect(response.headers.etag).toBe(`"${createHash('md5').update('woof!!!').digest('hex')}"`);
    expect(() => decodeAwsChunked(Buffer.from('4\r\nwoo'))).toThrow(expect.objectContaining({ code: 'InvalidRequest' }));
  });

  test('virtual-hosted style under the base domain; an IP or the base domain itself is path-style', async () => {
    expect(await raw('GET', '/public.txt', { Host: `open.localhost:${running.port}` })).toMatchObject({ status: 200, body: 'public' });
    expect(await raw('GET', '/open/public.txt', { Host: `localhost:${running.port}` })).toMatchObject({ status: 200, body: 'public' });
    // Signed, virtual-hosted, through corsRouter: the bucket comes from the Host.
    const rules = await signed('GET', '/?cors', { 'x-amz-content-sha256': sha256('') }, undefined, '/?cors', `open.localhost:${running.port}`);
    expect(rules.status).toBe(200);
    expect(await rules.text()).toContain(`<AllowedOrigin>${ORIGIN}</AllowedOrigin>`);
  });

  test('unimplemented operations answer 501 at once, without waiting for the body', async () => {
    const started = Date.now();
    const answer = await raw('POST', '/open/big?uploads', { 'Content-Length': '10000000' }, 'only the first bytes', false);
    expect(answer.status).toBe(501);
    expect(answer.body).toContain('<Code>NotImplemented</Code>');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await code(await get('/open?acl'))).toBe('NotImplemented');
    expect(await code(await get('/open/public.txt', { 'x-amz-copy-source': '/open/x' }, 'PUT'))).toBe('NotImplemented');
  });
});
