// A raw HTTP client for the conformance suite: any method, path, headers and body, SigV4-signed like an AWS SDK when it has keys.

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** Keys the client signs with (the server's owner credentials). */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** One request as the suite sends it. */
export interface RawRequest {
  readonly method: string;
  /** Path and query, e.g. `/b?cors`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Sign with the client's keys (default true when it has keys). */
  readonly signed?: boolean;
}

/** What came back: status, headers (lower-cased names) and the body as text. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export interface ConformanceClient {
  readonly url: string;
  /** The server's name for the vectors' bucket `b` (S3 itself refuses names under 3 characters). */
  readonly bucket: string;
  send(request: RawRequest): Promise<RawResponse>;
}

/** `path` with the vectors' bucket `b` (first segment) renamed `bucket`. */
const renamed = (path: string, bucket: string): string => (bucket === 'b' ? path : path.replace(/^\/b(?=[/?]|$)/, `/${bucket}`));

/** `Content-MD5` of a body. */
export const md5 = (body: string | Uint8Array): string => createHash('md5').update(body).digest('base64');

const sha256Hex = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

/** Splits `/b?cors&x=1` into the path and SigV4's query map (`cors` → `''`). */
function splitPath(path: string): { path: string; query: Record<string, string> } {
  const at = path.indexOf('?');
  if (at === -1) return { path, query: {} };
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(path.slice(at + 1))) query[name] = value;
  return { path: path.slice(0, at), query };
}

async function signedHeaders(url: URL, request: RawRequest, body: Buffer, credentials: Credentials, region: string): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: 's3', region, credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const { path, query } = splitPath(request.path);
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query,
    headers: { host: url.host, 'x-amz-content-sha256': sha256Hex(body), ...request.headers },
    body,
  });
  return signed.headers as Record<string, string>;
}

/** Options of {@link conformanceClient}. */
export interface ClientOptions {
  /** Sign requests with these keys. Default: unsigned. */
  readonly credentials?: Credentials;
  /** See {@link ConformanceClient.bucket}. Default `'b'`. */
  readonly bucket?: string;
  readonly region?: string;
}

/** A client for the server at `url`. */
export function conformanceClient(url: string, { credentials, bucket = 'b', region = 'us-east-1' }: ClientOptions = {}): ConformanceClient {
  const base = new URL(url);
  return {
    url,
    bucket,
    async send(given) {
      const request = { ...given, path: renamed(given.path, bucket) };
      const body = typeof request.body === 'string' ? Buffer.from(request.body) : (request.body ?? Buffer.alloc(0));
      const sign = credentials !== undefined && request.signed !== false;
      const headers = sign ? await signedHeaders(base, request, body, credentials!, region) : { ...request.headers };
      if (body.length > 0 || request.method === 'PUT' || request.method === 'POST') headers['content-length'] = String(body.length);
      return new Promise<RawResponse>((resolve, reject) => {
        const outgoing = httpRequest({ host: base.hostname, port: base.port, method: request.method, path: request.path, headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        outgoing.on('error', reject);
        outgoing.end(body);
      });
    },
  };
}
