// Asks another S3 server whether a bucket exists (a signed HeadBucket), for a gateway's `bucketExists`.

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { describeValue, durationMs, readOptions, type OptionCheck, type OptionChecks } from '../options.js';

/** Default {@link BackendBucketsOptions.timeoutMs}. */
export const DEFAULT_PROBE_TIMEOUT_MS = 1_000;

/** Options of {@link backendBucketExists}. */
export interface BackendBucketsOptions {
  /** The S3 server's base URL, addressed path-style, e.g. `http://127.0.0.1:9000`. Required. */
  readonly url: string;
  /** Keys allowed to HeadBucket there (usually the owner's, the same the gateway verifies). Required. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The region to sign for. Default `'us-east-1'`. */
  readonly region?: string;
  /** Longest wait for an answer, in ms; past it the check fails (routers answer 503). Default: 1,000. */
  readonly timeoutMs?: number;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const baseUrl: OptionCheck<string> = (value, fail) => {
  const ok = typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) && new URL(value).pathname === '/';
  if (!ok) fail(`be the S3 server's base URL, e.g. "http://127.0.0.1:9000" (http or https, no path), not ${describeValue(value)}`, false);
  return value as string;
};

const credentialsOption: OptionCheck<BackendBucketsOptions['credentials']> = (value, fail) => {
  const keys = value as Partial<BackendBucketsOptions['credentials']> | undefined;
  if (typeof keys?.accessKeyId !== 'string' || typeof keys.secretAccessKey !== 'string' || keys.accessKeyId === '') fail('be { accessKeyId, secretAccessKey }');
  return value as BackendBucketsOptions['credentials'];
};

const OPTION_CHECKS = {
  url: baseUrl,
  credentials: credentialsOption,
  region: (value, fail) => {
    if (value !== undefined && (typeof value !== 'string' || value === '')) fail("be a region name such as 'us-east-1', or be left out");
    return value as string | undefined;
  },
  timeoutMs: durationMs(DEFAULT_PROBE_TIMEOUT_MS),
} satisfies OptionChecks<BackendBucketsOptions>;

/**
 * A `bucketExists` for `bucketCors` and `corsRouter` in front of another S3 server: a HeadBucket
 * signed with `credentials`. 200 and 403 (the bucket is someone else's) mean it exists, 404 that it
 * does not; anything else, a network error or no answer within `timeoutMs` rejects, which the routers
 * answer as the store being unavailable (503) rather than guess.
 *
 * @throws TypeError when an option is wrong.
 */
export function backendBucketExists(options: BackendBucketsOptions): (bucket: string) => Promise<boolean> {
  const { url, credentials, region = 'us-east-1', timeoutMs } = readOptions('backendBucketExists', options, OPTION_CHECKS);
  const base = new URL(url);
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  const signer = new SignatureV4({ service: 's3', region, credentials, sha256: Sha256, uriEscapePath: false });
  return async (bucket) => {
    const path = `/${encodeURIComponent(bucket)}`;
    const signed = await signer.sign({ method: 'HEAD', protocol: base.protocol, hostname: base.hostname, port: Number(base.port) || undefined, path, query: {}, headers: { host: base.host, 'x-amz-content-sha256': EMPTY_SHA256 } });
    const status = await new Promise<number>((resolve, reject) => {
      const probe = send({ protocol: base.protocol, hostname: base.hostname, port: base.port, method: 'HEAD', path, headers: signed.headers, timeout: timeoutMs }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      probe.on('timeout', () => probe.destroy(new Error(`HeadBucket ${bucket} at ${base.origin} did not answer within ${timeoutMs} ms`)));
      probe.on('error', reject);
      probe.end();
    });
    if (status === 200 || status === 403) return true;
    if (status === 404) return false;
    throw new Error(`HeadBucket ${bucket} at ${base.origin} answered ${status}`);
  };
}
