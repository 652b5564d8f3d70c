// Every way a signature can fail, worded once for S3 (S3Error) and once for MediaStore (MediaStoreError).

import { MediaStoreErrors } from '../dialects/mediastore/errors.js';
import { S3Errors } from '../dialects/s3/errors.js';
import type { SigV4Service } from './types.js';

/** Where the signature travels: the Authorization header or a presigned URL's query. */
export type SignatureCarrier = 'header' | 'query';

/** A part of the signature that is missing or garbled. */
export type Malformation =
  | { readonly kind: 'components' }
  | { readonly kind: 'algorithm' }
  | { readonly kind: 'credential' }
  | { readonly kind: 'service'; readonly given: string; readonly expected: string }
  | { readonly kind: 'region'; readonly given: string; readonly expected: string }
  | { readonly kind: 'credential-date'; readonly credentialDate: string; readonly amzDate: string }
  | { readonly kind: 'expires'; readonly value: string };

/** What SignatureDoesNotMatch reports: what the server signed, and what it was given. */
export interface MismatchReport {
  readonly accessKeyId: string;
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signatureProvided: string;
}

/** Builds the error of each failure in one service's words. Times: `amz` as sent (`20130524T000000Z`), others epoch ms. */
export interface SigV4Errors {
  malformed(carrier: SignatureCarrier, problem: Malformation): Error;
  unsupportedAlgorithm(): Error;
  multipleAuthorizations(authorization: string): Error;
  missingDate(carrier: SignatureCarrier): Error;
  unknownKey(accessKeyId: string): Error;
  skewed(amzDate: string, now: number, maxSkewMs: number): Error;
  expired(amzDate: string, expiresSeconds: string, expiresAt: number, now: number): Error;
  notYetValid(amzDate: string, expiresAt: number, now: number, maxSkewMs: number): Error;
  mismatch(report: MismatchReport): Error;
  missingPayloadHash(): Error;
  invalidPayloadHash(value: string): Error;
  payloadMismatch(claimed: string, computed: string): Error;
  unsignedRefused(): Error;
  streamingRefused(): Error;
}

const CREDENTIAL_SHAPE = 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';
const PRESIGN_PARAMETERS_MESSAGE =
  'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.';

/** `2013-05-24T00:00:00Z`: S3's ServerTime and Expires (ISO 8601, no milliseconds). */
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** `20130524T000000Z`: SigV4's basic format, as JSON services quote times. */
const amzSeconds = (ms: number): string => isoSeconds(ms).replace(/[-:]/g, '');

