// lib/core/decide.ts
// Decides a preflight or an actual cross-origin request against compiled rules, as S3 does (spec §8–§10).

import createDebug from 'debug';
import {
  addSuffixCandidates,
  ALLOW_HEADERS,
  ALLOW_ORIGIN,
  ascending,
  CREDENTIALS_HEADER,
  LIST_SEPARATOR,
  methodBit,
  WILDCARD_ORIGIN_HEADER,
  type CompiledRule,
  type CompiledRules,
} from './compile.js';
import { S3Errors, type S3Error } from '../dialects/s3/errors.js';
import { isHttpToken, isValidOrigin } from './headers.js';
import type { HeaderList, ResourceType } from './model.js';
import { matchesWildcard } from './wildcard.js';

const log = createDebug('express-bucket-cors:engine');

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
  /** `BUCKET` for `/b` or `/b/`, `OBJECT` otherwise (`<ResourceType>` in preflight refusals). */
  readonly resourceType: ResourceType;
}

/** The bucket as the caller found it: with compiled rules, without a configuration, or nonexistent. */
export type BucketCorsState =
  | { readonly kind: 'configured'; readonly rules: CompiledRules }
  | { readonly kind: 'no-configuration' }
  | { readonly kind: 'no-bucket' };

/** Why a preflight was refused, in the order the checks run (spec §8.2). */
export type PreflightRefusal = 'no-origin' | 'invalid-method' | 'no-bucket' | 'no-configuration' | 'missing-method' | 'no-match';

/**
 * A preflight answer: 200 with `headers`, or the S3 error to send (no CORS headers, no `Vary`).
 * Refusal errors that depend only on the method are shared, frozen instances: send them, don't modify them.
 */
export type PreflightDecision =
  | { readonly allowed: true; readonly ruleIndex: number; readonly headers: HeaderList }
  | { readonly allowed: false; readonly reason: PreflightRefusal; readonly error: S3Error };

/** An actual request's CORS outcome: headers to add to whatever the server answers, or none. Never blocks. */
export type ActualDecision =
  | { readonly matched: true; readonly ruleIndex: number; readonly headers: HeaderList }
  | { readonly matched: false; readonly reason: 'no-origin' | 'no-configuration' | 'no-match' };

/**
 * The `Vary` names S3 sends on every response where a rule matched, and never otherwise (spec §1.6).
 * Decisions never include `Vary`: callers append these (e.g. with the `vary` package) so they merge
 * with the host server's own `Vary`.
 */
export const CORS_VARY: readonly string[] = Object.freeze(['Origin', 'Access-Control-Request-Headers', 'Access-Control-Request-Method']);

/**
 * `Access-Control-Request-Method` values a preflight accepts before matching; any other non-empty
 * value is refused with `Invalid Access-Control-Request-Method: <value>` (case-sensitive).
 * UNVERIFIED (spec §8.2 step 2): PATCH and OPTIONS are reportedly accepted by AWS and then never match
 * (no rule can allow them).
 */
const PREFLIGHT_REQUEST_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The value in `Invalid Access-Control-Request-Method: …` when a configured bucket gets a preflight without one (project decision, spec §8.2 step 5). */
const MISSING_REQUEST_METHOD_VALUE = 'null';

/** `<Method>` in 403 preflight bodies when the request has no (or an empty) `Access-Control-Request-Method`. */
const METHOD_WHEN_NO_REQUEST_METHOD = 'OPTIONS';

/**
 * Whether actual (non-OPTIONS) responses carry `Access-Control-Allow-Headers` when the request listed
 * headers in `Access-Control-Request-Headers`. UNVERIFIED (spec §9.5, §15.8): LocalStack's code does.
 */
const ACTUAL_ECHOES_REQUEST_HEADERS = true;

/**
 * `Access-Control-Request-Headers` split on `,`, trimmed, empties dropped, lower-cased — once per
 * decision. `undefined` when the header is absent; `null` when some name is not an HTTP token, which
 * no rule can match. UNVERIFIED (spec §10.3, §15.7): AWS's handling of empty and invalid entries.
 */
