// Turns a stored configuration into per-rule matchers and header strings, once, so deciding a request only compares.

import { ascending, suffixMatch, type SuffixBucket } from './candidates.js';
import type { ActualDecision } from './decision.js';
import { isValidOrigin } from './headers.js';
import type { CorsConfiguration, CorsMethod, CorsRule } from './model.js';
import {
  ALLOW_METHODS,
  EXPOSE_HEADERS,
  LIST_SEPARATOR,
  MAX_AGE,
  WILDCARD_ORIGIN_HEADER,
  echoedOriginHeaders,
  type RuleResponseHeaders,
} from './response-headers.js';
import { STORED_RULES_PROFILE } from './validate.js';
import { compileWildcard, WILDCARD, type WildcardPattern } from './wildcard.js';

/**
 * The bit of `method` in a rule's method mask: `1 << i` for the `i`-th name of `methods` (a profile's
 * method list, compared case-sensitively); 0 for anything else, so such a method never matches. A
 * loop over a short list costs what a `switch` does, and keeps the methods data (express-bucket-cors/docs/behaviour.md §23.6).
 */
export function methodBit(method: string, methods: readonly string[] = DEFAULT_METHODS): number {
  for (let i = 0; i < methods.length; i++) if (methods[i] === method) return 1 << i;
  return 0;
}

/** Most methods a profile may list: one bit each in a 32-bit mask. */
export const MAX_METHODS = 31;

/** The stored-rules profile's methods, unfrozen (V8 iterates frozen arrays markedly slower). */
const DEFAULT_METHODS: readonly string[] = [...STORED_RULES_PROFILE.methods];

/** True for exactly `GET`, `PUT`, `HEAD`, `POST` or `DELETE`: the methods S3 accepts in `AllowedMethod` (the stored-rules profile's). */
export function isCorsMethod(method: string): method is CorsMethod {
  return methodBit(method) !== 0;
}

/**
 * Whether a matched rule answers `Access-Control-Allow-Origin: *` (and no credentials header) rather
 * than echoing the request's Origin: when any of its AllowedOrigins is exactly `*`.
 * UNVERIFIED (express-bucket-cors/docs/behaviour.md §10.2, §15.4): for a rule listing both `*` and the exact origin, AWS's answer is
 * unknown; Scality and LocalStack send `*`, which is what this does.
 */
function answersWildcardOrigin(allowedOrigins: readonly string[]): boolean {
  return allowedOrigins.includes(WILDCARD);
}

/** One rule, precompiled. Built only by {@link compileCorsConfiguration}. */
export interface CompiledRule extends RuleResponseHeaders {
  /** OR of {@link methodBit} over the rule's AllowedMethods (bits of {@link CompiledRules.methods}). */
  readonly methodMask: number;
  /** True when some AllowedOrigin is `*`: every valid Origin matches, and the answer is `*`. */
  readonly anyOrigin: boolean;
  /** The AllowedOrigins without `*` (compared with `===`). */
  readonly exactOrigins: readonly string[];
  /** The AllowedOrigins with a `*`, as patterns (case-sensitive). */
  readonly wildcardOrigins: readonly WildcardPattern[];
  /** True when some AllowedHeader is `*`: every requested header matches. */
  readonly anyHeader: boolean;
  /** AllowedHeaders without `*`, lower-cased: a requested name is one lookup here. */
  readonly literalHeaders: ReadonlySet<string>;
  /** AllowedHeaders with a `*`, lower-cased, as patterns: scanned only when the lookup misses. */
  readonly headerPatterns: readonly WildcardPattern[];
}

/** A configuration ready for `decidePreflight` / `decideActual`: what caches keep. */
export interface CompiledRules {
  /** The configuration this was compiled from, unchanged. */
  readonly configuration: CorsConfiguration<string>;
  /** Number of rules. */
  readonly ruleCount: number;
  /** The methods rules may allow, in bit order: what `methodBit(method, methods)` reads. */
  readonly methods: readonly string[];
  /** The rules, compiled, in stored order (first match wins). */
  readonly rules: readonly CompiledRule[];
  /**
   * Each literal AllowedOrigin that passes `isValidOrigin`: its candidate rules, and the answers to
   * actual requests from it. A decision for such an Origin starts with this one lookup.
   */
  readonly literalOrigins: ReadonlyMap<string, LiteralOrigin>;
  /** Origin patterns with a non-empty suffix, grouped by suffix length: suffix → rule indexes (ascending). */
  readonly suffixBuckets: readonly SuffixBucket[];
  /** Indexes (ascending) of rules with an origin pattern not in `suffixBuckets` (`*`, `prefix*`): candidates for every Origin. */
  readonly scanRules: readonly number[];
}

