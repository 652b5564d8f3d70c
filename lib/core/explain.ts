// Why a preflight is allowed or refused, or an actual request gets CORS headers or none: the engine's own decision, plus which conditions every rule fails and the smallest fix.

import { compileCorsConfiguration, methodBit, type CompiledRule } from './compile.js';
import { allowsHeader, decideActual, decidePreflight, MAX_REQUEST_HEADERS_LENGTH, MAX_REQUESTED_HEADERS, originMatches, OVER_LIMIT, parseRequestedHeaders } from './decide.js';
import type { ActualMiss, CorsRequestInfo, PreflightRefusal } from './decision.js';
import { isValidOrigin } from './headers.js';
import { joinWords, ruleLabel } from './wording.js';
import type { CorsConfiguration, HeaderList } from './model.js';
import { assertValidRules, STORED_RULES_PROFILE } from './validate.js';
import { decisionDifference, type DecisionDifference } from './report-only.js';
import type { BucketCorsState, CompiledRules } from './compile.js';

/** A hypothetical request to explain. */
export interface ExplainRequest {
  /** `Origin` header; `undefined` (or `''`) when absent. */
  readonly origin: string | undefined;
  /** The method the browser uses for the request itself (`PUT` for an upload, also when explaining its preflight). */
  readonly method: string;
  /**
   * `Access-Control-Request-Method`. Default: `method` for a preflight (what browsers send), absent
   * for an actual request. Pass `''` to explain a preflight without it.
   */
  readonly requestMethod?: string | undefined;
  /** `Access-Control-Request-Headers`, as sent (`"a, b"`) or as a list of names. Default: absent. */
  readonly requestHeaders?: string | readonly string[] | undefined;
  /** True for the `OPTIONS` preflight, false for the actual request (which CORS never blocks, it only gets headers or none). */
  readonly preflight: boolean;
}

/** A condition of a rule that a request can fail. */
export type ExplainCondition = 'origin' | 'method' | 'headers';

/**
 * Which rules decided: the bucket's own, or a deployment's `defaultRules` (a bucket without rules of
 * its own) or `serviceRules` (a request naming no bucket), as in `bucketCors`.
 */
export type ExplainSource = 'bucket' | 'default' | 'service';

/** Options of {@link explain}. */
export interface ExplainOptions {
  /** Which rules `configuration` is, for the words of {@link Explanation.summary}. Default: `'bucket'`. */
  readonly source?: ExplainSource;
  /**
   * The bucket's report-only candidate: the request is explained against it too, in
   * {@link Explanation.candidate}, with how its answer differs. Default: none.
   */
  readonly candidate?: CorsConfiguration<string>;
}

/** How one rule fares against the request. */
export interface RuleExplanation {
  /**
   * 0-based position in `CORSRules` (so `CORSRules[index]` is the rule), unchanged since 0.1 for
   * programs; people read {@link RuleExplanation.label}, which numbers rules from 1.
   */
  readonly index: number;
  /** The rule as every message names it, numbered from 1: `rule 2` or `rule 2 ("uploads")`. */
  readonly label: string;
  /** The rule's `ID`, when it has one. */
  readonly id?: string;
  /** Conditions the rule fails, in this order: origin, method, headers; empty when the rule matches. */
  readonly failed: readonly ExplainCondition[];
  /** Requested header names (lower-cased) no AllowedHeader of this rule covers, in request order; empty unless `headers` failed. */
  readonly deniedHeaders: readonly string[];
}

/**
 * The explanation of one request; plain data, stable as JSON: `{ allowed, rule, reason, source,
 * summary, rules: [{ index, label, id?, failed, deniedHeaders }], suggestion, headers }`. Numbers
 * (`rule`, `index`) are 0-based positions in `CORSRules`; every text (`summary`, `label`,
 * `suggestion`) numbers rules from 1, as S3's console and this library's messages do.
 */
