// Unit tests of the PutBucketCors integrity headers: presence rule, formats, digests (docs/behaviour.md §3.2).

import { createHash } from 'node:crypto';
import { isS3Error, requireIntegrityHeaders, verifyIntegrity } from 'express-bucket-cors/s3';

const CHECK_INPUT = Buffer.from('123456789');
const be = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

// Published check values of each CRC for the ASCII string "123456789", big-endian as the SDK sends them.
const CHECK_VALUES: Record<string, string> = {
  'x-amz-checksum-crc32': be('cbf43926'),
  'x-amz-checksum-crc32c': be('e3069283'),
  'x-amz-checksum-crc64nvme': be('ae8b14860a799888'),
  'x-amz-checksum-sha1': createHash('sha1').update(CHECK_INPUT).digest('base64'),
  'x-amz-checksum-sha256': createHash('sha256').update(CHECK_INPUT).digest('base64'),
  'x-amz-checksum-sha512': createHash('sha512').update(CHECK_INPUT).digest('base64'),
  'x-amz-checksum-md5': createHash('md5').update(CHECK_INPUT).digest('base64'),
};

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    if (isS3Error(error)) return { code: error.code, message: error.message, status: error.status };
    throw error;
  }
  throw new Error('expected an S3Error');
}

const syncFailure = (run: () => unknown) => failure(Promise.resolve().then(run));

describe('requireIntegrityHeaders', () => {
  it('refuses a request with neither Content-MD5 nor x-amz-checksum-* (T15)', async () => {
    expect(await syncFailure(() => requireIntegrityHeaders({ 'content-type': 'application/xml' }))).toEqual({
      status: 400,
      code: 'InvalidRequest',
      message: 'Missing required header for this request: Content-MD5 OR x-amz-checksum-*',
    });
  });

  it('refuses x-amz-sdk-checksum-algorithm without a checksum header, even next to Content-MD5', async () => {
    for (const headers of [{ 'x-amz-sdk-checksum-algorithm': 'CRC32' }, { 'x-amz-sdk-checksum-algorithm': 'CRC32', 'content-md5': 'x' }]) {
      expect((await syncFailure(() => requireIntegrityHeaders(headers))).message).toBe(
        'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
      );
    }
  });

  it('accepts x-amz-sdk-checksum-algorithm: MD5 with Content-MD5 (what the AWS SDK sends for MD5)', () => {
    expect(requireIntegrityHeaders({ 'x-amz-sdk-checksum-algorithm': 'MD5', 'content-md5': 'abc' })).toEqual({ contentMd5: 'abc', checksums: [] });
  });

  it('answers 501 NotImplemented for a trailing checksum of an aws-chunked body', async () => {
    expect(await syncFailure(() => requireIntegrityHeaders({ 'x-amz-trailer': 'x-amz-checksum-crc32' }))).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(
      await syncFailure(() => requireIntegrityHeaders({ 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-checksum-crc32': 'AAAAAA==' })),
    ).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(await syncFailure(() => requireIntegrityHeaders({ 'content-encoding': 'aws-chunked', 'content-md5': 'x' }))).toMatchObject({ status: 501, code: 'NotImplemented' });
  });

  it('collects Content-MD5 and every known checksum header, ignoring other x-amz-checksum-* headers', () => {
    expect(
      requireIntegrityHeaders({ 'content-md5': 'abc', 'x-amz-checksum-sha1': 's', 'x-amz-checksum-crc32': 'c', 'x-amz-checksum-type': 'FULL_OBJECT', 'x-amz-checksum-xxhash64': 'x' }),
    ).toEqual({
      contentMd5: 'abc',
      checksums: [
        { algorithm: 'CRC32', header: 'x-amz-checksum-crc32', value: 'c' },
        { algorithm: 'SHA1', header: 'x-amz-checksum-sha1', value: 's' },
      ],
    });
  });

  it('does not count an unknown algorithm as an integrity header', async () => {
    expect((await syncFailure(() => requireIntegrityHeaders({ 'x-amz-checksum-xxhash64': 'AAAAAAAAAAA=' }))).message).toContain('Missing required header');
  });
});

describe('verifyIntegrity', () => {
  it.each(Object.entries(CHECK_VALUES))('accepts the correct %s and refuses a wrong one with BadDigest', async (header, value) => {
    const integrity = requireIntegrityHeaders({ [header]: value });
    await expect(verifyIntegrity(CHECK_INPUT, integrity)).resolves.toBeUndefined();
    const algorithm = integrity.checksums[0]!.algorithm;
    expect(await failure(verifyIntegrity(Buffer.from('123456780'), integrity))).toEqual({
      status: 400,
      code: 'BadDigest',
      message: `The ${algorithm} you specified did not match the calculated checksum.`,
    });
  });

  it.each(Object.keys(CHECK_VALUES))('refuses a %s that is not base64 of the digest length', async (header) => {
    for (const value of ['not base64!', 'AAAA', `${CHECK_VALUES[header]}AAAA`, CHECK_VALUES[header]!.replace(/=+$/, ''), '']) {
      expect(await failure(verifyIntegrity(CHECK_INPUT, requireIntegrityHeaders({ [header]: value })))).toEqual({
        status: 400,
        code: 'InvalidRequest',
        message: `Value for ${header} header is invalid.`,
      });
    }
  });

  it('checks Content-MD5: invalid (T16) and mismatching (T17)', async () => {
    const body = Buffer.from('<CORSConfiguration/>');
    await expect(verifyIntegrity(body, requireIntegrityHeaders({ 'content-md5': createHash('md5').update(body).digest('base64') }))).resolves.toBeUndefined();
    expect(await failure(verifyIntegrity(body, requireIntegrityHeaders({ 'content-md5': 'invalid' })))).toEqual({
      status: 400,
      code: 'InvalidDigest',
      message: 'The Content-MD5 you specified was invalid.',
    });
    // A SHA-1 digest is valid base64 but 20 bytes long: not an MD5.
    expect((await failure(verifyIntegrity(body, requireIntegrityHeaders({ 'content-md5': CHECK_VALUES['x-amz-checksum-sha1']! })))).code).toBe('InvalidDigest');
    expect(await failure(verifyIntegrity(body, requireIntegrityHeaders({ 'content-md5': createHash('md5').update('other').digest('base64') })))).toEqual({
      status: 400,
      code: 'BadDigest',
      message: 'The Content-MD5 you specified did not match what we received.',
    });
  });

  it('verifies every header present: a correct MD5 does not excuse a wrong CRC32', async () => {
    const integrity = requireIntegrityHeaders({ 'content-md5': createHash('md5').update(CHECK_INPUT).digest('base64'), 'x-amz-checksum-crc32': be('00000000') });
    expect((await failure(verifyIntegrity(CHECK_INPUT, integrity))).message).toBe('The CRC32 you specified did not match the calculated checksum.');
  });
});
