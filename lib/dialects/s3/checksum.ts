// PutBucketCors integrity headers: which one is required, and checking each against the body (express-bucket-cors/docs/behaviour.md §3.2).

import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { onFirstUse } from '../../on-first-use.js';
import { S3Errors } from './errors.js';

// Each CRC loads with the first checksum of its kind: together they were half of what importing the
// package cost.
const crc32Module = onFirstUse<typeof import('@aws-crypto/crc32')>('@aws-crypto/crc32');
const crc32cModule = onFirstUse<typeof import('@aws-crypto/crc32c')>('@aws-crypto/crc32c');
const crc64NvmeModule = onFirstUse<typeof import('@aws-sdk/crc64-nvme')>('@aws-sdk/crc64-nvme');

/**
 * The `x-amz-checksum-<algorithm>` algorithms verified here, named as in S3's error messages. The
 * XXHASH algorithms of S3's newer API are not among them: such headers are ignored.
 */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256' | 'SHA512' | 'MD5';

/** One checksum header as the client sent it. */
export interface ChecksumClaim {
  readonly algorithm: ChecksumAlgorithm;
  /** Lower-case header name, e.g. `x-amz-checksum-crc32`. */
  readonly header: string;
  /** Header value as sent: base64 of the big-endian digest. */
  readonly value: string;
}

/** The integrity headers of one request: at least one of the two is present. */
export interface IntegrityHeaders {
  /** `Content-MD5` as sent, if any. */
  readonly contentMd5: string | undefined;
  /** Every `x-amz-checksum-<algorithm>` header sent, for the algorithms of {@link ChecksumAlgorithm}. */
  readonly checksums: readonly ChecksumClaim[];
}

interface AlgorithmSpec {
  readonly algorithm: ChecksumAlgorithm;
  readonly digestBytes: number;
  readonly digest: (body: Uint8Array) => Uint8Array | Promise<Uint8Array>;
}

/** A CRC as the AWS SDK sends it: the unsigned 32-bit value, big-endian. */
const crc32Bytes = (value: number): Uint8Array => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
};

const crc64Nvme = (body: Uint8Array): Promise<Uint8Array> => {
  const checksum = new (crc64NvmeModule().Crc64Nvme)();
  checksum.update(body);
  return checksum.digest();
};

const hash = (name: string) => (body: Uint8Array): Uint8Array => createHash(name).update(body).digest();

/** Keyed by lower-case header name. */
const ALGORITHMS: ReadonlyMap<string, AlgorithmSpec> = new Map<string, AlgorithmSpec>([
  ['x-amz-checksum-crc32', { algorithm: 'CRC32', digestBytes: 4, digest: (body) => crc32Bytes(crc32Module().crc32(body)) }],
  ['x-amz-checksum-crc32c', { algorithm: 'CRC32C', digestBytes: 4, digest: (body) => crc32Bytes(crc32cModule().crc32c(body)) }],
  ['x-amz-checksum-crc64nvme', { algorithm: 'CRC64NVME', digestBytes: 8, digest: crc64Nvme }],
  ['x-amz-checksum-sha1', { algorithm: 'SHA1', digestBytes: 20, digest: hash('sha1') }],
  ['x-amz-checksum-sha256', { algorithm: 'SHA256', digestBytes: 32, digest: hash('sha256') }],
  ['x-amz-checksum-sha512', { algorithm: 'SHA512', digestBytes: 64, digest: hash('sha512') }],
  ['x-amz-checksum-md5', { algorithm: 'MD5', digestBytes: 16, digest: hash('md5') }],
]);

const MD5_BYTES = 16;

const headerValue = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/**
 * The request's integrity headers, checked for presence only (values are checked against the body
 * by {@link verifyIntegrity}). Throws the S3Error S3 answers with when `Content-MD5` and every
 * `x-amz-checksum-*` header are missing, when `x-amz-sdk-checksum-algorithm` comes without any
 * checksum, or (501 NotImplemented) when the body is `aws-chunked` (streaming signatures or a
 * trailing checksum), which is not decoded here. `x-amz-sdk-checksum-algorithm: MD5` next to
 * `Content-MD5` is what the AWS SDK sends for MD5 and is accepted.
 */
export function requireIntegrityHeaders(headers: IncomingHttpHeaders): IntegrityHeaders {
  // A checksum trailing an aws-chunked body is not decoded here (current AWS SDKs send PutBucketCors checksums as plain headers).
  if (headers['x-amz-trailer'] !== undefined) throw S3Errors.notImplemented('x-amz-trailer');
  if (headerValue(headers, 'x-amz-content-sha256')?.startsWith('STREAMING-')) throw S3Errors.notImplemented('x-amz-content-sha256');
  if (headerValue(headers, 'content-encoding')?.toLowerCase().includes('aws-chunked')) throw S3Errors.notImplemented('Content-Encoding');
  const checksums: ChecksumClaim[] = [];
  for (const [header, spec] of ALGORITHMS) {
    const value = headerValue(headers, header);
    if (value !== undefined) checksums.push({ algorithm: spec.algorithm, header, value });
  }
  const contentMd5 = headerValue(headers, 'content-md5');
  const sdkAlgorithm = headerValue(headers, 'x-amz-sdk-checksum-algorithm');
  // The AWS SDK's `ChecksumAlgorithm: 'MD5'` sends its digest as Content-MD5 and no x-amz-checksum-* header.
  const md5Requested = sdkAlgorithm?.toUpperCase() === 'MD5' && contentMd5 !== undefined;
  if (checksums.length === 0 && sdkAlgorithm !== undefined && !md5Requested) throw S3Errors.sdkChecksumAlgorithmWithoutChecksum();
  if (checksums.length === 0 && contentMd5 === undefined) throw S3Errors.missingIntegrityHeader();
  return { contentMd5, checksums };
}

/** The bytes `value` encodes when it is canonical, padded base64 of exactly `length` bytes. */
function decodeDigest(value: string, length: number): Buffer | undefined {
  const bytes = Buffer.from(value, 'base64');
  // Buffer's decoder skips junk characters; re-encoding tells canonical base64 from anything else.
  return bytes.length === length && bytes.toString('base64') === value ? bytes : undefined;
}

/**
 * Checks every integrity header against `body`, in this order: `Content-MD5` (must be base64 of 16
 * bytes, else InvalidDigest; must match, else BadDigest), then each `x-amz-checksum-*` header (valid
 * base64 of the algorithm's digest length, else InvalidRequest; must match, else BadDigest). Resolves
 * when all match; rejects with the first failing check's S3Error.
 */
export async function verifyIntegrity(body: Uint8Array, integrity: IntegrityHeaders): Promise<void> {
  if (integrity.contentMd5 !== undefined) {
    const expected = decodeDigest(integrity.contentMd5, MD5_BYTES);
    if (expected === undefined) throw S3Errors.invalidContentMd5(integrity.contentMd5);
    if (!expected.equals(createHash('md5').update(body).digest())) throw S3Errors.contentMd5Mismatch();
  }
  for (const claim of integrity.checksums) {
    const spec = ALGORITHMS.get(claim.header)!;
    const expected = decodeDigest(claim.value, spec.digestBytes);
    if (expected === undefined) throw S3Errors.invalidChecksumValue(claim.header);
    if (!expected.equals(await spec.digest(body))) throw S3Errors.checksumMismatch(spec.algorithm);
  }
}
