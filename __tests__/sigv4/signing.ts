// Requests signed by the AWS SDK's signer, then sent (or tampered with first) with fetch: the forged and replayed cases.

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';

export interface SignOptions {
  readonly key: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly method: string;
  /** Full URL, query included. */
  readonly url: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Default `'s3'`. */
  readonly service?: string;
  /** Default `'us-east-1'`. */
  readonly region?: string;
  /** Default now. */
  readonly signingDate?: Date;
  /**
   * `x-amz-content-sha256`: `'hash'` (default for S3) the body's hex SHA-256, `'unsigned'`
   * `UNSIGNED-PAYLOAD`, `'none'` no header (the body's hash is still signed: other services).
   */
  readonly payload?: 'hash' | 'unsigned' | 'none';
}

/** A request as signed: send it with {@link send}, changed or not. */
export interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const md5 = (text: string): string => createHash('md5').update(text).digest('base64');

/** Signs like the SDKs do (S3: path as sent; other services: path encoded once more). */
export async function sign(options: SignOptions): Promise<SignedRequest> {
  const url = new URL(options.url);
  const service = options.service ?? 's3';
  const payload = options.payload ?? (service === 's3' ? 'hash' : 'none');
  const headers: Record<string, string> = { host: url.host, ...options.headers };
  if (options.body !== undefined) headers['content-md5'] ??= md5(options.body);
  if (payload === 'unsigned') headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  if (payload === 'hash') headers['x-amz-content-sha256'] = createHash('sha256').update(options.body ?? '').digest('hex');
  const signer = new SignatureV4({ credentials: options.key, region: options.region ?? 'us-east-1', service, sha256: Sha256, uriEscapePath: service !== 's3', applyChecksum: false });
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const signed = await signer.sign(
    { method: options.method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, body: options.body },
    { signingDate: options.signingDate },
  );
  return { method: options.method, url: options.url, headers: { ...(signed.headers as Record<string, string>) }, body: options.body };
}

/** Sends `request` as it is (fetch adds only unsigned headers of its own). */
export async function send(request: SignedRequest): Promise<{ status: number; text: string; headers: Headers }> {
  const headers = { ...request.headers };
  delete headers.host;
  const response = await fetch(request.url, { method: request.method, headers, body: request.body });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** The request signature of an Authorization header. */
export const signatureOf = (request: SignedRequest): string => request.headers.authorization!.replace(/^.*Signature=/, '');
