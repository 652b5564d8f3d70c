// S3's answers to refused preflights: the core's reasons worded as S3 words them (express-bucket-cors/docs/behaviour.md §8.2, §8.4).

import { decidePreflight as decideCorePreflight, PREFLIGHT_REQUEST_METHODS } from '../../core/decide.js';
import type { BucketCorsState } from '../../core/compile.js';
import type { CorsRequestInfo, PreflightDecision, PreflightRefusalDecision } from '../../core/decision.js';
import type { ResourceType } from '../../core/model.js';
import { S3Errors, type S3Error } from './errors.js';

/** The value in `Invalid Access-Control-Request-Method: …` when a configured bucket gets a preflight without one (project decision, express-bucket-cors/docs/behaviour.md §8.2 step 5, §15.16). */
const MISSING_REQUEST_METHOD_VALUE = 'null';

/** `<Method>` in 403 preflight bodies when the request has no (or an empty) `Access-Control-Request-Method`. */
const METHOD_WHEN_NO_REQUEST_METHOD = 'OPTIONS';

/** `Retry-After` of the 503 when no value is given. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * One shared, frozen error per `<Method>` value for the refusals whose wording depends only on it:
 * building an Error (stack trace included) would cost more than the whole decision.
 */
function errorsByMethod(create: (method: string) => S3Error): ReadonlyMap<string, S3Error> {
  return new Map([...PREFLIGHT_REQUEST_METHODS].map((method) => [method, Object.freeze(create(method))]));
}
const MISSING_ORIGIN = Object.freeze(S3Errors.preflightMissingOrigin());
const MISSING_METHOD = Object.freeze(S3Errors.preflightInvalidMethod(MISSING_REQUEST_METHOD_VALUE));
const BUCKET_NOT_FOUND = errorsByMethod(S3Errors.preflightBucketNotFound);
const CORS_NOT_ENABLED = errorsByMethod(S3Errors.preflightCorsNotEnabled);
const NOT_ALLOWED: Readonly<Record<ResourceType, ReadonlyMap<string, S3Error>>> = {
  BUCKET: errorsByMethod((method) => S3Errors.preflightNotAllowed(method, 'BUCKET')),
  OBJECT: errorsByMethod((method) => S3Errors.preflightNotAllowed(method, 'OBJECT')),
};

/**
 * The S3 error answering `refusal` (400/403 without CORS headers, or 503 with `Retry-After` while the
 * rules cannot be read). Errors that depend only on the method are shared, frozen instances: send
 * them, don't modify them. More requested headers than a preflight evaluates is answered like any
 * other request no rule allows.
 */
export function s3PreflightError(refusal: PreflightRefusalDecision, retryAfterSeconds: number = DEFAULT_RETRY_AFTER_SECONDS): S3Error {
  const requestMethod = refusal.requestMethod;
  // Past the method check, `method` is one of PREFLIGHT_REQUEST_METHODS (OPTIONS included), so the maps hold it.
  const method = requestMethod !== undefined && requestMethod !== '' ? requestMethod : METHOD_WHEN_NO_REQUEST_METHOD;
  switch (refusal.reason) {
    case 'unavailable':
      return S3Errors.serviceUnavailable(retryAfterSeconds);
    case 'no-origin':
      return MISSING_ORIGIN;
    case 'invalid-method':
      return S3Errors.preflightInvalidMethod(method);
    case 'no-bucket':
      return BUCKET_NOT_FOUND.get(method)!;
    case 'no-configuration':
      return CORS_NOT_ENABLED.get(method)!;
    case 'missing-method':
      return MISSING_METHOD;
    case 'too-many-headers':
    case 'no-match':
      return NOT_ALLOWED[refusal.resourceType].get(method)!;
  }
}

/** A preflight decision with the S3 error a refusal is answered with. */
export type S3PreflightDecision =
  | (PreflightDecision & { readonly allowed: true })
  | (PreflightRefusalDecision & { readonly error: S3Error });

/**
 * The core's preflight decision (`decidePreflight` of `express-bucket-cors/core`) with, for a refusal,
 * the S3 error to send: what `bucketCors` answers with the S3 dialect.
 */
export function decidePreflight(request: CorsRequestInfo, state: BucketCorsState): S3PreflightDecision {
  const decision = decideCorePreflight(request, state);
  return decision.allowed ? decision : { ...decision, error: s3PreflightError(decision) };
}
