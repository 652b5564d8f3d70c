// Forged, replayed, mis-scoped and malformed requests against sigv4Authorizer-guarded routers: the exact errors clients see.

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import express from 'express';
import { sendS3Error, type S3Error } from 'express-bucket-cors/s3';
import { createSigV4Verifier } from 'express-bucket-cors/sigv4';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTHER_KEY, OWNER_KEY, s3ErrorFields, startSignedApp, UNKNOWN_KEY, type SignedApp } from './harness';
import { send, sign, signatureOf, type SignedRequest } from './signing';

const CORS_XML = (origin: string) =>
  `<CORSConfiguration><CORSRule><AllowedOrigin>${origin}</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`;
const POLICY_BODY = JSON.stringify({ ContainerName: 'videos', CorsPolicy: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], AllowedHeaders: ['*'] }] });

let app: SignedApp;
beforeAll(async () => {
  app = await startSignedApp();
});
afterAll(() => app.close());
afterEach(() => {
  app.clockOffsetMs = 0;
});

const corsUrl = (bucket: string) => `${app.url}/${bucket}?cors`;

/** Status and S3 error members of a sent request. */
async function s3Answer(request: SignedRequest): Promise<{ status: number; fields: Record<string, string> }> {
  const { status, text } = await send(request);
  return { status, fields: s3ErrorFields(text) };
}

/** Status and MediaStore `__type` of a sent request. */
async function mediaStoreAnswer(request: SignedRequest): Promise<{ status: number; type: string; message: string }> {
  const { status, text } = await send(request);
  const body = JSON.parse(text) as { __type?: string; Message?: string };
  return { status, type: body.__type ?? '', message: body.Message ?? '' };
}

const putCors = (origin: string, extra: Partial<Parameters<typeof sign>[0]> = {}) =>
  sign({ key: OWNER_KEY, method: 'PUT', url: corsUrl('photos'), body: CORS_XML(origin), ...extra });

const policyCall = (extra: Partial<Parameters<typeof sign>[0]> = {}) =>
  sign({
    key: OWNER_KEY,
    method: 'POST',
    url: `${app.url}/`,
    service: 'mediastore',
    body: POLICY_BODY,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'MediaStore_20170901.PutCorsPolicy' },
    ...extra,
  });

