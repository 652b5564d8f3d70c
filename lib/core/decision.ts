// What the engine decides: the request it reads, the bucket's state, and preflight and actual decisions as reasons (no wording).

import type { HeaderList, ResourceType } from './model.js';

/** What the engine needs to know about a request; header values as received (`undefined` when absent). */
export interface CorsRequestInfo {
  /** HTTP method of the request. */
  readonly method: string;
  /** `Origin` header. */
  readonly origin: string | undefined;
  /** `Access-Control-Request-Method` header. */
  readonly requestMethod: string | undefined;
  /** `Access-Control-Request-Headers` header. */
  readonly requestHeaders: string | undefined;
  /** `BUCKET` for `/b` or `/b/`, `OBJECT` otherwise (`<ResourceType>` in S3's preflight refusals). */
  readonly resourceType: ResourceType;
}


/**
 * Why a preflight was refused, in the order the checks run (express-bucket-cors/docs/behaviour.md §8.2): the rules could not
 * be read; no Origin; an `Access-Control-Request-Method` no rule could ever allow; no bucket; no
 * configuration; no request method; more requested headers than a preflight evaluates
 * ({@link MAX_REQUESTED_HEADERS}); no rule matches.
 */
export type PreflightRefusal =
  | 'unavailable'
  | 'no-origin'
  | 'invalid-method'
  | 'no-bucket'
  | 'no-configuration'
  | 'missing-method'
  | 'too-many-headers'
  | 'no-match';

/** A refused preflight: the reason, and what a dialect needs to word its answer. */
export interface PreflightRefusalDecision {
  readonly allowed: false;
  readonly reason: PreflightRefusal;
  /** `Access-Control-Request-Method` as sent (`undefined` when absent). */
  readonly requestMethod: string | undefined;
  readonly resourceType: ResourceType;
}

/** A preflight answer: 200 with `headers` (without `Vary`, see `CORS_VARY`), or the reason for a refusal. */
export type PreflightDecision = { readonly allowed: true; readonly ruleIndex: number; readonly headers: HeaderList } | PreflightRefusalDecision;

/** Why an actual request gets no CORS headers. */
export type ActualMiss = 'unavailable' | 'no-origin' | 'no-configuration' | 'too-many-headers' | 'no-match';

/** An actual request's CORS outcome: headers to add to whatever the server answers, or none. Never blocks. */
export type ActualDecision =
  | { readonly matched: true; readonly ruleIndex: number; readonly headers: HeaderList }
  | { readonly matched: false; readonly reason: ActualMiss };
