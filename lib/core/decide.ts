// Decides a preflight or an actual cross-origin request against compiled rules, as S3 does (express-bucket-cors/docs/behaviour.md §8–§10).

import { addSuffixCandidates, ascending } from './candidates.js';
import { methodBit, type BucketCorsState, type CompiledRule, type CompiledRules } from './compile.js';
import type { ActualDecision, ActualMiss, CorsRequestInfo, PreflightDecision, PreflightRefusal, PreflightRefusalDecision } from './decision.js';
import { isHttpToken, isValidOrigin } from './headers.js';
import { UNLISTED, type LiteralOrigins, type OriginAnswers } from './literal-origins.js';
import { matchHeaders } from './response-headers.js';
import { matchesWildcard } from './wildcard.js';

/**
 * `Access-Control-Request-Method` values a preflight accepts before matching; any other non-empty
 * value is refused as `invalid-method` (case-sensitive). UNVERIFIED (express-bucket-cors/docs/behaviour.md §8.2 step 2, §15.15):
 * PATCH and OPTIONS are reportedly accepted by AWS and then never match (no rule can allow them).
 */
export const PREFLIGHT_REQUEST_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/**
 * Whether actual (non-OPTIONS) responses carry `Access-Control-Allow-Headers` when the request listed
 * headers in `Access-Control-Request-Headers`. UNVERIFIED (express-bucket-cors/docs/behaviour.md §9 step 5, §15.8): LocalStack's code does.
 */
const ACTUAL_ECHOES_REQUEST_HEADERS = true;

/**
 * Most names of `Access-Control-Request-Headers` a decision evaluates, and the longest such header (in
 * characters) it reads: browsers send a few dozen names at most, and a bound keeps an anonymous
 * request's cost small whatever the rules hold. Past either, the request matches no rule
 * (`too-many-headers`).
 */
export const MAX_REQUESTED_HEADERS = 200;
/** See {@link MAX_REQUESTED_HEADERS}. */
export const MAX_REQUEST_HEADERS_LENGTH = 16_384;

const isHttpWhitespace = (code: number) => code === 0x20 || code === 0x09;

/** Reason code of {@link parseRequestedHeaders} for a header that is too long or lists too many names. */
export const OVER_LIMIT = 1;

/**
 * `Access-Control-Request-Headers` split on `,`, each name trimmed of HTTP whitespace (SP and HTAB
 * only), empties dropped, lower-cased — once per decision. `undefined` when the header is absent;
 * `null` when some name is not an HTTP token, which no rule can match; {@link OVER_LIMIT} past the
 * bounds of {@link MAX_REQUESTED_HEADERS}. UNVERIFIED (express-bucket-cors/docs/behaviour.md §10.3, §15.7): AWS's handling
 * of empty and invalid entries.
 */
export function parseRequestedHeaders(value: string | undefined): string[] | null | undefined | typeof OVER_LIMIT {
  if (value === undefined) return undefined;
  if (value.length > MAX_REQUEST_HEADERS_LENGTH) return OVER_LIMIT;
  const names: string[] = [];
  let start = 0;
  while (start <= value.length) {
    let end = value.indexOf(',', start);
    if (end === -1) end = value.length;
    let from = start;
    let to = end;
    while (from < to && isHttpWhitespace(value.charCodeAt(from))) from++;
    while (to > from && isHttpWhitespace(value.charCodeAt(to - 1))) to--;
    if (to > from) {
      const name = value.slice(from, to);
      if (!isHttpToken(name)) return null;
      if (names.length === MAX_REQUESTED_HEADERS) return OVER_LIMIT;
      names.push(name.toLowerCase());
    }
    start = end + 1;
  }
  return names;
}