function parseRequestedHeaders(value: string | undefined): string[] | null | undefined {
  if (value === undefined) return undefined;
  const names: string[] = [];
  for (const part of value.split(',')) {
    const name = part.trim();
    if (name.length === 0) continue;
    if (!isHttpToken(name)) return null;
    names.push(name.toLowerCase());
  }
  return names;
}

function allowsHeader(rule: CompiledRule, name: string): boolean {
  const patterns = rule.headers;
  for (let i = 0; i < patterns.length; i++) if (matchesWildcard(patterns[i]!, name)) return true;
  return false;
}

function originMatches(rule: CompiledRule, origin: string): boolean {
  if (rule.anyOrigin) return true;
  const exact = rule.exactOrigins;
  for (let i = 0; i < exact.length; i++) if (exact[i] === origin) return true;
  const patterns = rule.wildcardOrigins;
  for (let i = 0; i < patterns.length; i++) if (matchesWildcard(patterns[i]!, origin)) return true;
  return false;
}

function headersAllowed(rule: CompiledRule, requested: readonly string[] | undefined): boolean {
  if (requested === undefined || requested.length === 0 || rule.anyHeader) return true;
  for (let i = 0; i < requested.length; i++) if (!allowsHeader(rule, requested[i]!)) return false;
  return true;
}

// Scratch list reused by decisions (they are synchronous, so one suffices).
const merged: number[] = [];
const NO_RULES: readonly number[] = [];

/**
 * Indexes, ascending and possibly repeated, of the rules whose origins could match `origin`: a
 * superset, each is checked in full afterwards; none when `origin` fails `isValidOrigin`. For a
 * literal AllowedOrigin (valid by construction), and for any Origin when no suffix pattern applies,
 * one precomputed list returned as is.
 */
function candidatesFor(rules: CompiledRules, origin: string): readonly number[] {
  const listed = rules.originCandidates.get(origin);
  if (listed !== undefined) return listed;
  if (!isValidOrigin(origin)) return NO_RULES;
  if (rules.suffixBuckets.length === 0) return rules.scanRules;
  merged.length = 0;
  addSuffixCandidates(rules.suffixBuckets, origin, merged);
  if (merged.length === 0) return rules.scanRules;
  const scan = rules.scanRules;
  for (let i = 0; i < scan.length; i++) merged.push(scan[i]!);
  return merged.sort(ascending);
}

/** Index of the first rule (stored order) that matches; -1 when none does or the inputs cannot match. */
function findRule(rules: CompiledRules, origin: string, method: string, requested: readonly string[] | null | undefined): number {
  const bit = methodBit(method);
  if (bit === 0 || requested === null) return -1;
  const candidates = candidatesFor(rules, origin);
  let previous = -1;
  for (let i = 0; i < candidates.length; i++) {
    const index = candidates[i]!;
    if (index === previous) continue;
    previous = index;
    const rule = rules.rules[index]!;
    if ((rule.methodMask & bit) !== 0 && originMatches(rule, origin) && headersAllowed(rule, requested)) return index;
  }
  return -1;
}

/** The response headers for a match; `origin` already passed `isValidOrigin`. */
function matchHeaders(rule: CompiledRule, origin: string, requested: readonly string[] | null | undefined): HeaderList {
  const allowHeaders = requested != null && requested.length > 0 ? requested.join(LIST_SEPARATOR) : undefined;
  if (rule.fixedHeaders !== undefined && allowHeaders === undefined) return rule.fixedHeaders;
  const headers: Array<readonly [string, string]> = rule.anyOrigin
    ? [WILDCARD_ORIGIN_HEADER]
    : [[ALLOW_ORIGIN, origin], CREDENTIALS_HEADER];
  headers.push(rule.methodsHeader);
  if (allowHeaders !== undefined) headers.push([ALLOW_HEADERS, allowHeaders]);
  for (const header of rule.trailingHeaders) headers.push(header);
  return headers;
}

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

