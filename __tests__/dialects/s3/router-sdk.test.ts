// corsRouter against the real AWS SDK v3 client, path-style and virtual-hosted, on Express 5 and 4.

import {
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
  type ChecksumAlgorithm,
  type CORSRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { RequestHandler } from 'express';
import { MemoryRuleStore } from 'express-bucket-cors';
import { s3ClientFor, sdkError, startRouterApp, VIRTUAL_HOST_DOMAIN, type RouterApp } from './router-harness';

const OWNER = '111122223333';

const RULES: CORSRule[] = [
  {
    ID: 'browser-uploads',
    AllowedOrigins: ['https://app.example.com', 'http://*.example.com'],
    AllowedMethods: ['GET', 'PUT', 'POST'],
    AllowedHeaders: ['*', 'x-AMZ-meta-Color'],
    ExposeHeaders: ['ETag', 'x-amz-request-id'],
    MaxAgeSeconds: 3000,
  },
  { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'] },
];

/** Replaces the CRC32 checksum the SDK computed with a well-formed wrong one (a corrupting proxy). */
const corruptChecksum: RequestHandler = (req, _res, next) => {
  if (req.headers['x-amz-checksum-crc32'] !== undefined) req.headers['x-amz-checksum-crc32'] = 'AAAAAA==';
  next();
};

describe.each([
  ['path-style', 'path', 5],
  ['virtual-hosted', 'virtual', 5],
  ['path-style', 'path', 4],
  ['virtual-hosted', 'virtual', 4],
] as const)('AWS SDK v3, %s (%s), Express %i', (_label, style, major) => {
  let app: RouterApp;
  let client: S3Client;
  const denied = new Set<string>();
  const seen: string[] = [];

  beforeAll(async () => {
    app = await startRouterApp({
      express: major,
      before: [corruptChecksumWhenAsked],
      router: {
        store: new MemoryRuleStore(),
        authorize: (_req, { bucket }) => !denied.has(bucket),
        bucketExists: (bucket) => bucket !== 'nosuch',
        bucketOwner: () => OWNER,
        addressing: { virtualHostDomains: [VIRTUAL_HOST_DOMAIN] },
      },
    });
    client = s3ClientFor(app, style);
  });
  afterAll(async () => {
    client.destroy();
    await app.close();
  });

  // Corrupts only requests for the bucket named "tampered", whichever addressing style named it.
  function corruptChecksumWhenAsked(...args: Parameters<RequestHandler>): void {
    const [req] = args;
    const sums = Object.keys(req.headers).filter((name) => name.startsWith('x-amz-checksum-') || name === 'content-md5');
    seen.push(`${req.method} ${req.headers.host} ${req.url} ${sums.join(',')}`);
    if ((req.headers.host ?? '').startsWith('tampered.') || req.url.startsWith('/tampered')) corruptChecksum(...args);
    else args[2]();
  }

  it('round-trips Put, Get and Delete', async () => {
    const put = await client.send(new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: RULES } }));
    // The SDK really addressed the bucket the way this block is about.
    const [, host, url] = seen.at(-1)!.split(' ');
    if (style === 'path') expect([host, url?.split('?')[0]]).toEqual([`127.0.0.1:${app.port}`, '/photos/']);
    else expect([host, url?.split('?')[0]]).toEqual([`photos.${VIRTUAL_HOST_DOMAIN}:${app.port}`, '/']);
    expect(url).toMatch(/[?&]cors(=|&|$)/);
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect(put.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    const got = await client.send(new GetBucketCorsCommand({ Bucket: 'photos' }));
    expect(got.CORSRules).toEqual(RULES);
    const deleted = await client.send(new DeleteBucketCorsCommand({ Bucket: 'photos' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    const error = await sdkError(client.send(new GetBucketCorsCommand({ Bucket: 'photos' })));
    expect(error.name).toBe('NoSuchCORSConfiguration');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it.each(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256', 'MD5'] satisfies ChecksumAlgorithm[])('accepts the SDK checksum %s', async (algorithm) => {
    const rules: CORSRule[] = [{ ID: algorithm, AllowedOrigins: ['*'], AllowedMethods: ['GET'] }];
    await client.send(new PutBucketCorsCommand({ Bucket: 'sums', ChecksumAlgorithm: algorithm, CORSConfiguration: { CORSRules: rules } }));
    // Sent as a plain header (no aws-chunked trailer) and verified by the router.
    expect(seen.at(-1)!.split(' ')[3]).toBe(algorithm === 'MD5' ? 'content-md5' : `x-amz-checksum-${algorithm.toLowerCase()}`);
    expect((await client.send(new GetBucketCorsCommand({ Bucket: 'sums' }))).CORSRules).toEqual(rules);
  });

  it('passes ExpectedBucketOwner through to the check', async () => {
    await client.send(new PutBucketCorsCommand({ Bucket: 'owned', ExpectedBucketOwner: OWNER, CORSConfiguration: { CORSRules: RULES } }));
    const error = await sdkError(client.send(new GetBucketCorsCommand({ Bucket: 'owned', ExpectedBucketOwner: '222233334444' })));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
  });

  it.each([
    ['NoSuchCORSConfiguration', 404, () => new GetBucketCorsCommand({ Bucket: 'empty' })],
    ['NoSuchBucket', 404, () => new PutBucketCorsCommand({ Bucket: 'nosuch', CORSConfiguration: { CORSRules: RULES } })],
    ['MalformedXML', 400, () => new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: [] } })],
    ['InvalidRequest', 400, () => new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] } })],
    ['InvalidRequest', 400, () => new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*a*'], AllowedMethods: ['GET'] }] } })],
    ['BadDigest', 400, () => new PutBucketCorsCommand({ Bucket: 'tampered', CORSConfiguration: { CORSRules: RULES } })],
    ['AccessDenied', 403, () => new DeleteBucketCorsCommand({ Bucket: 'locked' })],
    ['InvalidBucketOwnerAWSAccountID', 400, () => new GetBucketCorsCommand({ Bucket: 'photos', ExpectedBucketOwner: 'abcd' })],
  ] as const)('surfaces %s (%i) as the SDK error name', async (name, status, command) => {
    denied.add('locked');
    const error = await sdkError(client.send(command() as PutBucketCorsCommand));
    expect(error.name).toBe(name);
    expect(error.$metadata.httpStatusCode).toBe(status);
    expect(error.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
  });
});