/** S3's detail of a malformation, after "The authorization header is malformed; " or as a query-parameter message. */
function s3Detail(problem: Malformation): { readonly detail: string; readonly region?: string } {
  switch (problem.kind) {
    case 'components':
      return { detail: 'the authorization header requires three components: Credential, SignedHeaders, and Signature.' };
    case 'algorithm':
      return { detail: 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"' };
    case 'credential':
      return { detail: CREDENTIAL_SHAPE };
    case 'service':
      return { detail: `incorrect service "${problem.given}". This endpoint belongs to "${problem.expected}".` };
    case 'region':
      return { detail: `the region '${problem.given}' is wrong; expecting '${problem.expected}'`, region: problem.expected };
    case 'credential-date':
      return { detail: `Invalid credential date "${problem.credentialDate}". This date is not the same as X-Amz-Date: "${problem.amzDate}".` };
    case 'expires':
      return { detail: expiresDetail(problem.value) };
  }
}

function expiresDetail(value: string): string {
  if (!/^-?\d+$/.test(value)) return 'X-Amz-Expires should be a number';
  return value.startsWith('-') ? 'X-Amz-Expires must be non-negative' : 'X-Amz-Expires must be less than a week (in seconds) that is 604800';
}

/** S3's errors, as S3 sends them (express-bucket-cors/docs/behaviour.md §20). */
const S3_WORDS: SigV4Errors = {
  malformed(carrier, problem) {
    const { detail, region } = s3Detail(problem);
    if (carrier === 'header') return S3Errors.authorizationHeaderMalformed(detail, region);
    if (problem.kind === 'components') return S3Errors.authorizationQueryParametersError(PRESIGN_PARAMETERS_MESSAGE);
    const parsing = problem.kind === 'credential' || problem.kind === 'service' || problem.kind === 'region';
    return S3Errors.authorizationQueryParametersError(parsing ? `Error parsing the X-Amz-Credential parameter; ${detail}` : detail, region);
  },
  unsupportedAlgorithm: () => S3Errors.unsupportedAuthorization(),
  multipleAuthorizations: (authorization) => S3Errors.multipleAuthorizations(authorization),
  missingDate: (carrier) =>
    carrier === 'header' ? S3Errors.missingDate() : S3Errors.authorizationQueryParametersError('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"'),
  unknownKey: (accessKeyId) => S3Errors.invalidAccessKeyId(accessKeyId),
  skewed: (amzDate, now, maxSkewMs) => S3Errors.requestTimeTooSkewed(amzDate, isoSeconds(now), maxSkewMs),
  expired: (_amzDate, expiresSeconds, expiresAt, now) => S3Errors.requestExpired(expiresSeconds, isoSeconds(expiresAt), isoSeconds(now)),
  notYetValid: (amzDate, expiresAt, now) => S3Errors.requestNotYetValid(amzDate, isoSeconds(expiresAt), isoSeconds(now)),
  mismatch: (report) => S3Errors.signatureDoesNotMatch(report),
  missingPayloadHash: () => S3Errors.missingContentSha256(),
  invalidPayloadHash: (value) => S3Errors.invalidContentSha256(value),
  payloadMismatch: (claimed, computed) => S3Errors.contentSha256Mismatch(claimed, computed),
  // S3 itself accepts UNSIGNED-PAYLOAD: only a verifier built with `unsignedPayload: false` refuses it, as a policy would.
  unsignedRefused: () => S3Errors.accessDenied(),
  // The same answer corsRouter gives an aws-chunked PutBucketCors (lib/dialects/s3/checksum.ts).
  streamingRefused: () => S3Errors.notImplemented('x-amz-content-sha256'),
};

const MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** What a JSON service says for each malformation. */
function jsonMalformation(problem: Malformation): Error {
  switch (problem.kind) {
    case 'service':
      return MediaStoreErrors.invalidSignature(`Credential should be scoped to correct service: '${problem.expected}'. `, 400);
    case 'region':
      return MediaStoreErrors.invalidSignature('Credential should be scoped to a valid region. ', 400);
    case 'credential-date':
      return MediaStoreErrors.invalidSignature('Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.', 400);
    case 'expires':
      return MediaStoreErrors.incompleteSignature(expiresDetail(problem.value));
    case 'algorithm':
      return MediaStoreErrors.incompleteSignature('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".');
    case 'credential':
      return MediaStoreErrors.incompleteSignature('Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.');
    case 'components':
      return MediaStoreErrors.incompleteSignature("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
  }
}

/** MediaStore's errors: the common ones of AWS's JSON 1.1 services, which the SDKs raise by name. */
const MEDIASTORE_WORDS: SigV4Errors = {
  malformed: (_carrier, problem) => jsonMalformation(problem),
  unsupportedAlgorithm: () => MediaStoreErrors.incompleteSignature('Unsupported authorization type; sign requests with AWS4-HMAC-SHA256.'),
  multipleAuthorizations: () => MediaStoreErrors.incompleteSignature('Only one authentication mechanism is allowed: the Authorization header or the X-Amz-* query parameters.'),
  missingDate: () => MediaStoreErrors.incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."),
  unknownKey: () => MediaStoreErrors.unrecognizedClient(),
  skewed(amzDate, now, maxSkewMs) {
    const minutes = `${Math.round(maxSkewMs / 60000)} min.`;
    return Date.parse(isoOf(amzDate)) < now
      ? MediaStoreErrors.invalidSignature(`Signature expired: ${amzDate} is now earlier than ${amzSeconds(now - maxSkewMs)} (${amzSeconds(now)} - ${minutes})`)
      : MediaStoreErrors.invalidSignature(`Signature not yet current: ${amzDate} is still later than ${amzSeconds(now + maxSkewMs)} (${amzSeconds(now)} + ${minutes})`);
  },
  expired: (_amzDate, _seconds, expiresAt, now) => MediaStoreErrors.invalidSignature(`Signature expired: ${amzSeconds(expiresAt)} is now earlier than ${amzSeconds(now)}.`),
  notYetValid: (amzDate, _expiresAt, now, maxSkewMs) =>
    MediaStoreErrors.invalidSignature(`Signature not yet current: ${amzDate} is still later than ${amzSeconds(now + maxSkewMs)}.`),
  mismatch: (report) =>
    MediaStoreErrors.invalidSignature(
      `${MISMATCH_MESSAGE}\n\nThe Canonical String for this request should have been\n'${report.canonicalRequest}'\n\nThe String-to-Sign should have been\n'${report.stringToSign}'\n`,
    ),
  missingPayloadHash: () => MediaStoreErrors.incompleteSignature('Missing required header for this request: x-amz-content-sha256'),
  invalidPayloadHash: () => MediaStoreErrors.incompleteSignature('x-amz-content-sha256 must be the hex SHA-256 of the request body.'),
  // The signature covers the hash the client computed: one of another body does not verify.
  payloadMismatch: () => MediaStoreErrors.invalidSignature(MISMATCH_MESSAGE),
  unsignedRefused: () => MediaStoreErrors.invalidSignature('UNSIGNED-PAYLOAD is not accepted here: the signature must cover the request body.'),
  streamingRefused: () => MediaStoreErrors.invalidSignature('aws-chunked payloads (x-amz-content-sha256: STREAMING-…) are not accepted here: sign the body\'s SHA-256.'),
};

/** `20130524T000000Z` → `2013-05-24T00:00:00Z`. */
function isoOf(amzDate: string): string {
  return `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`;
}

/** The wording of `service`'s failures. */
export const errorsFor = (service: SigV4Service): SigV4Errors => (service === 's3' ? S3_WORDS : MEDIASTORE_WORDS);
