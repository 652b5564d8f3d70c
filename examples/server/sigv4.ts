// What only the demo needs of SigV4: presigned URLs for the page server (the library's express-bucket-cors/sigv4 verifies them).

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { QueryParameters } from './request.js';

/** An access key the server knows. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What {@link presignUrl} signs. */
export interface PresignOptions {
  readonly credentials: Credentials;
  /** Credential scope. Default `'us-east-1'`. */
  readonly region?: string;
  /** Credential scope's service, e.g. `'mediastore'`. */
  readonly service: string;
  readonly method: string;
  /** The full URL the client will call (its host is signed). */
  readonly url: string;
  /** Seconds the URL stays valid, 1–604,800. */
  readonly expiresInSeconds: number;
  /** Headers the caller must send with exactly these values (e.g. `content-type`); names lower-case. Default none. */
  readonly signedHeaders?: Readonly<Record<string, string>>;
}

/**
 * A presigned URL (SigV4 query signing) that the library's verifier accepts: the payload is
 * `UNSIGNED-PAYLOAD` (the body is not known when signing), the host and `signedHeaders` are signed.
 * S3 signs the path as sent; every other service encodes it once more, as the AWS SDKs do.
 */
export async function presignUrl(options: PresignOptions): Promise<string> {
  const url = new URL(options.url);
  // The payload claim travels in the query, as S3's presigner puts it (services other than S3 would sign the body's hash otherwise).
  const query: QueryParameters = { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' };
  for (const [name, value] of url.searchParams) query[name] = value;
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region ?? 'us-east-1',
    service: options.service,
    sha256: Sha256,
    uriEscapePath: options.service !== 's3',
    applyChecksum: false,
  });
  const headers = { ...options.signedHeaders, host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  // The signer reads the payload hash from this header: neither signed nor moved into the query.
  const keep = new Set(['x-amz-content-sha256']);
  const presigned = await signer.presign(
    { method: options.method, protocol: url.protocol, hostname: url.hostname, port: url.port === '' ? undefined : Number(url.port), path: url.pathname, query, headers },
    { expiresIn: options.expiresInSeconds, unsignableHeaders: keep, unhoistableHeaders: new Set([...keep, ...Object.keys(options.signedHeaders ?? {})]) },
  );
  const search = Object.entries(presigned.query ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one) => `${encodeURIComponent(name)}=${encodeURIComponent(String(one))}`))
    .join('&');
  return `${url.origin}${url.pathname}?${search}`;
}
