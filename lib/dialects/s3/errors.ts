// The one typed S3 error, and every S3 error this library answers with, each with S3's exact wording.

import { S3_PROFILE } from './profile.js';

/**
 * An error as S3 reports it: HTTP status, `Code`, `Message`, and the extra members S3 puts between
 * `Message` and `RequestId` in the `<Error>` envelope (e.g. `BucketName`, `Method`, `ResourceType`).
 */
export class S3Error extends Error {
  /**
   * Stable identifier of the failure, for code that must tell errors apart: S3 reuses one `code` for
   * many failures (`InvalidRequest` for nine), and messages are for people. For the library's own
   * errors it is the name of the {@link S3Errors} factory that built it (an {@link S3ErrorId}, e.g.
   * `'tooManyRules'`); for errors you construct, the `id` you pass (default: `code`).
   */
  readonly id: string;
  /** S3 error code, e.g. `MalformedXML`. */
  readonly code: string;
  /** HTTP status code S3 answers with. */
  readonly status: number;
  /** Extra `<Error>` members, in wire order. */
  readonly extra: ReadonlyArray<readonly [name: string, value: string]>;
  /** Extra response headers (e.g. `Retry-After` on 503). */
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: ReadonlyArray<readonly [string, string]> = [],
    headers: ReadonlyArray<readonly [string, string]> = [],
    id: string = code,
  ) {
    super(message);
    this.name = 'S3Error';
    this.id = id;
    this.status = status;
    this.code = code;
    this.extra = extra;
    this.headers = headers;
  }
}

/** True for an {@link S3Error} (also across duplicated copies of this package). */
export function isS3Error(value: unknown): value is S3Error {
  return value instanceof S3Error || (value instanceof Error && value.name === 'S3Error' && typeof (value as S3Error).code === 'string');
}

/** PutBucketCors body size limit, in bytes (S3: "The document is limited to 64 KB in size"). */
export const MAX_CORS_DOCUMENT_BYTES = 65536;
/** Most rules one configuration may hold. */
export const MAX_CORS_RULES = S3_PROFILE.maxRules;
/** Longest rule `ID`. */
export const MAX_RULE_ID_LENGTH = S3_PROFILE.maxValueLength.id!;

const MALFORMED_XML_MESSAGE =
  'The XML you provided was not well-formed or did not validate against our published schema';
const NOT_ALLOWED_MESSAGE =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

const corsResponse = (message: string, method: string, resourceType: string): S3Error =>
  new S3Error(403, 'AccessForbidden', message, [
    ['Method', method],
    ['ResourceType', resourceType],
  ]);