/**
 * What is known of the bucket a request names: its compiled rules, no configuration, no such bucket,
 * or nothing at all because the store could not be read (and nothing was cached).
 */
export type BucketCorsState =
  | { readonly kind: 'configured'; readonly rules: CompiledRules }
  | { readonly kind: 'no-configuration' }
  | { readonly kind: 'no-bucket' }
  | { readonly kind: 'unavailable' };

/** What a compiled configuration keeps for one literal AllowedOrigin (see {@link CompiledRules.literalOrigins}). */
export interface LiteralOrigin {
  /**
   * Indexes (ascending, distinct) of every rule that could match the Origin: the rules listing it,
   * `scanRules`, and the `suffixBuckets` rules whose suffix it ends with; checked in full, in stored
   * order. Equal lists are shared.
   */
  readonly candidates: readonly number[];
  /**
   * The decision of an actual request from this Origin that lists no `Access-Control-Request-Headers`,
   * by method (slot `log2(methodBit)`): filled by `decideActual` on first use — it depends on nothing
   * else — so that a repeated answer is one lookup and allocates nothing. One slot per method of
   * {@link CompiledRules.methods}.
   */
  readonly actualAnswers: Array<ActualDecision | undefined>;
}

/** Most suffix lengths worth one lookup each per decision; a configuration with more scans its pattern rules instead. */
const MAX_SUFFIX_BUCKETS = 16;

/** Appends `index` to the list under `key`, once (a rule may list the same origin twice). */
function addIndex(map: Map<string, number[]>, key: string, index: number): void {
  const indexes = map.get(key);
  if (indexes === undefined) map.set(key, [index]);
  else if (indexes[indexes.length - 1] !== index) indexes.push(index);
}

function compileRule(rule: CorsRule<string>, methods: readonly string[]): CompiledRule {
  let methodMask = 0;
  for (const method of rule.AllowedMethods) methodMask |= methodBit(method, methods);
  const allowedHeaders = rule.AllowedHeaders ?? [];
  const methodsHeader = [ALLOW_METHODS, rule.AllowedMethods.join(LIST_SEPARATOR)] as const;
  const trailingHeaders: Array<readonly [string, string]> = [];
  if (rule.ExposeHeaders !== undefined && rule.ExposeHeaders.length > 0)
    trailingHeaders.push([EXPOSE_HEADERS, rule.ExposeHeaders.join(LIST_SEPARATOR)]);
  // 0 and negative values are sent as configured. UNVERIFIED (express-bucket-cors/docs/behaviour.md §8.5, §15.3).
  if (rule.MaxAgeSeconds !== undefined) trailingHeaders.push([MAX_AGE, String(rule.MaxAgeSeconds)]);
  const anyOrigin = answersWildcardOrigin(rule.AllowedOrigins);
  const lowerCased = allowedHeaders.map((header) => header.toLowerCase());
  const exactOrigins = rule.AllowedOrigins.filter((origin) => !origin.includes(WILDCARD));
  return {
    methodMask,
    anyOrigin,
    exactOrigins,
    wildcardOrigins: rule.AllowedOrigins.filter((origin) => origin.includes(WILDCARD)).map(compileWildcard),
    anyHeader: allowedHeaders.includes(WILDCARD),
    literalHeaders: new Set(lowerCased.filter((header) => !header.includes(WILDCARD))),
    headerPatterns: lowerCased.filter((header) => header.includes(WILDCARD)).map(compileWildcard),
    methodsHeader,
    trailingHeaders,
    fixedHeaders: anyOrigin ? [WILDCARD_ORIGIN_HEADER, methodsHeader, ...trailingHeaders] : undefined,
    // Only for Origins a request may carry: anything else never matches.
    echoHeaders: new Map(
      anyOrigin ? [] : exactOrigins.filter(isValidOrigin).map((origin) => [origin, echoedOriginHeaders({ methodsHeader, trailingHeaders }, origin)] as const),
    ),
  };
}