/** Whether some AllowedHeader of `rule` covers `name` (lower-cased, as parsed by {@link parseRequestedHeaders}). */
export function allowsHeader(rule: CompiledRule, name: string): boolean {
  const literals = rule.literalHeaders;
  for (let i = 0; i < literals.length; i++) if (literals[i] === name) return true;
  const patterns = rule.headerPatterns;
  for (let i = 0; i < patterns.length; i++) if (matchesWildcard(patterns[i]!, name)) return true;
  return false;
}

/** Whether some AllowedOrigin of `rule` matches `origin`; the caller has checked `isValidOrigin(origin)`. */
export function originMatches(rule: CompiledRule, origin: string): boolean {
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
 * literal AllowedOrigin (valid by construction, `literal` its entry), and for any Origin when no
 * suffix pattern applies, one precomputed list returned as is.
 */
function candidatesFor(rules: CompiledRules, origin: string, literal: number): readonly number[] {
  if (literal !== -1) return rules.literalOrigins.candidates(literal);
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
function findRule(rules: CompiledRules, origin: string, literal: number, bit: number, requested: readonly string[] | null | undefined): number {
  if (bit === 0 || requested === null) return -1;
  const candidates = candidatesFor(rules, origin, literal);
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

function refuse(reason: PreflightRefusal, request: CorsRequestInfo): PreflightRefusalDecision {
  return { allowed: false, reason, requestMethod: request.requestMethod, resourceType: request.resourceType };
}

/**
 * Decides an `OPTIONS` preflight exactly in S3's order (express-bucket-cors/docs/behaviour.md §8.2): rules unreadable →
 * `unavailable`; missing Origin → `no-origin`; an `Access-Control-Request-Method` outside
 * {@link PREFLIGHT_REQUEST_METHODS} → `invalid-method`; no bucket; no configuration; no request method
 * → `missing-method`; too many requested headers; no matching rule → `no-match`; otherwise allowed with
 * the matched rule's headers (without `Vary`). How a refusal is answered is the dialect's business.
 */
export function decidePreflight(request: CorsRequestInfo, state: BucketCorsState): PreflightDecision {
  if (state.kind === 'unavailable') return refuse('unavailable', request);
  const origin = request.origin;
  if (origin === undefined || origin === '') return refuse('no-origin', request);
  const requestMethod = request.requestMethod;
  const hasRequestMethod = requestMethod !== undefined && requestMethod !== '';
  if (hasRequestMethod && !PREFLIGHT_REQUEST_METHODS.has(requestMethod)) return refuse('invalid-method', request);
  if (state.kind === 'no-bucket') return refuse('no-bucket', request);
  if (state.kind === 'no-configuration') return refuse('no-configuration', request);
  if (!hasRequestMethod) return refuse('missing-method', request);
  const requested = parseRequestedHeaders(request.requestHeaders);
  if (requested === OVER_LIMIT) return refuse('too-many-headers', request);
  const rules = state.rules;
  const index = findRule(rules, origin, rules.literalOrigins.find(origin), methodBit(requestMethod, rules.methods), requested);
  if (index === -1) return refuse('no-match', request);
  return { allowed: true, ruleIndex: index, headers: matchHeaders(state.rules.rules[index]!, origin, requested ?? undefined) };
}

type Unmatched = ActualDecision & { readonly matched: false };
const UNMATCHED: Readonly<Record<ActualMiss, Unmatched>> = {
  unavailable: Object.freeze({ matched: false, reason: 'unavailable' }),
  'no-origin': Object.freeze({ matched: false, reason: 'no-origin' }),
  'no-configuration': Object.freeze({ matched: false, reason: 'no-configuration' }),
  'too-many-headers': Object.freeze({ matched: false, reason: 'too-many-headers' }),
  'no-match': Object.freeze({ matched: false, reason: 'no-match' }),
};

/**
 * Decides which CORS headers an actual (non-OPTIONS) request gets (express-bucket-cors/docs/behaviour.md §9). Matching uses
 * `Access-Control-Request-Method` when present and non-empty, else the HTTP method, and checks
 * `Access-Control-Request-Headers` only when present. Never blocks the request. From a literal
 * AllowedOrigin without requested headers (the usual request), the decision is made once per method and
 * kept with the compiled rules; later ones are that lookup.
 */
export function decideActual(request: CorsRequestInfo, state: BucketCorsState): ActualDecision {
  if (state.kind === 'unavailable') return UNMATCHED['unavailable'];
  const origin = request.origin;
  if (origin === undefined || origin === '') return UNMATCHED['no-origin'];
  if (state.kind !== 'configured') return UNMATCHED['no-configuration'];
  const requestMethod = request.requestMethod;
  const rules = state.rules;
  const bit = methodBit(requestMethod !== undefined && requestMethod !== '' ? requestMethod : request.method, rules.methods);
  const literals = rules.literalOrigins;
  const literal = literals.find(origin);
  if (request.requestHeaders === undefined && bit !== 0) {
    // An Origin no rule lists matches a pattern or nothing: without patterns, it is refused at once.
    if (literal === -1 && rules.scanRules.length === 0 && rules.suffixBuckets.length === 0) return UNMATCHED['no-match'];
    const slot = literal === -1 ? UNLISTED : literal;
    const answers = (literal === -1 ? literals.unlistedAnswers(origin) : literals.answers(literal)) ?? keepAnswers(literals, slot, origin, rules.methods.length);
    return (answers[31 - Math.clz32(bit)] ??= Object.freeze(matchActual(rules, origin, literal, bit, undefined)));
  }
  const requested = parseRequestedHeaders(request.requestHeaders);
  if (requested === OVER_LIMIT) return UNMATCHED['too-many-headers'];
  return matchActual(rules, origin, literal, bit, requested);
}

/**
 * Most Origins that keep their actual-request answers at once, process-wide (about 250 bytes each
 * once asked; each configuration's listed Origins, and the last unlisted one a pattern decided): a
 * newcomer's answers replace those of the Origin first asked longest ago. So the memory they take is
 * bounded however many configurations are cached, and is not part of any cache's estimate; a hot
 * Origin keeps its answers as long as fewer than this many others are first asked in between.
 */
export const MAX_ANSWERED_ORIGINS = 4_096;
/**
 * The answered Origins, oldest first from `nextAnswered`: each one's table and slot. Held weakly, so
 * that a configuration the cache dropped goes at once, not when its place here comes round.
 */
const answeredTables: Array<WeakRef<LiteralOrigins> | undefined> = new Array<WeakRef<LiteralOrigins> | undefined>(MAX_ANSWERED_ORIGINS).fill(undefined);
const answeredSlots: number[] = new Array<number>(MAX_ANSWERED_ORIGINS).fill(0);
let nextAnswered = 0;

/** Gives `origin`, in `slot` of `table`, empty answers, taking the place of the Origin answered longest ago. */
function keepAnswers(table: LiteralOrigins, slot: number, origin: string, methodCount: number): OriginAnswers {
  answeredTables[nextAnswered]?.deref()?.setAnswers(answeredSlots[nextAnswered]!, undefined);
  answeredTables[nextAnswered] = new WeakRef(table);
  answeredSlots[nextAnswered] = slot;
  nextAnswered = (nextAnswered + 1) % MAX_ANSWERED_ORIGINS;
  const answers: OriginAnswers = new Array<ActualDecision | undefined>(methodCount).fill(undefined);
  table.setAnswers(slot, answers, origin);
  return answers;
}

/** The actual-request decision once the inputs are read: the first matching rule's headers, or `no-match`. */
function matchActual(rules: CompiledRules, origin: string, literal: number, bit: number, requested: readonly string[] | null | undefined): ActualDecision {
  const index = findRule(rules, origin, literal, bit, requested);
  if (index === -1) return UNMATCHED['no-match'];
  const headers = matchHeaders(rules.rules[index]!, origin, ACTUAL_ECHOES_REQUEST_HEADERS ? (requested ?? undefined) : undefined);
  return { matched: true, ruleIndex: index, headers };
}
