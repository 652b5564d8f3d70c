// The verifier's and the authorizer's options, checked at construction; the clock and time formats (pure logic).

import { createSigV4Verifier, sigv4Authorizer, type SigV4Verifier } from 'express-bucket-cors/sigv4';
import type { IncomingMessage } from 'node:http';
import { parseAmzDate } from '../support/internals';

const KEY = { accessKeyId: 'AKID', secretAccessKey: 'secret' };

describe('createSigV4Verifier options', () => {
  test('unknown keys are refused with a "did you mean"', () => {
    expect(() => createSigV4Verifier({ credentials: [KEY], maxSkew: 1 } as never)).toThrow(
      'createSigV4Verifier: unknown option `maxSkew` (did you mean `maxSkewMs`?); the options are `credentials`, `service`, `region`, `maxSkewMs`, `unsignedPayload`, `now`.',
    );
  });

  test('credentials: a lookup, a non-empty array or a record; anything else says what is expected', () => {
    expect(typeof createSigV4Verifier({ credentials: () => undefined })).toBe('function');
    expect(typeof createSigV4Verifier({ credentials: [KEY] })).toBe('function');
    expect(typeof createSigV4Verifier({ credentials: { AKID: { secretAccessKey: 'secret', owner: 'me' } } })).toBe('function');
    for (const credentials of [undefined, [], [{ accessKeyId: 'AKID' }], { AKID: 'secret' }, 'AKID:secret'])
      expect(() => createSigV4Verifier({ credentials } as never)).toThrow(/^createSigV4Verifier: `credentials` must be given: a function \(accessKeyId\)/);
  });

  test('service, region, maxSkewMs, unsignedPayload and now are checked', () => {
    expect(() => createSigV4Verifier({ credentials: [KEY], service: 'S3' as never })).toThrow("`service` must be 's3' or 'mediastore' (default 's3'), not \"S3\".");
    expect(() => createSigV4Verifier({ credentials: [KEY], region: '' })).toThrow('`region` must be a region name');
    expect(() => createSigV4Verifier({ credentials: [KEY], maxSkewMs: -1 })).toThrow('`maxSkewMs` must be a whole number of milliseconds >= 0 (default 900000), not -1.');
    expect(() => createSigV4Verifier({ credentials: [KEY], unsignedPayload: 'yes' as never })).toThrow('`unsignedPayload` must be true or false');
    expect(() => createSigV4Verifier({ credentials: [KEY], now: 5 as never })).toThrow('`now` must be a function () => number');
  });
});

describe('sigv4Authorizer options', () => {
  const verifier: SigV4Verifier = async () => ({ kind: 'anonymous' });
  const request = {} as IncomingMessage;
  const context = (action: string) => ({ action, bucket: 'b', body: async () => Buffer.alloc(0) });

  test('a verifier, or the verifier options, not both; unknown keys refused', () => {
    expect(typeof sigv4Authorizer({ verifier })).toBe('function');
    expect(() => sigv4Authorizer({ verifier, credentials: [KEY] } as never)).toThrow('sigv4Authorizer: give `verifier` or the verifier options (`credentials`), not both.');
    expect(() => sigv4Authorizer({ credentials: [KEY], alow: () => true } as never)).toThrow('unknown option `alow` (did you mean `allow`?)');
    expect(() => sigv4Authorizer({} as never)).toThrow('sigv4Authorizer: `credentials` must be given');
  });

  test('anonymous callers are refused by default; allow decides otherwise', async () => {
    await expect(sigv4Authorizer({ verifier })(request, context('s3:GetBucketCORS'))).resolves.toBe(false);
    await expect(sigv4Authorizer({ verifier, allow: () => true })(request, context('s3:GetBucketCORS'))).resolves.toBe(true);
  });

  test('a signed caller allowed is granted as its access key ID, for the history', async () => {
    const signed: SigV4Verifier = async () => ({ kind: 'signed', accessKeyId: 'AKIDEXAMPLE', owner: undefined, region: 'us-east-1', payload: { kind: 'unsigned' }, via: 'header' });
    await expect(sigv4Authorizer({ verifier: signed })(request, context('s3:PutBucketCORS'))).resolves.toEqual({ principal: 'AKIDEXAMPLE' });
    await expect(sigv4Authorizer({ verifier: signed, allow: () => false })(request, context('s3:PutBucketCORS'))).resolves.toBe(false);
  });

  test('a verifier built for one service refuses to authorize the other’s actions (a mounting mistake)', async () => {
    await expect(sigv4Authorizer({ credentials: [KEY], service: 'mediastore' })(request, context('s3:PutBucketCORS'))).rejects.toThrow(
      'sigv4Authorizer: a verifier for service "mediastore" was asked about s3:PutBucketCORS',
    );
  });
});

test('X-Amz-Date: only the basic ISO 8601 format of a real instant', () => {
  expect(parseAmzDate('20130524T000000Z')).toBe(Date.UTC(2013, 4, 24));
  for (const text of ['20130231T000000Z', '20130524T240000Z', '2013-05-24T00:00:00Z', '20130524T000000', 'Fri, 24 May 2013 00:00:00 GMT'])
    expect(parseAmzDate(text)).toBeNaN();
});