/**
 * Precomputes everything that depends only on the rules (method masks, origin and header matchers,
 * header strings). Expects a configuration that passed `validateCorsConfiguration`; anything else
 * still compiles, and values validation would reject (e.g. method `get`) simply never match.
 * `methods` is the profile's method list (default: the stored-rules profile's, S3's five); at most
 * {@link MAX_METHODS}.
 */
export function compileCorsConfiguration(config: CorsConfiguration<string>, methods: readonly string[] = DEFAULT_METHODS): CompiledRules {
  if (methods.length > MAX_METHODS) throw new RangeError(`a profile lists at most ${MAX_METHODS} methods, not ${methods.length}`);
  // Arrays stay unfrozen (the types are readonly): V8 iterates frozen arrays markedly slower.
  const methodList = Object.isFrozen(methods) ? [...methods] : methods;
  const rules = config.CORSRules.map((rule) => compileRule(rule, methodList));
  const exactOriginRules = new Map<string, number[]>();
  const bySuffixLength = new Map<number, Map<string, number[]>>();
  const scanRules = new Set<number>();
  rules.forEach((compiled, index) => {
    for (const origin of compiled.exactOrigins) addIndex(exactOriginRules, origin, index);
    for (const pattern of compiled.wildcardOrigins) {
      if (pattern.suffix.length === 0) scanRules.add(index);
      else {
        let bucket = bySuffixLength.get(pattern.suffix.length);
        if (bucket === undefined) bySuffixLength.set(pattern.suffix.length, (bucket = new Map()));
        addIndex(bucket, pattern.suffix, index);
      }
    }
  });
  let suffixBuckets: SuffixBucket[] = [...bySuffixLength].map(([length, bucket]) => ({ length, rules: bucket }));
  if (suffixBuckets.length > MAX_SUFFIX_BUCKETS) {
    for (const bucket of suffixBuckets) for (const indexes of bucket.rules.values()) for (const index of indexes) scanRules.add(index);
    suffixBuckets = [];
  }
  const scanned = [...scanRules].sort(ascending);
  return {
    configuration: config,
    ruleCount: rules.length,
    methods: methodList,
    rules,
    literalOrigins: literalOriginsOf(exactOriginRules, suffixBuckets, scanned, methodList.length),
    suffixBuckets,
    scanRules: scanned,
  };
}

/**
 * Each literal origin's complete candidate list and (empty) answers (see `CompiledRules.literalOrigins`),
 * equal lists shared. Origins listed by the same rules and ending with the same pattern suffixes have
 * the same list, so it is worked out once for each such pair: 100 sorts rather than 10,000 for 100
 * rules of 100 origins beside patterns (bench/compile-bound.mjs).
 */
function literalOriginsOf(exactOriginRules: ReadonlyMap<string, readonly number[]>, suffixBuckets: readonly SuffixBucket[], scanRules: readonly number[], methodCount: number): Map<string, LiteralOrigin> {
  const literals = new Map<string, LiteralOrigin>();
  /** Each suffix's index list, numbered, to name the suffixes an origin ends with in a short key. */
  const suffixIds = new Map<readonly number[], number>();
  const byInput = new Map<string, readonly number[]>();
  const byContent = new Map<string, readonly number[]>();
  for (const [origin, exact] of exactOriginRules) {
    // Only Origins a request may match are listed, so a listed Origin needs no isValidOrigin check.
    if (!isValidOrigin(origin)) continue;
    const matched: (readonly number[])[] = [];
    let input = exact.join();
    for (const bucket of suffixBuckets) {
      const indexes = suffixMatch(bucket, origin);
      if (indexes === undefined) continue;
      matched.push(indexes);
      let id = suffixIds.get(indexes);
      if (id === undefined) suffixIds.set(indexes, (id = suffixIds.size));
      input += `|${id}`;
    }
    let list = byInput.get(input);
    if (list === undefined) {
      const distinct = [...new Set([...exact, ...scanRules, ...matched.flat()])].sort(ascending);
      const key = distinct.join();
      list = byContent.get(key);
      if (list === undefined) byContent.set(key, (list = distinct));
      byInput.set(input, list);
    }
    literals.set(origin, { candidates: list, actualAnswers: new Array<ActualDecision | undefined>(methodCount).fill(undefined) });
  }
  return literals;
}