export interface Explanation {
  /**
   * For a preflight: whether it is allowed (200). For an actual request: whether it gets CORS
   * headers (CORS never refuses an actual request; without headers the browser hides the answer).
   */
  readonly allowed: boolean;
  /** 0-based position in `CORSRules` of the rule that answers; `null` when none does. */
  readonly rule: number | null;
  /**
   * Why the preflight is refused, or the actual request gets no CORS headers (`no-match`,
   * `no-origin`, …, as `decidePreflight`/`decideActual` give it); `null` when allowed.
   */
  readonly reason: PreflightRefusal | ActualMiss | null;
  /** Which rules decided: the bucket's own, or the deployment's `defaultRules` or `serviceRules`. */
  readonly source: ExplainSource;
  /**
   * The verdict as one line, rules numbered from 1, e.g. `preflight allowed by rule 2 ("uploads")`,
   * `preflight refused (no rule matches)`, `no CORS headers (no rule matches): the browser hides the response`.
   */
  readonly summary: string;
  /** Every rule, stored order. */
  readonly rules: readonly RuleExplanation[];
  /**
   * One line naming the smallest change that makes the request pass (rules numbered from 1, as in
   * S3's console), e.g. "add `x-amz-meta-note` to AllowedHeaders of rule 2"; `null` when allowed.
   */
  readonly suggestion: string | null;
  /** The CORS response headers the middleware sends, in order, without `Vary`; empty when refused. */
  readonly headers: HeaderList;
  /** The same request against the report-only candidate, when `options.candidate` was given. */
  readonly candidate?: CandidateExplanation;
}

/** The explanation against a report-only candidate (its `source` is always `bucket`). */
export interface CandidateExplanation extends Omit<Explanation, 'candidate'> {
  /** How the candidate would answer differently (`outcome`, `headers`, `refusal`), or `null` when the same. */
  readonly difference: DecisionDifference | null;
}


const code = (value: string): string => `\`${value}\``;


/** The requested names that are not HTTP tokens (each comma-separated entry parsed alone, by the engine's parser). */
function invalidNames(value: string): string[] {
  return value.split(',').filter((entry) => parseRequestedHeaders(entry) === null).map((entry) => entry.trim());
}

function analyseRule(rule: CompiledRule, index: number, id: string | undefined, origin: string | undefined, bit: number, requested: ReturnType<typeof parseRequestedHeaders>, invalid: readonly string[]): RuleExplanation {
  const failed: ExplainCondition[] = [];
  if (origin === undefined || origin === '' || !isValidOrigin(origin) || !originMatches(rule, origin)) failed.push('origin');
  if ((rule.methodMask & bit) === 0) failed.push('method');
  let deniedHeaders: string[] = [];
  if (requested === null) deniedHeaders = [...invalid];
  else if (Array.isArray(requested)) deniedHeaders = requested.filter((name) => !allowsHeader(rule, name));
  if (requested === null || requested === OVER_LIMIT || deniedHeaders.length > 0) failed.push('headers');
  const label = ruleLabel(index, id);
  return id === undefined ? { index, label, failed, deniedHeaders } : { index, label, id, failed, deniedHeaders };
}

/** The smallest change to one rule that makes it match, as one line. */
function fixRule(explanation: RuleExplanation, origin: string, method: string): string {
  const additions: string[] = [];
  if (explanation.failed.includes('origin')) additions.push(`${code(origin)} to AllowedOrigins`);
  if (explanation.failed.includes('method')) additions.push(`${code(method)} to AllowedMethods`);
  if (explanation.deniedHeaders.length > 0) additions.push(`${joinWords(explanation.deniedHeaders.map(code))} to AllowedHeaders`);
  return `add ${joinWords(additions)} of ${explanation.label}`;
}

/** What one change costs: one per condition, one per header name to add. */
const cost = (explanation: RuleExplanation): number =>
  (explanation.failed.includes('origin') ? 1 : 0) + (explanation.failed.includes('method') ? 1 : 0) + explanation.deniedHeaders.length;

