// S3 errors the demo object server answers with that the CORS library itself never needs.

import { S3Error } from 'express-bucket-cors/s3';

/**
 * Factories for the object-server errors of the demo, with S3's codes, statuses and wording
 * (the CORS errors come from the library's `S3Errors`).
 */
export const DemoErrors = {
  noSuchKey: (key: string) => new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', [['Key', key]]),
  bucketNotEmpty: (bucket: string) =>
    new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', [['BucketName', bucket]]),
  bucketAlreadyOwnedByYou: (bucket: string) =>
    new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', [
      ['BucketName', bucket],
    ]),
  invalidBucketName: (bucket: string) => new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', [['BucketName', bucket]]),
  invalidAccessKeyId: (accessKeyId: string) =>
    new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', [['AWSAccessKeyId', accessKeyId]]),
  signatureDoesNotMatch: (accessKeyId: string) =>
    new S3Error(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      [['AWSAccessKeyId', accessKeyId]],
    ),
  requestExpired: (expires: string, serverTime: string) =>
    new S3Error(403, 'AccessDenied', 'Request has expired', [
      ['Expires', expires],
      ['ServerTime', serverTime],
    ]),
  requestTimeTooSkewed: (requestTime: string, serverTime: string) =>
    new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', [
      ['RequestTime', requestTime],
      ['ServerTime', serverTime],
    ]),
  authorizationHeaderMalformed: (detail: string) =>
    new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; ${detail}`),
  authorizationQueryParametersError: (detail: string) => new S3Error(400, 'AuthorizationQueryParametersError', detail),
  unsupportedAuthorization: () =>
    new S3Error(400, 'InvalidArgument', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.'),
  missingContentSha256: () => new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'),
  invalidContentSha256: () =>
    new S3Error(
      400,
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, ' +
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, ' +
        'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
    ),
  contentSha256Mismatch: (claimed: string, computed: string) =>
    new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", [
      ['ClientComputedContentSHA256', claimed],
      ['S3ComputedContentSHA256', computed],
    ]),
  incompleteBody: () =>
    new S3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header'),
  invalidChunkedBody: () => new S3Error(400, 'InvalidRequest', 'The aws-chunked body could not be decoded.'),
  entityTooLarge: (proposed: number, max: number) =>
    new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', [
      ['ProposedSize', String(proposed)],
      ['MaxSizeAllowed', String(max)],
    ]),
  invalidArgument: (message: string, name: string, value: string) =>
    new S3Error(400, 'InvalidArgument', message, [
      ['ArgumentName', name],
      ['ArgumentValue', value],
    ]),
  anonymousResponseOverrides: () =>
    new S3Error(400, 'InvalidRequest', 'Request specific response headers cannot be used for anonymous GET requests.'),
  /**
   * `what` names the operation, so a user sees at once what the demo lacks (a header the demo lacks
   * gets S3's own `S3Errors.notImplemented`).
   */
  notImplemented: (what: string) =>
    new S3Error(501, 'NotImplemented', `The demo server does not implement ${what}.`),
} as const;