describe('S3 ?cors: forged requests', () => {
  test('as signed it is stored (control)', async () => {
    expect((await send(await putCors('https://a.example'))).status).toBe(200);
    expect((await app.store.get('photos'))?.configuration.CORSRules[0]?.AllowedOrigins).toEqual(['https://a.example']);
  });

  test('a changed signature byte: 403 SignatureDoesNotMatch with the members S3 sends', async () => {
    const request = await putCors('https://b.example');
    const signature = signatureOf(request);
    request.headers.authorization = request.headers.authorization!.replace(signature, `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    const { status, fields } = await s3Answer(request);
    expect(status).toBe(403);
    expect(fields).toMatchObject({ Code: 'SignatureDoesNotMatch', AWSAccessKeyId: OWNER_KEY.accessKeyId, SignatureProvided: signatureOf(request) });
    expect(fields.StringToSign).toMatch(/^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/s3\/aws4_request\n[0-9a-f]{64}$/);
    expect(fields.CanonicalRequest).toMatch(/^PUT\n\/photos\ncors=\n/);
    // The string to sign ends with the hash of the canonical request reported beside it: both are the signer's own.
    expect(fields.StringToSign!.split('\n')[3]).toBe(createHash('sha256').update(fields.CanonicalRequest!).digest('hex'));
    expect(fields.StringToSignBytes).toBe(Array.from(Buffer.from(fields.StringToSign!), (b) => b.toString(16).padStart(2, '0')).join(' '));
    expect(fields.CanonicalRequestBytes!.split(' ')).toHaveLength(Buffer.byteLength(fields.CanonicalRequest!));
  });

  test('a signed header changed after signing, or another secret: 403 SignatureDoesNotMatch; nothing stored', async () => {
    const changed = await putCors('https://c.example', { headers: { 'x-amz-meta-note': 'one' } });
    changed.headers['x-amz-meta-note'] = 'two';
    const otherSecret = await putCors('https://c.example', { key: { accessKeyId: OWNER_KEY.accessKeyId, secretAccessKey: OTHER_KEY.secretAccessKey } });
    for (const request of [changed, otherSecret]) expect(await s3Answer(request)).toMatchObject({ status: 403, fields: { Code: 'SignatureDoesNotMatch' } });
    expect((await app.store.get('photos'))?.configuration.CORSRules[0]?.AllowedOrigins).toEqual(['https://a.example']);
  });

  test('unknown key: 403 InvalidAccessKeyId naming it', async () => {
    expect(await s3Answer(await putCors('https://d.example', { key: UNKNOWN_KEY }))).toMatchObject({
      status: 403,
      fields: { Code: 'InvalidAccessKeyId', AWSAccessKeyId: UNKNOWN_KEY.accessKeyId },
    });
  });

  test('a body other than the signed one: 400 XAmzContentSHA256Mismatch with both hashes', async () => {
    const request = await putCors('https://e.example');
    const claimed = request.headers['x-amz-content-sha256']!;
    // Content-MD5 stays as signed: the payload hash is what catches the swap, before the router reads the body.
    request.body = CORS_XML('https://evil.example');
    const { status, fields } = await s3Answer(request);
    expect(status).toBe(400);
    expect(fields).toEqual(
      expect.objectContaining({
        Code: 'XAmzContentSHA256Mismatch',
        Message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ClientComputedContentSHA256: claimed,
        S3ComputedContentSHA256: createHash('sha256').update(request.body).digest('hex'),
      }),
    );
  });
});

describe('S3 ?cors: replayed requests', () => {
  test('the same signed request against another bucket or with another method: 403 SignatureDoesNotMatch', async () => {
    const request = await sign({ key: OWNER_KEY, method: 'GET', url: corsUrl('photos') });
    expect((await send(request)).status).toBe(200);
    expect(await s3Answer({ ...request, url: corsUrl('videos') })).toMatchObject({ status: 403, fields: { Code: 'SignatureDoesNotMatch' } });
    expect(await s3Answer({ ...request, method: 'DELETE' })).toMatchObject({ status: 403, fields: { Code: 'SignatureDoesNotMatch' } });
  });

  test('the same request after the 15-minute window: 403 RequestTimeTooSkewed with RequestTime, ServerTime, MaxAllowedSkewMilliseconds', async () => {
    const request = await sign({ key: OWNER_KEY, method: 'GET', url: corsUrl('photos') });
    app.clockOffsetMs = 15 * 60 * 1000 + 5000;
    const { status, fields } = await s3Answer(request);
    expect(status).toBe(403);
    expect(fields).toMatchObject({ Code: 'RequestTimeTooSkewed', RequestTime: request.headers['x-amz-date'], MaxAllowedSkewMilliseconds: '900000' });
    expect(fields.ServerTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('S3 ?cors: malformed and mis-scoped', () => {
  test('credential scoped to another service: 400 AuthorizationHeaderMalformed', async () => {
    expect(await s3Answer(await sign({ key: OWNER_KEY, method: 'GET', url: corsUrl('photos'), service: 'mediastore', payload: 'hash' }))).toMatchObject({
      status: 400,
      fields: { Code: 'AuthorizationHeaderMalformed', Message: 'The authorization header is malformed; incorrect service "mediastore". This endpoint belongs to "s3".' },
    });
  });

  test('no Signature component: 400 AuthorizationHeaderMalformed; a SigV2 header: 400 InvalidArgument; no x-amz-content-sha256: 400 InvalidRequest', async () => {
    const request = await sign({ key: OWNER_KEY, method: 'GET', url: corsUrl('photos') });
    const truncated = { ...request, headers: { ...request.headers, authorization: request.headers.authorization!.replace(/, Signature=.*$/, '') } };
    expect(await s3Answer(truncated)).toMatchObject({ status: 400, fields: { Code: 'AuthorizationHeaderMalformed' } });
    const v2 = { ...request, headers: { ...request.headers, authorization: `AWS ${OWNER_KEY.accessKeyId}:c2lnbmF0dXJl` } };
    expect(await s3Answer(v2)).toMatchObject({ status: 400, fields: { Code: 'InvalidArgument', Message: 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.' } });
    const noHash = await sign({ key: OWNER_KEY, method: 'GET', url: corsUrl('photos'), payload: 'none' });
    expect(await s3Answer(noHash)).toMatchObject({ status: 400, fields: { Code: 'InvalidRequest', Message: 'Missing required header for this request: x-amz-content-sha256' } });
  });

  test('UNSIGNED-PAYLOAD is accepted, as S3 does (the router still checks Content-MD5)', async () => {
    expect((await send(await putCors('https://f.example', { payload: 'unsigned' }))).status).toBe(200);
  });

  test('an aws-chunked claim: 501 NotImplemented naming x-amz-content-sha256 (SDKs never chunk-sign a CORS document)', async () => {
    const request = await putCors('https://g.example', { headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' }, payload: 'none' });
    expect(await s3Answer(request)).toMatchObject({ status: 501, fields: { Code: 'NotImplemented', Header: 'x-amz-content-sha256' } });
  });
});

describe('a verifier held to one region', () => {
  test('a scope naming another region: 400 AuthorizationHeaderMalformed with Region; the right one passes', async () => {
    const regional = express();
    const verify = createSigV4Verifier({ credentials: [OWNER_KEY], region: 'eu-west-1' });
    regional.get('/:bucket', (req, res) => {
      verify(req).then(
        (principal) => void res.json(principal),
        (error: S3Error) => sendS3Error(req, res, error),
      );
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = regional.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/photos`;
      const wrong = await s3Answer(await sign({ key: OWNER_KEY, method: 'GET', url }));
      expect(wrong).toEqual({
        status: 400,
        fields: expect.objectContaining({ Code: 'AuthorizationHeaderMalformed', Message: "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'", Region: 'eu-west-1' }),
      });
      const right = await send(await sign({ key: OWNER_KEY, method: 'GET', url, region: 'eu-west-1' }));
      expect(JSON.parse(right.text)).toMatchObject({ kind: 'signed', region: 'eu-west-1', owner: OWNER_KEY.owner, via: 'header' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('MediaStore data plane (a verifier with unsignedPayload: true)', () => {
  /** A presigned GET as the SDK's signer makes it for a service other than S3, optionally stating UNSIGNED-PAYLOAD in the query. */
  const presign = async (expiresIn: number, unsigned: boolean) => {
    const url = new URL(`${app.url}/_mediastore/videos/clip.mp4`);
    const signer = new SignatureV4({ credentials: OWNER_KEY, region: 'us-east-1', service: 'mediastore', sha256: Sha256 });
    const query: Record<string, string> = unsigned ? { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } : {};
    const headers: Record<string, string> = { host: url.host, ...(unsigned ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } : {}) };
    const request = { method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers };
    const signed = await signer.presign(request, { expiresIn, unsignableHeaders: new Set(['x-amz-content-sha256']), unhoistableHeaders: new Set(['x-amz-content-sha256']) });
    return `${url.href}?${new URLSearchParams(signed.query as Record<string, string>)}`;
  };

  test('a presigned GET verifies: the empty body’s hash signed (SDK default), or UNSIGNED-PAYLOAD stated in the query', async () => {
    const hashed = await fetch(await presign(30, false));
    expect(hashed.status).toBe(200);
    expect(await hashed.json()).toMatchObject({ principal: { kind: 'signed', via: 'query', payload: { kind: 'sha256', hex: createHash('sha256').update('').digest('hex') } } });
    const unsigned = await fetch(await presign(30, true));
    expect(await unsigned.json()).toMatchObject({ principal: { kind: 'signed', via: 'query', payload: { kind: 'unsigned' } } });
  });

  test('once expired: 403 InvalidSignatureException "Signature expired"', async () => {
    const url = await presign(30, true);
    app.clockOffsetMs = 31_000;
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toMatchObject({ __type: 'InvalidSignatureException', Message: expect.stringMatching(/^Signature expired: /) });
  });
});

describe('MediaStore control plane', () => {
  test('signed without x-amz-content-sha256 (the body’s hash signed, as botocore and curl do) is stored (control)', async () => {
    expect((await send(await policyCall())).status).toBe(200);
  });

  test('UNSIGNED-PAYLOAD: 403 InvalidSignatureException (the signature must cover the body)', async () => {
    expect(await mediaStoreAnswer(await policyCall({ payload: 'unsigned' }))).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
  });

  test('another body than the signed one, with or without x-amz-content-sha256: 403 InvalidSignatureException', async () => {
    for (const payload of ['none', 'hash'] as const) {
      const request = await policyCall({ payload });
      request.body = POLICY_BODY.replace('"*"]', '"https://evil.example"]');
      expect(await mediaStoreAnswer(request)).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
    }
  });

  test('credential scoped to s3: 400 InvalidSignatureException; unknown key: 403 UnrecognizedClientException; anonymous: AccessDeniedException', async () => {
    expect(await mediaStoreAnswer(await policyCall({ service: 's3', payload: 'hash' }))).toEqual({
      status: 400,
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'mediastore'. ",
    });
    expect(await mediaStoreAnswer(await policyCall({ key: UNKNOWN_KEY }))).toMatchObject({ status: 403, type: 'UnrecognizedClientException' });
    const anonymous = await policyCall();
    delete anonymous.headers.authorization;
    expect(await mediaStoreAnswer(anonymous)).toMatchObject({ type: 'AccessDeniedException' });
  });
});