function suggest(reason: PreflightRefusal | ActualMiss, request: ExplainRequest, origin: string | undefined, method: string, invalid: readonly string[], rules: readonly RuleExplanation[], methods: readonly string[]): string {
  switch (reason) {
    case 'no-origin':
      return request.preflight
        ? 'send an Origin header: S3 refuses every preflight without one (browsers always send it)'
        : 'the request has no Origin header, so it is not a CORS request and gets no CORS headers';
    case 'invalid-method':
      return `${code(method)} is not a method a preflight may ask for: send GET, PUT, HEAD, POST or DELETE (case-sensitive)`;
    case 'missing-method':
      return 'send Access-Control-Request-Method: a preflight must name the method of the request that follows';
    case 'too-many-headers':
      return `request at most ${MAX_REQUESTED_HEADERS} header names in at most ${MAX_REQUEST_HEADERS_LENGTH} characters`;
    case 'no-bucket':
    case 'no-configuration':
      return 'put a CORS configuration on the bucket';
    case 'unavailable':
      return 'retry when the rule store is reachable';
    case 'no-match':
      break;
  }
  if (origin === undefined || !isValidOrigin(origin)) return 'the Origin holds characters no rule can match (only printable ASCII is matched): browsers never send such an Origin';
  if (methodBit(method, methods) === 0) return `no rule can allow ${code(method)}: AllowedMethods holds only ${joinWords(methods)} (case-sensitive)`;
  if (invalid.length > 0) return `${joinWords(invalid.map(code))} ${invalid.length === 1 ? 'is not a valid header name' : 'are not valid header names'}: no rule can allow it`;
  if (rules.length === 0) return `add a rule allowing ${code(origin)} and ${code(method)}`;
  let best = rules[0]!;
  for (const rule of rules) if (cost(rule) < cost(best)) best = rule;
  return fixRule(best, origin, method);
}

/** Each reason in words, for {@link Explanation.summary}. */
const REASON_WORDS: Readonly<Record<PreflightRefusal | ActualMiss, string>> = {
  unavailable: 'the rules could not be read',
  'no-origin': 'no Origin header',
  'invalid-method': 'Access-Control-Request-Method is not a method a rule can allow',
  'no-bucket': 'the bucket does not exist',
  'no-configuration': 'the bucket has no CORS configuration',
  'missing-method': 'no Access-Control-Request-Method',
  'too-many-headers': `more than ${MAX_REQUESTED_HEADERS} requested headers`,
  'no-match': 'no rule matches',
};

const SOURCE_WORDS: Readonly<Record<Exclude<ExplainSource, 'bucket'>, string>> = {
  default: "decided by the deployment's defaultRules (the bucket has no rules of its own)",
  service: "decided by the deployment's serviceRules (the request names no bucket)",
};

/** The verdict in one line; an actual request is never "refused": it gets CORS headers or none. */
function summarize(preflight: boolean, reason: PreflightRefusal | ActualMiss | null, answering: RuleExplanation | undefined, source: ExplainSource): string {
  const verdict =
    reason !== null ? (preflight ? `preflight refused (${REASON_WORDS[reason]})` : `no CORS headers (${REASON_WORDS[reason]}): the response is sent, but the browser hides it from the page`)
    : preflight ? `preflight allowed by ${answering!.label}`
    : `CORS headers from ${answering!.label}`;
  return source === 'bucket' ? verdict : `${verdict}; ${SOURCE_WORDS[source]}`;
}

const SOURCES: ReadonlySet<string> = new Set<ExplainSource>(['bucket', 'default', 'service']);

/** Plain-language TypeErrors for a request of the wrong shape (explain is often fed parsed JSON or query strings). */
function checkRequest(request: ExplainRequest, options: ExplainOptions): void {
  const optionalString = (value: unknown) => value === undefined || typeof value === 'string';
  const problem =
    typeof request !== 'object' || request === null ? 'the request must be an object'
    : typeof request.method !== 'string' ? '`method` must be a string'
    : typeof request.preflight !== 'boolean' ? '`preflight` must be true or false'
    : !optionalString(request.origin) ? '`origin` must be a string or undefined'
    : !optionalString(request.requestMethod) ? '`requestMethod` must be a string or undefined'
    : !optionalString(request.requestHeaders) && !(Array.isArray(request.requestHeaders) && request.requestHeaders.every((name) => typeof name === 'string'))
      ? '`requestHeaders` must be a string, a list of strings or undefined'
    : options.source !== undefined && !SOURCES.has(options.source) ? '`source` must be bucket, default or service'
    : undefined;
  if (problem !== undefined) throw new TypeError(`explain: ${problem}`);
}

