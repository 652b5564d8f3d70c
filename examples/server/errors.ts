// S3 errors the demo object server answers with that the CORS library itself never needs.

import { S3Error } from 'express-bucket-cors/s3';

/**
 * Factories for the object-server errors of the demo, with S3's codes, statuses and wording
 * (the CORS and signature errors come from the library's `S3Errors`).
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
