// The demo's MediaStore API driven by the real @aws-sdk/client-mediastore, in memory and on Redis: every container operation
// and its errors, the "Done when" flow (put → get → preflight → delete → get → delete), the data plane, and signature failures.

import {
  CreateContainerCommand,
  DeleteContainerCommand,
  DeleteCorsPolicyCommand,
  DescribeContainerCommand,
  GetCorsPolicyCommand,
  ListContainersCommand,
  PutCorsPolicyCommand,
  PutLifecyclePolicyCommand,
  type MediaStoreClient,
} from '@aws-sdk/client-mediastore';
import { GetBucketCorsCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { BACKENDS, failure, mediaStoreClient, PLAYER_ORIGIN, POLICY, preflight, presigned, type MediaStoreDemos } from './mediastore-demo';

const md5 = (text: string): string => `"${createHash('md5').update(text).digest('hex')}"`;

describe.each(BACKENDS)('demo MediaStore API with @aws-sdk/client-mediastore, %s', (_name, start) => {
  let demos: MediaStoreDemos;
  let client: MediaStoreClient;
  let other: MediaStoreClient;
  beforeAll(async () => {
    demos = await start();
    client = mediaStoreClient(demos.a);
    other = mediaStoreClient(demos.b);
  });
  afterAll(async () => {
    client?.destroy();
    other?.destroy();
    await demos?.stop();
  });

  test('CreateContainer: ACTIVE at once, with Endpoint and ARN; twice is ContainerInUseException; a bad name is ValidationException', async () => {
    const before = Date.now();
    const { Container } = await client.send(new CreateContainerCommand({ ContainerName: 'Movies_2026' }));
    expect(Container).toEqual({
      Endpoint: `${demos.a.endpoint}/_mediastore/Movies_2026`,
      CreationTime: expect.any(Date),
      ARN: 'arn:aws:mediastore:us-east-1:123456789012:container/Movies_2026',
      Name: 'Movies_2026',
      Status: 'ACTIVE',
      AccessLoggingEnabled: false,
    });
    expect(Container!.CreationTime!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await failure(other.send(new CreateContainerCommand({ ContainerName: 'Movies_2026' })))).toMatchObject({ name: 'ContainerInUseException', $metadata: { httpStatusCode: 400 } });
    expect(await failure(client.send(new CreateContainerCommand({ ContainerName: 'no.dots' })))).toMatchObject({ name: 'ValidationException' });
  });

  test('DescribeContainer: the container as created, from either instance; a missing one is ContainerNotFoundException', async () => {
    const { Container } = await other.send(new DescribeContainerCommand({ ContainerName: 'Movies_2026' }));
    expect(Container).toMatchObject({ Name: 'Movies_2026', Status: 'ACTIVE', ARN: 'arn:aws:mediastore:us-east-1:123456789012:container/Movies_2026' });
    expect(Container!.Endpoint).toBe(`${demos.b.endpoint}/_mediastore/Movies_2026`); // the host the caller used
    expect(await failure(client.send(new DescribeContainerCommand({ ContainerName: 'nothing-here' })))).toMatchObject({ name: 'ContainerNotFoundException' });
  });

  test('ListContainers: every container, in pages of MaxResults with NextToken; MaxResults outside 1–100 and a forged token are ValidationException', async () => {
    for (const name of ['music', 'podcasts', 'trailers']) await client.send(new CreateContainerCommand({ ContainerName: name }));
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await other.send(new ListContainersCommand({ MaxResults: 3, NextToken: token }));
      expect(page.Containers!.length).toBeLessThanOrEqual(3);
      names.push(...page.Containers!.map((container) => container.Name!));
      token = page.NextToken;
      pages++;
    } while (token !== undefined);
    expect(names).toEqual(['Movies_2026', 'music', 'podcasts', 'trailers']);
    expect(pages).toBe(2);
    expect((await client.send(new ListContainersCommand({}))).Containers).toHaveLength(4);
    for (const MaxResults of [0, 101]) expect(await failure(client.send(new ListContainersCommand({ MaxResults })))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(client.send(new ListContainersCommand({ NextToken: '!!' })))).toMatchObject({ name: 'ValidationException' });
  });

  test('Done when: put → get → preflight → delete → get (not found) → delete (not found)', async () => {
    await client.send(new PutCorsPolicyCommand({ ContainerName: 'music', CorsPolicy: POLICY }));
    expect((await other.send(new GetCorsPolicyCommand({ ContainerName: 'music' }))).CorsPolicy).toEqual(POLICY);
    const { Container } = await client.send(new DescribeContainerCommand({ ContainerName: 'music' }));
    const url = `${Container!.Endpoint}/albums/one.mp3`;
    const allowed = await preflight(url);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PLAYER_ORIGIN);
    expect(allowed.headers.get('access-control-allow-methods')).toBe('GET, PUT, HEAD');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type, x-demo-note');
    expect(allowed.headers.get('access-control-max-age')).toBe('3000');

    await other.send(new DeleteCorsPolicyCommand({ ContainerName: 'music' }));
    expect(await failure(client.send(new GetCorsPolicyCommand({ ContainerName: 'music' })))).toMatchObject({ name: 'CorsPolicyNotFoundException' });
    expect(await failure(client.send(new DeleteCorsPolicyCommand({ ContainerName: 'music' })))).toMatchObject({ name: 'CorsPolicyNotFoundException' });
    // Refused on the data plane too, wherever it is asked (on Redis, instance A learns of B's delete by pub/sub).
    const deadline = Date.now() + 5000;
    let refused = await preflight(url);
    while (refused.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      refused = await preflight(url);
    }
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(await refused.json()).toEqual({ __type: 'AccessDeniedException', Message: 'CORS preflight refused: the container has no CORS policy.' });
  });

  test('the CORS-policy operations refuse a missing container and an invalid policy, leaving the stored one intact', async () => {
    expect(await failure(client.send(new PutCorsPolicyCommand({ ContainerName: 'nothing-here', CorsPolicy: POLICY })))).toMatchObject({ name: 'ContainerNotFoundException' });
    await client.send(new PutCorsPolicyCommand({ ContainerName: 'podcasts', CorsPolicy: POLICY }));
    const post = [{ AllowedOrigins: ['*'], AllowedMethods: ['POST' as 'PUT'], AllowedHeaders: [] }];
    expect(await failure(client.send(new PutCorsPolicyCommand({ ContainerName: 'podcasts', CorsPolicy: post })))).toMatchObject({ name: 'ValidationException' });
    expect((await client.send(new GetCorsPolicyCommand({ ContainerName: 'podcasts' }))).CorsPolicy).toEqual(POLICY);
  });

  test('a container is the S3 bucket of its name: S3 sees it, and its policy as the bucket configuration', async () => {
    await demos.a.s3.send(new HeadBucketCommand({ Bucket: 'podcasts' }));
    const cors = await demos.b.s3.send(new GetBucketCorsCommand({ Bucket: 'podcasts' }));
    expect(cors.CORSRules?.[0]).toMatchObject({ AllowedOrigins: [PLAYER_ORIGIN], AllowedMethods: ['GET', 'PUT', 'HEAD'], ExposeHeaders: ['ETag'] });
  });

  test('a container whose name is no bucket name is reached through MediaStore only, as documented: S3 answers NoSuchBucket', async () => {
    // Movies_2026 (CreateContainer, first test) has an underscore and capitals: S3 refuses such a bucket name.
    const signer = new SignatureV4({ credentials: demos.a.demo.credentials, region: 'us-east-1', service: 's3', sha256: Sha256 });
    const host = new URL(demos.a.endpoint).host;
    for (const [path, query] of [['/Movies_2026', ''], ['/Movies_2026/trailer.mp4', ''], ['/Movies_2026', 'cors']] as const) {
      const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: host, path, query: query === '' ? {} : { [query]: '' }, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
      const { host: _host, ...headers } = signed.headers;
      const answer = await fetch(`${demos.a.endpoint}${path}${query === '' ? '' : `?${query}=`}`, { headers });
      expect([answer.status, /<Code>(\w+)<\/Code>/.exec(await answer.text())?.[1]]).toEqual([404, 'NoSuchBucket']);
    }
  });

  test('data plane: a presigned PUT stores the object (ETag), anyone GETs and HEADs it, a signed DELETE removes it', async () => {
    const { Container } = await client.send(new DescribeContainerCommand({ ContainerName: 'trailers' }));
    const url = `${Container!.Endpoint}/2026/teaser one.txt`;
    const put = await fetch(await presigned(demos.a, 'PUT', url), { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'frames' });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe(md5('frames'));
    expect(await put.json()).toEqual({ ContentSHA256: createHash('sha256').update('frames').digest('hex'), ETag: md5('frames'), StorageClass: 'TEMPORAL' });

    const got = await fetch(url.replace(demos.a.endpoint, demos.b.endpoint));
    expect({ status: got.status, etag: got.headers.get('etag'), type: got.headers.get('content-type'), body: await got.text() }).toEqual({ status: 200, etag: md5('frames'), type: 'text/plain', body: 'frames' });
    const head = await fetch(url, { method: 'HEAD' });
    expect({ status: head.status, length: head.headers.get('content-length') }).toEqual({ status: 200, length: '6' });

    const anonymous = await fetch(url, { method: 'PUT', body: 'vandal' });
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get('content-type')).toBe('application/json');
    expect(await anonymous.json()).toMatchObject({ __type: 'AccessDeniedException' });
    expect(await (await fetch(url)).text()).toBe('frames');

    expect(await failure(client.send(new DeleteContainerCommand({ ContainerName: 'trailers' })))).toMatchObject({ name: 'ContainerInUseException' });
    expect((await fetch(await presigned(demos.a, 'DELETE', url), { method: 'DELETE' })).status).toBe(200);
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ __type: 'ObjectNotFoundException' });
    const deleteAgain = await fetch(await presigned(demos.a, 'DELETE', url), { method: 'DELETE' });
    expect(deleteAgain.status).toBe(404);
    const noContainer = await fetch(`${demos.a.endpoint}/_mediastore/nothing-here/a.txt`);
    expect(noContainer.status).toBe(404);
    expect(await noContainer.json()).toMatchObject({ __type: 'ContainerNotFoundException' });
  });

  test('data plane: a header-signed PUT without x-amz-content-sha256 signs its body (as SigV4 for every service but S3)', async () => {
    const url = new URL(`${demos.a.endpoint}/_mediastore/trailers/signed.txt`);
    // applyChecksum: false, as curl --aws-sigv4 and botocore sign for services other than S3: no x-amz-content-sha256 header.
    const signer = new SignatureV4({ credentials: demos.a.demo.credentials, region: 'eu-west-1', service: 'mediastore', sha256: Sha256, applyChecksum: false });
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: url.host, path: url.pathname, headers: { host: url.host, 'content-type': 'text/plain' }, body: 'signed body' });
    const { host: _host, ...headers } = signed.headers;
    expect(headers['x-amz-content-sha256']).toBeUndefined();
    const tampered = await fetch(url, { method: 'PUT', headers, body: 'other body' });
    expect(tampered.status).toBe(403);
    expect(await tampered.json()).toMatchObject({ __type: 'InvalidSignatureException' });
    const put = await fetch(url, { method: 'PUT', headers, body: 'signed body' });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe(md5('signed body'));
    expect((await fetch(await presigned(demos.a, 'DELETE', url.href), { method: 'DELETE' })).status).toBe(200);
  });

  test('DeleteContainer: an empty one goes, with its policy; then ContainerNotFoundException', async () => {
    await client.send(new DeleteContainerCommand({ ContainerName: 'trailers' }));
    await client.send(new DeleteContainerCommand({ ContainerName: 'podcasts' }));
    expect(await failure(other.send(new DeleteContainerCommand({ ContainerName: 'trailers' })))).toMatchObject({ name: 'ContainerNotFoundException' });
    expect(await failure(other.send(new DescribeContainerCommand({ ContainerName: 'trailers' })))).toMatchObject({ name: 'ContainerNotFoundException' });
    expect(await demos.a.demo.ruleStore.get('podcasts')).toBeNull();
    expect((await client.send(new ListContainersCommand({}))).Containers!.map((container) => container.Name)).toEqual(['Movies_2026', 'music']);
  });

  test('an operation the demo does not implement is UnknownOperationException', async () => {
    const failed = await failure(client.send(new PutLifecyclePolicyCommand({ ContainerName: 'music', LifecyclePolicy: '{"rules":[]}' })));
    expect(failed).toMatchObject({ name: 'UnknownOperationException', message: 'Unknown operation MediaStore_20170901.PutLifecyclePolicy.' });
  });

  test('signature failures are MediaStore errors: unknown key, wrong secret, anonymous, a scope for another service', async () => {
    const { accessKeyId } = demos.a.demo.credentials;
    const unknown = mediaStoreClient(demos.a, { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' });
    const wrong = mediaStoreClient(demos.a, { accessKeyId, secretAccessKey: 'not-the-secret' });
    try {
      expect(await failure(unknown.send(new ListContainersCommand({})))).toMatchObject({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 403 } });
      expect(await failure(wrong.send(new GetCorsPolicyCommand({ ContainerName: 'music' })))).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
    } finally {
      unknown.destroy();
      wrong.destroy();
    }
    const call = (headers: Record<string, string>) =>
      fetch(demos.a.endpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'MediaStore_20170901.ListContainers', ...headers }, body: '{}' });
    const anonymous = await call({});
    expect(anonymous.status).toBe(400);
    expect(await anonymous.json()).toMatchObject({ __type: 'AccessDeniedException' });

    // Signed for S3 instead of MediaStore: refused in MediaStore's JSON, not S3's XML.
    const signer = new SignatureV4({ credentials: demos.a.demo.credentials, region: 'us-east-1', service: 's3', sha256: Sha256 });
    const host = new URL(demos.a.endpoint).host;
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: host,
      path: '/',
      headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'MediaStore_20170901.ListContainers' },
      body: '{}',
    });
    const { host: _host, ...headers } = signed.headers;
    const s3Scoped = await call(headers);
    expect(s3Scoped.status).toBe(400);
    expect(s3Scoped.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    // As AWS's JSON services answer a credential scoped to another service (the library's verifier, docs/behaviour.md §20).
    expect(await s3Scoped.json()).toEqual({ __type: 'InvalidSignatureException', Message: "Credential should be scoped to correct service: 'mediastore'. " });
  });

  test('a PutCorsPolicy whose signature does not cover its body (UNSIGNED-PAYLOAD, or a presigned URL) is refused and stores nothing', async () => {
    const host = new URL(demos.a.endpoint).host;
    const target = { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'MediaStore_20170901.PutCorsPolicy' };
    const body = JSON.stringify({ ContainerName: 'Movies_2026', CorsPolicy: [{ AllowedOrigins: ['https://attacker.example'], AllowedMethods: ['GET'], AllowedHeaders: [] }] });
    const signer = new SignatureV4({ credentials: demos.a.demo.credentials, region: 'us-east-1', service: 'mediastore', sha256: Sha256 });
    const unsigned = await signer.sign({ method: 'POST', protocol: 'http:', hostname: host, path: '/', headers: { ...target, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body: 'whatever' });
    const { host: _unsignedHost, ...unsignedHeaders } = unsigned.headers;
    const byHeader = await fetch(`${demos.a.endpoint}/`, { method: 'POST', headers: unsignedHeaders, body });
    expect([byHeader.status, ((await byHeader.json()) as { __type: string }).__type]).toEqual([403, 'InvalidSignatureException']);
    const presignedUrl = await signer.presign({ method: 'POST', protocol: 'http:', hostname: host, path: '/', headers: target }, { expiresIn: 60, unhoistableHeaders: new Set(['x-amz-target', 'content-type']) });
    const query = new URLSearchParams(presignedUrl.query as Record<string, string>).toString();
    const { host: _presignedHost, ...presignedHeaders } = presignedUrl.headers;
    const byUrl = await fetch(`${demos.a.endpoint}/?${query}`, { method: 'POST', headers: presignedHeaders, body });
    expect([byUrl.status, ((await byUrl.json()) as { __type: string }).__type]).toEqual([403, 'InvalidSignatureException']);
    const stored = await client.send(new GetCorsPolicyCommand({ ContainerName: 'Movies_2026' })).then((answer) => answer.CorsPolicy ?? [], () => []);
    expect(JSON.stringify(stored)).not.toContain('attacker.example');
  });
});