/** What deciding gave: the verdict and, when allowed, the rule and its headers. */
interface Verdict {
  readonly allowed: boolean;
  readonly ruleIndex: number | null;
  readonly reason: PreflightRefusal | ActualMiss | null;
  readonly headers: HeaderList;
}

function decide(info: CorsRequestInfo, state: BucketCorsState, preflight: boolean): Verdict {
  if (preflight) {
    const decision = decidePreflight(info, state);
    return decision.allowed ? { allowed: true, ruleIndex: decision.ruleIndex, reason: null, headers: decision.headers } : { allowed: false, ruleIndex: null, reason: decision.reason, headers: [] };
  }
  const decision = decideActual(info, state);
  return decision.matched ? { allowed: true, ruleIndex: decision.ruleIndex, reason: null, headers: decision.headers } : { allowed: false, ruleIndex: null, reason: decision.reason, headers: [] };
}

/** The explanation of `request` against checked rules (`null`: a bucket without configuration). */
function explainAgainst(configuration: CorsConfiguration<string> | null, request: ExplainRequest, source: ExplainSource): Explanation {
  const compiled: CompiledRules | undefined = configuration === null ? undefined : compileCorsConfiguration(configuration);
  const requestHeaders = typeof request.requestHeaders === 'string' || request.requestHeaders === undefined ? request.requestHeaders : request.requestHeaders.join(',');
  const requestMethod = request.preflight ? (request.requestMethod ?? request.method) : request.requestMethod;
  const info: CorsRequestInfo = {
    method: request.preflight ? 'OPTIONS' : request.method,
    origin: request.origin,
    requestMethod,
    requestHeaders,
    resourceType: 'OBJECT',
  };
  const state: BucketCorsState = compiled === undefined ? { kind: 'no-configuration' } : { kind: 'configured', rules: compiled };
  const { allowed, ruleIndex, reason, headers } = decide(info, state, request.preflight);
  // The method rules are matched on: for an actual request, Access-Control-Request-Method when sent (decideActual's choice).
  const method = requestMethod !== undefined && requestMethod !== '' ? requestMethod : request.preflight ? '' : request.method;
  const requested = parseRequestedHeaders(requestHeaders);
  const invalid = requested === null && requestHeaders !== undefined ? invalidNames(requestHeaders) : [];
  const methods = compiled?.methods ?? [];
  const bit = methodBit(method, methods);
  const rules = (compiled?.rules ?? []).map((rule, index) => analyseRule(rule, index, configuration!.CORSRules[index]!.ID, request.origin, bit, requested, invalid));
  const suggestion = reason === null ? null : suggest(reason, request, request.origin, method, invalid, rules, methods);
  const summary = summarize(request.preflight, reason, ruleIndex === null ? undefined : rules[ruleIndex], source);
  return { allowed, rule: ruleIndex, reason, source, summary, rules, suggestion, headers };
}

/**
 * Explains how `configuration` answers `request`: the verdict comes from `decidePreflight` /
 * `decideActual` on the compiled rules (the middleware's own decision), and the per-rule analysis
 * from the same matchers. `null` explains a bucket without configuration (useful with a
 * `candidate`). With `options.candidate`, the request is explained against the report-only
 * candidate too (`candidate`, with its `difference`). Pure. Throws a `RuleViolationError` (worded as
 * PutBucketCors's validation, rules numbered from 1) for a configuration no dialect accepts
 * (checked against `STORED_RULES_PROFILE`), and a `TypeError` naming the field for a request of the
 * wrong shape.
 */
export function explain(configuration: CorsConfiguration<string> | null, request: ExplainRequest, options: ExplainOptions = {}): Explanation {
  if (configuration !== null) assertValidRules(configuration, STORED_RULES_PROFILE);
  if (options.candidate !== undefined) assertValidRules(options.candidate, STORED_RULES_PROFILE);
  checkRequest(request, options);
  const explanation = explainAgainst(configuration, request, options.source ?? 'bucket');
  if (options.candidate === undefined) return explanation;
  const candidate = explainAgainst(options.candidate, request, 'bucket');
  return { ...explanation, candidate: { ...candidate, difference: decisionDifference(request.preflight, explanation, candidate) ?? null } };
}