/** `AB` → `41 42`: how S3 spells out the bytes of a string to sign or a canonical request. */
function spacedHexBytes(text: string): string {
  return Array.from(Buffer.from(text, 'utf8'), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

/** Gives each factory's errors the factory's name as their {@link S3Error.id}. */
function withIds<F extends Record<string, (...args: never[]) => S3Error>>(factories: F): F {
  const named: Record<string, (...args: never[]) => S3Error> = {};
  for (const [id, create] of Object.entries(factories)) {
    named[id] = (...args) => {
      const error = create(...args);
      return new S3Error(error.status, error.code, error.message, error.extra, error.headers, id);
    };
  }
  return Object.freeze(named) as F;
}

/**
 * Factories for every S3 error the library produces. Messages are S3's, verbatim (including the
 * "evalution" typo); see express-bucket-cors/docs/behaviour.md. Choices made where AWS's exact answer is unverified are
 * marked UNVERIFIED here, in one place, so they are easy to change (express-bucket-cors/docs/behaviour.md lists them).
 */
export const S3Errors = withIds({
  // --- PutBucketCors body and validation (express-bucket-cors/docs/behaviour.md §3) ---
  malformedXml: () => new S3Error(400, 'MalformedXML', MALFORMED_XML_MESSAGE),
  /**
   * JSON extension of this library: same meaning as MalformedXML for `application/json` bodies.
   * `detail` names what is wrong (the rule and field), after S3-style wording.
   */
  malformedJson: (detail?: string) =>
    new S3Error(400, 'MalformedJSON', `The JSON you provided was not well-formed or did not validate against our published schema${detail === undefined ? '' : `: ${detail}`}`),
  /** UNVERIFIED (express-bucket-cors/docs/behaviour.md V4, §15.11): Scality's message; LocalStack/moto answer MalformedXML instead. */
  tooManyRules: () =>
    new S3Error(400, 'InvalidRequest', `The number of CORS rules should not exceed allowed limit of ${MAX_CORS_RULES} rules.`),
  unsupportedMethod: (method: string) =>
    new S3Error(400, 'InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`),
  originWildcards: (origin: string) =>
    new S3Error(400, 'InvalidRequest', `AllowedOrigin "${origin}" can not have more than one wildcard.`),
  /** UNVERIFIED (express-bucket-cors/docs/behaviour.md V7, §15.9): wording mirrors the AllowedOrigin message. */
  allowedHeaderWildcards: (header: string) =>
    new S3Error(400, 'InvalidRequest', `AllowedHeader "${header}" can not have more than one wildcard.`),
  exposeHeaderWildcard: (header: string) =>
    new S3Error(400, 'InvalidRequest', `ExposeHeader "${header}" contains wildcard. We currently do not support wildcard for ExposeHeader.`),
  /** S3 reportedly says "AllowedHeader" even when the bad value is an ExposeHeader (express-bucket-cors/docs/behaviour.md V9, §15.13). */
  invalidHeaderCharacter: (header: string) =>
    new S3Error(400, 'InvalidRequest', `AllowedHeader "${header}" contains invalid character.`),
  /** UNVERIFIED (express-bucket-cors/docs/behaviour.md V10, §15.1): the code and message AWS uses for over-long lifecycle/replication rule IDs. */
  ruleIdTooLong: () =>
    new S3Error(400, 'InvalidArgument', `ID length should not exceed allowed limit of ${MAX_RULE_ID_LENGTH}`),
  maxMessageLengthExceeded: () =>
    new S3Error(400, 'MaxMessageLengthExceeded', 'Your request was too big.', [['MaxMessageLengthBytes', String(MAX_CORS_DOCUMENT_BYTES)]]),

  // --- Integrity headers (express-bucket-cors/docs/behaviour.md §3.2) ---
  missingIntegrityHeader: () =>
    new S3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5 OR x-amz-checksum-*'),
  invalidContentMd5: (value: string) =>
    new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', [['Content-MD5', value]]),
  contentMd5Mismatch: () =>
    new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.'),
  /** `headerName` like `x-amz-checksum-crc32`. */
  invalidChecksumValue: (headerName: string) =>
    new S3Error(400, 'InvalidRequest', `Value for ${headerName} header is invalid.`),
  /** `algorithm` as S3 names it in the message: CRC32, CRC32C, CRC64NVME, SHA1, SHA256. */
  checksumMismatch: (algorithm: string) =>
    new S3Error(400, 'BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`),
  /** UNVERIFIED (express-bucket-cors/docs/behaviour.md §3.2, §15.17): versitygw's wording. */
  sdkChecksumAlgorithmWithoutChecksum: () =>
    new S3Error(400, 'InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.'),

  // --- Buckets, configurations, access (express-bucket-cors/docs/behaviour.md §3.5, §4, §5, §6) ---
  noSuchBucket: (bucket: string) =>
    new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', [['BucketName', bucket]]),
  noSuchCorsConfiguration: (bucket: string) =>
    new S3Error(404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist', [['BucketName', bucket]]),
  /** 404: `?cors&report-only` (GET, or a promotion) of a bucket without a report-only candidate (extension). */
  noSuchReportOnlyConfiguration: (bucket: string) =>
    new S3Error(404, 'NoSuchCORSConfiguration', 'The report-only CORS configuration does not exist', [['BucketName', bucket]]),
  accessDenied: () => new S3Error(403, 'AccessDenied', 'Access Denied'),
  invalidBucketOwner: (value: string) =>
    new S3Error(400, 'InvalidBucketOwnerAWSAccountID', `The value of the expected bucket owner parameter must be an AWS Account ID... [${value}]`),
  /** Store unreachable and nothing cached: the client may retry (issue #3's outage policy). */
  serviceUnavailable: (retryAfterSeconds: number) =>
    new S3Error(503, 'ServiceUnavailable', 'Please reduce your request rate.', [], [['Retry-After', String(retryAfterSeconds)]]),
  internalError: () =>
    new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'),
  /** 412: the `If-Match` or `If-None-Match` (or a promotion's `x-bucket-cors-enforced-if-*`) of a conditional request did not hold (named in a `Condition` member, as S3 does). */
  preconditionFailed: (condition: string) =>
    new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', [['Condition', condition]]),
  /** 404: a rollback to a configuration version the bucket's history does not hold (extension). */
  noSuchVersion: () => new S3Error(404, 'NoSuchVersion', 'The specified version does not exist.'),
  /** 501: `header` (named in a `Header` member, as S3 does) asks for something not implemented here; without one, the request itself (`?cors&history` on a store without history). */
  notImplemented: (header?: string) =>
    new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', header === undefined ? [] : [['Header', header]]),

  // --- SigV4 authentication (express-bucket-cors/docs/behaviour.md §20), raised by express-bucket-cors/sigv4 ---
  invalidAccessKeyId: (accessKeyId: string) =>
    new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', [['AWSAccessKeyId', accessKeyId]]),
  /** The members S3 sends so a client can compare its own canonical request and string to sign with the server's. */
  signatureDoesNotMatch: (report: { accessKeyId: string; stringToSign: string; signatureProvided: string; canonicalRequest: string }) =>
    new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', [
      ['AWSAccessKeyId', report.accessKeyId],
      ['StringToSign', report.stringToSign],
      ['SignatureProvided', report.signatureProvided],
      ['StringToSignBytes', spacedHexBytes(report.stringToSign)],
      ['CanonicalRequest', report.canonicalRequest],
      ['CanonicalRequestBytes', spacedHexBytes(report.canonicalRequest)],
    ]),
  /** `requestTime` as sent (`20130524T000000Z`), `serverTime` ISO 8601 without milliseconds. */
  requestTimeTooSkewed: (requestTime: string, serverTime: string, maxSkewMs: number) =>
    new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', [
      ['RequestTime', requestTime],
      ['ServerTime', serverTime],
      ['MaxAllowedSkewMilliseconds', String(maxSkewMs)],
    ]),
  /** `detail` completes "The authorization header is malformed; …"; `region` (the expected one) adds S3's `Region` member. */
  authorizationHeaderMalformed: (detail: string, region?: string) =>
    new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; ${detail}`, region === undefined ? [] : [['Region', region]]),
  /** A presigned URL's X-Amz-* parameters are missing or malformed; `region` as for {@link authorizationHeaderMalformed}. */
  authorizationQueryParametersError: (message: string, region?: string) =>
    new S3Error(400, 'AuthorizationQueryParametersError', message, region === undefined ? [] : [['Region', region]]),
  /** The Authorization header or X-Amz-Date is missing or unreadable. */
  missingDate: () => new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header'),
  /** A presigned URL past `X-Amz-Date` + `X-Amz-Expires`; times ISO 8601 without milliseconds. */
  requestExpired: (expiresSeconds: string, expires: string, serverTime: string) =>
    new S3Error(403, 'AccessDenied', 'Request has expired', [
      ['X-Amz-Expires', expiresSeconds],
      ['Expires', expires],
      ['ServerTime', serverTime],
    ]),
  /** A presigned URL dated further in the future than the allowed skew. */
  requestNotYetValid: (amzDate: string, expires: string, serverTime: string) =>
    new S3Error(403, 'AccessDenied', 'Request is not yet valid', [
      ['X-Amz-Date', amzDate],
      ['Expires', expires],
      ['ServerTime', serverTime],
    ]),
  unsupportedAuthorization: () =>
    new S3Error(400, 'InvalidArgument', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.'),
  multipleAuthorizations: (authorization: string) =>
    new S3Error(
      400,
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      [
        ['ArgumentName', 'Authorization'],
        ['ArgumentValue', authorization],
      ],
    ),
  missingContentSha256: () => new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'),
  invalidContentSha256: (value: string) =>
    new S3Error(
      400,
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, ' +
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, ' +
        'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
      [
        ['ArgumentName', 'x-amz-content-sha256'],
        ['ArgumentValue', value],
      ],
    ),
  contentSha256Mismatch: (claimed: string, computed: string) =>
    new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", [
      ['ClientComputedContentSHA256', claimed],
      ['S3ComputedContentSHA256', computed],
    ]),

  // --- Preflight refusals (express-bucket-cors/docs/behaviour.md §8.2, §8.4) ---
  preflightMissingOrigin: () =>
    new S3Error(400, 'BadRequest', 'Insufficient information. Origin request header needed.'),
  /** `value` is the header as sent, or `null` when a configured bucket gets a preflight without it. */
  preflightInvalidMethod: (value: string) =>
    new S3Error(400, 'BadRequest', `Invalid Access-Control-Request-Method: ${value}`),
  preflightBucketNotFound: (method: string) => corsResponse('CORSResponse: Bucket not found', method, 'BUCKET'),
  /** S3 reports `BUCKET` here even for object paths. */
  preflightCorsNotEnabled: (method: string) =>
    corsResponse('CORSResponse: CORS is not enabled for this bucket.', method, 'BUCKET'),
  preflightNotAllowed: (method: string, resourceType: string) => corsResponse(NOT_ALLOWED_MESSAGE, method, resourceType),
});

/** The stable identifiers of the library's S3 errors: the names of the {@link S3Errors} factories. */
export type S3ErrorId = keyof typeof S3Errors;