function refuse(reason: PreflightRefusal, error: S3Error): PreflightDecision {
  if (log.enabled) log('preflight refused: %s (%s %s)', reason, error.code, error.message);
  return { allowed: false, reason, error };
}

/**
 * Decides an `OPTIONS` preflight exactly in S3's order (spec §8.2): missing Origin → 400; invalid
 * `Access-Control-Request-Method` → 400; no bucket → 403 "Bucket not found"; no configuration → 403
 * "CORS is not enabled"; missing request method → 400 `…: null`; no matching rule → 403 "not allowed";
 * otherwise 200 with the matched rule's headers (without `Vary`, see {@link CORS_VARY}).
 */
export function decidePreflight(request: CorsRequestInfo, state: BucketCorsState): PreflightDecision {
  const origin = request.origin;
  if (origin === undefined || origin === '') return refuse('no-origin', MISSING_ORIGIN);
  const requestMethod = request.requestMethod;
  const hasRequestMethod = requestMethod !== undefined && requestMethod !== '';
  if (hasRequestMethod && !PREFLIGHT_REQUEST_METHODS.has(requestMethod))
    return refuse('invalid-method', S3Errors.preflightInvalidMethod(requestMethod));
  const errorMethod = hasRequestMethod ? requestMethod : METHOD_WHEN_NO_REQUEST_METHOD;
  // From here on `errorMethod` is one of PREFLIGHT_REQUEST_METHODS (OPTIONS included), so the error maps hold it.
  if (state.kind === 'no-bucket') return refuse('no-bucket', BUCKET_NOT_FOUND.get(errorMethod)!);
  if (state.kind === 'no-configuration') return refuse('no-configuration', CORS_NOT_ENABLED.get(errorMethod)!);
  if (!hasRequestMethod) return refuse('missing-method', MISSING_METHOD);
  const requested = parseRequestedHeaders(request.requestHeaders);
  const index = findRule(state.rules, origin, requestMethod, requested);
  if (index === -1) return refuse('no-match', NOT_ALLOWED[request.resourceType].get(errorMethod)!);
  if (log.enabled) log('preflight allowed by rule %d', index);
  return { allowed: true, ruleIndex: index, headers: matchHeaders(state.rules.rules[index]!, origin, requested) };
}

type Unmatched = ActualDecision & { readonly matched: false };
const NO_ORIGIN: Unmatched = Object.freeze({ matched: false, reason: 'no-origin' });
const NO_CONFIGURATION: Unmatched = Object.freeze({ matched: false, reason: 'no-configuration' });
const NO_MATCH: Unmatched = Object.freeze({ matched: false, reason: 'no-match' });

function unmatched(decision: Unmatched): ActualDecision {
  if (log.enabled) log('actual request: no CORS headers (%s)', decision.reason);
  return decision;
}

/**
 * Decides which CORS headers an actual (non-OPTIONS) request gets (spec §9). Matching uses
 * `Access-Control-Request-Method` when present and non-empty, else the HTTP method, and checks
 * `Access-Control-Request-Headers` only when present. Never blocks the request.
 */
export function decideActual(request: CorsRequestInfo, state: BucketCorsState): ActualDecision {
  const origin = request.origin;
  if (origin === undefined || origin === '') return unmatched(NO_ORIGIN);
  if (state.kind !== 'configured') return unmatched(NO_CONFIGURATION);
  const requestMethod = request.requestMethod;
  const method = requestMethod !== undefined && requestMethod !== '' ? requestMethod : request.method;
  const requested = parseRequestedHeaders(request.requestHeaders);
  const index = findRule(state.rules, origin, method, requested);
  if (index === -1) return unmatched(NO_MATCH);
  if (log.enabled) log('actual request matched rule %d', index);
  const headers = matchHeaders(state.rules.rules[index]!, origin, ACTUAL_ECHOES_REQUEST_HEADERS ? requested : undefined);
  return { matched: true, ruleIndex: index, headers };
}
