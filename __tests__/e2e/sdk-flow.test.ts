// The whole S3 flow against a started demo with the real AWS SDK for JavaScript v3, plus a presigned URL.

import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { startDemo, type RunningDemo } from './demo';

const md5 = (text: string): string => `"${createHash('md5').update(text).digest('hex')}"`;

describe('demo server driven by @aws-sdk/client-s3', () => {
  let running: RunningDemo;
  beforeAll(async () => {
    running = await startDemo();
  });
  afterAll(() => running.stop());

  test('create a public-read bucket, put CORS rules, put/get/list/delete objects, delete the bucket', async () => {
    const { s3 } = running;
    await s3.send(new CreateBucketCommand({ Bucket: 'photos', ACL: 'public-read' }));
    await expect(s3.send(new CreateBucketCommand({ Bucket: 'photos' }))).rejects.toMatchObject({ name: 'BucketAlreadyOwnedByYou' });
    await s3.send(new HeadBucketCommand({ Bucket: 'photos' }));
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toEqual(['photos']);

    const rules = [
      { ID: 'web', AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 60 },
    ];
    await s3.send(new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: rules } }));
    const cors = await s3.send(new GetBucketCorsCommand({ Bucket: 'photos' }));
    expect(cors.CORSRules).toEqual(rules);

    const put = await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'cats/tom.txt', Body: 'meow', ContentType: 'text/plain', Metadata: { colour: 'grey' } }));
    expect(put.ETag).toBe(md5('meow'));
    // A stream body of unknown length makes the SDK send an aws-chunked body (STREAMING-* payload).
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'dogs/rex 1+1.txt', Body: Readable.from([Buffer.from('wo'), Buffer.from('of')]), ContentLength: 4 }));
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'readme.txt', Body: 'hello', ACL: 'public-read' }));

    const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cats/tom.txt' }));
    expect(await got.Body!.transformToString()).toBe('meow');
    expect(got).toMatchObject({ ETag: md5('meow'), ContentType: 'text/plain', ContentLength: 4, Metadata: { colour: 'grey' } });
    const rex = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'dogs/rex 1+1.txt' }));
    expect(await rex.Body!.transformToString()).toBe('woof');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'readme.txt' }));
    expect(head).toMatchObject({ ETag: md5('hello'), ContentLength: 5 });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'nope' }))).rejects.toMatchObject({ name: 'NoSuchKey' });

    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: 'photos', Delimiter: '/' }));
    expect(v2.Contents?.map((object) => object.Key)).toEqual(['readme.txt']);
    expect(v2.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['cats/', 'dogs/']);
    const paged = await s3.send(new ListObjectsV2Command({ Bucket: 'photos', MaxKeys: 2 }));
    expect(paged).toMatchObject({ IsTruncated: true, KeyCount: 2 });
    const rest = await s3.send(new ListObjectsV2Command({ Bucket: 'photos', MaxKeys: 2, ContinuationToken: paged.NextContinuationToken }));
    expect(rest.Contents?.map((object) => object.Key)).toEqual(['readme.txt']);
    expect(rest.IsTruncated).toBe(false);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'photos', Prefix: 'dogs/' }));
    expect(v1.Contents?.map((object) => [object.Key, object.Size, object.ETag])).toEqual([['dogs/rex 1+1.txt', 4, md5('woof')]]);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'photos' }));
    expect(versions.IsTruncated).toBe(false);
    expect(versions.Versions?.map((version) => [version.Key, version.VersionId, version.IsLatest])).toEqual([
      ['cats/tom.txt', 'null', true],
      ['dogs/rex 1+1.txt', 'null', true],
      ['readme.txt', 'null', true],
    ]);

    await expect(s3.send(new DeleteBucketCommand({ Bucket: 'photos' }))).rejects.toMatchObject({ name: 'BucketNotEmpty' });
    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'photos', BypassGovernanceRetention: true, Delete: { Objects: [{ Key: 'cats/tom.txt' }, { Key: 'dogs/rex 1+1.txt' }] } }),
    );
    expect(deleted.Deleted?.map((object) => object.Key)).toEqual(['cats/tom.txt', 'dogs/rex 1+1.txt']);
    await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'readme.txt' }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'photos' }))).KeyCount).toBe(0);

    await s3.send(new DeleteBucketCorsCommand({ Bucket: 'photos' }));
    await expect(s3.send(new GetBucketCorsCommand({ Bucket: 'photos' }))).rejects.toMatchObject({ name: 'NoSuchCORSConfiguration' });
    await s3.send(new DeleteBucketCommand({ Bucket: 'photos' }));
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'photos' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  test('presigned URLs from @aws-sdk/s3-request-presigner work with plain fetch, and only until they expire', async () => {
    const { s3 } = running;
    await s3.send(new CreateBucketCommand({ Bucket: 'signed' }));
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'signed', Key: 'a/b c.txt' }), { expiresIn: 60 });
    const put = await fetch(putUrl, { method: 'PUT', body: 'presigned body' });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe(md5('presigned body'));

    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'signed', Key: 'a/b c.txt', ResponseContentType: 'text/x-demo' }), { expiresIn: 60 });
    const got = await fetch(getUrl);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('text/x-demo');
    expect(await got.text()).toBe('presigned body');

    // The private object is not readable without the signature…
    expect((await fetch(getUrl.slice(0, getUrl.indexOf('?')))).status).toBe(403);
    // …nor with a tampered one, nor after expiry.
    const tampered = getUrl.replace(/X-Amz-Signature=([0-9a-f])/, (_match, first: string) => `X-Amz-Signature=${first === '0' ? '1' : '0'}`);
    const refused = await fetch(tampered);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const past = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'signed', Key: 'a/b c.txt' }), { expiresIn: 1, signingDate: new Date(Date.now() - 60_000) });
    const expired = await fetch(past);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Message>Request has expired</Message>');
  });
});
