// Turns a stored configuration into per-rule matchers and header strings, once, so deciding a request only compares.

import { ascending, suffixMatch, type SuffixBucket } from './candidates.js';
import { isValidOrigin } from './headers.js';
import { jsonOf } from './values.js';
import { LiteralOrigins } from './literal-origins.js';
import type { CorsConfiguration, CorsMethod, CorsRule, HeaderList } from './model.js';
import { ALLOW_METHODS, EXPOSE_HEADERS, LIST_SEPARATOR, MAX_AGE, WILDCARD_ORIGIN_HEADER, type RuleResponseHeaders } from './response-headers.js';
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
  /** AllowedHeaders without `*`, lower-cased; a rule lists a few, so a requested name is a short scan. */
  readonly literalHeaders: readonly string[];
  /** AllowedHeaders with a `*`, lower-cased, as patterns: scanned only when the literal scan misses. */
  readonly headerPatterns: readonly WildcardPattern[];
}

/** A configuration ready for `decidePreflight` / `decideActual`: what caches keep. */
export interface CompiledRules {
  /**
   * The configuration this was compiled from (its rule fields). The rule cache keeps only its content
   * key and decodes it again on each read (nothing on the hot path reads it), so a cached bucket does
   * not hold the parsed objects as well.
   */
  readonly configuration: CorsConfiguration<string>;
  /** Number of rules. */
  readonly ruleCount: number;
  /** The methods rules may allow, in bit order: what `methodBit(method, methods)` reads. */
  readonly methods: readonly string[];
  /** The rules, compiled, in stored order (first match wins). */
  readonly rules: readonly CompiledRule[];
  /**
   * Each literal AllowedOrigin that passes `isValidOrigin`: its candidate rules (the rules listing it,
   * `scanRules`, and the `suffixBuckets` rules whose suffix it ends with; equal lists shared), and the
   * answers to actual requests from it once asked. A decision for such an Origin starts with this one lookup.
   */
  readonly literalOrigins: LiteralOrigins;
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

/** Most suffix lengths worth one lookup each per decision; a configuration with more scans its pattern rules instead. */
const MAX_SUFFIX_BUCKETS = 16;

/** Appends `index` to the list under `key`, once (a rule may list the same origin twice). */
function addIndex(map: Map<string, number[]>, key: string, index: number): void {
  const indexes = map.get(key);
  if (indexes === undefined) map.set(key, [index]);
  else if (indexes[indexes.length - 1] !== index) indexes.push(index);
}

/** The list every rule without such values shares. */
const NONE: readonly never[] = [];

/**
 * Most distinct values {@link interned} keeps, and the longest key it keeps one under: what all
 * configurations share, bounded (a few MB at most) whatever tenants store.
 */
export const MAX_INTERNED = 4_096;
const MAX_INTERNED_KEY = 512;

/**
 * One kind of value {@link interned} shares, by a key of its own kind (a table per kind, so that a
 * key needs no prefix: building one per lookup cost a concatenation and a copy of the key), with the
 * values of the compile in progress it did not share (made on first need).
 */
interface InternTable<T> {
  readonly shared: Map<string, T>;
  own: Map<string, T> | undefined;
}
const internTable = <T>(): InternTable<T> => ({ shared: new Map(), own: undefined });
const METHODS_HEADERS = internTable<RuleResponseHeaders['methodsHeader']>();
const TRAILING_HEADERS = internTable<HeaderList>();
const FIXED_HEADERS = internTable<HeaderList>();
const LITERAL_HEADERS = internTable<readonly string[]>();
const HEADER_PATTERNS = internTable<readonly WildcardPattern[]>();
const CANDIDATE_LISTS = internTable<readonly number[]>();
const INTERN_TABLES: ReadonlyArray<InternTable<unknown>> = [METHODS_HEADERS, TRAILING_HEADERS, FIXED_HEADERS, LITERAL_HEADERS, HEADER_PATTERNS, CANDIDATE_LISTS];
/** Values the tables share, all kinds together: at most {@link MAX_INTERNED}. */
let internedCount = 0;

/**
 * What the compile in progress holds that {@link interned} did not share process-wide (`count`
 * values of about `characters` characters of key), and the literal AllowedOrigins it found shared
 * ({@link sharedOrigin}: `sharedOrigins` of `sharedOriginCharacters` characters), for the cache's
 * size estimate.
 */
interface UnsharedValues {
  count: number;
  characters: number;
  sharedOrigins: number;
  sharedOriginCharacters: number;
}
let unshared: UnsharedValues = { count: 0, characters: 0, sharedOrigins: 0, sharedOriginCharacters: 0 };

/**
 * The one shared copy of a value many configurations hold alike (`Access-Control-Allow-Methods: GET,
 * HEAD`, an ExposeHeaders list, a rule's header names), by `key`; past {@link MAX_INTERNED} distinct
 * keys, or for a long one, one copy for the rules of this configuration (counted in `unshared`).
 */
function interned<T>(table: InternTable<T>, key: string, make: () => T): T {
  const known = table.shared.get(key) ?? table.own?.get(key);
  if (known !== undefined) return known;
  const value = make();
  if (internedCount < MAX_INTERNED && key.length <= MAX_INTERNED_KEY) {
    table.shared.set(key, value);
    internedCount++;
  } else {
    (table.own ??= new Map()).set(key, value);
    unshared.count++;
    unshared.characters += key.length;
  }
  return value;
}

/**
 * Literal AllowedOrigins seen in more than one configuration, each kept as one string (as parsed, every
 * configuration would hold its own copy of `https://app.example.com`), and origins seen once, waiting
 * for a second sighting: both bounded by {@link MAX_INTERNED}, so what tenants alone list is not kept for long.
 */
const sharedOrigins = new Map<string, string>();
let onceSeenOrigins = new Set<string>();

/** The one shared copy of the literal AllowedOrigin `origin` once two configurations list it; `origin` itself until then. */
function sharedOrigin(origin: string): string {
  const known = sharedOrigins.get(origin);
  if (known !== undefined) {
    unshared.sharedOrigins++;
    unshared.sharedOriginCharacters += origin.length;
    return known;
  }
  if (origin.length > MAX_INTERNED_KEY || sharedOrigins.size >= MAX_INTERNED) return origin;
  if (onceSeenOrigins.delete(origin)) sharedOrigins.set(origin, origin);
  else {
    if (onceSeenOrigins.size >= MAX_INTERNED) onceSeenOrigins = new Set();
    onceSeenOrigins.add(origin);
  }
  return origin;
}

/**
 * The values of `list` that `keep` accepts, in an array of exactly their number (`filter` leaves
 * room for 16 more, which thousands of cached configurations would carry), or the shared empty list.
 */
function exactly<T, U>(list: readonly T[], keep: (value: T) => boolean, map: (value: T) => U): readonly U[] {
  let count = 0;
  for (const value of list) if (keep(value)) count++;
  if (count === 0) return NONE;
  const kept = new Array<U>(count);
  let k = 0;
  for (const value of list) if (keep(value)) kept[k++] = map(value);
  return kept;
}

/** `*` alone as a pattern, shared. */
const ANY = compileWildcard(WILDCARD);
const hasWildcard = (value: string): boolean => value.includes(WILDCARD);
const isLiteral = (value: string): boolean => !value.includes(WILDCARD);
const same = (value: string): string => value;
const patternOf = (value: string): WildcardPattern => (value === WILDCARD ? ANY : compileWildcard(value));
const withoutWildcard = (list: readonly string[]): readonly string[] => exactly(list, isLiteral, same);
/** The patterns of `*` alone, the most common list: shared. */
const ANY_ONLY: readonly WildcardPattern[] = [ANY];
const patternsOf = (list: readonly string[]): readonly WildcardPattern[] => (list.length === 1 && list[0] === WILDCARD ? ANY_ONLY : exactly(list, hasWildcard, patternOf));

/** An optional header value as it stands in a list's JSON, for the keys of {@link interned}. */
const jsonOrNull = (value: string | undefined): string => (value === undefined ? 'null' : jsonOf(value));

function compileRule(rule: CorsRule<string>, methods: readonly string[]): CompiledRule {
  let methodMask = 0;
  for (const method of rule.AllowedMethods) methodMask |= methodBit(method, methods);
  const methodsValue = rule.AllowedMethods.join(LIST_SEPARATOR);
  const methodsHeader = interned(METHODS_HEADERS, methodsValue, () => [ALLOW_METHODS, methodsValue] as const);
  const expose = rule.ExposeHeaders !== undefined && rule.ExposeHeaders.length > 0 ? rule.ExposeHeaders.join(LIST_SEPARATOR) : undefined;
  // 0 and negative values are sent as configured. UNVERIFIED (express-bucket-cors/docs/behaviour.md §8.5, §15.3).
  const maxAge = rule.MaxAgeSeconds === undefined ? undefined : String(rule.MaxAgeSeconds);
  const trailingKey = `[${jsonOrNull(expose)},${jsonOrNull(maxAge)}]`;
  const trailingHeaders = interned(TRAILING_HEADERS, trailingKey, (): HeaderList => [...(expose === undefined ? [] : [[EXPOSE_HEADERS, expose] as const]), ...(maxAge === undefined ? [] : [[MAX_AGE, maxAge] as const])]);
  const anyOrigin = answersWildcardOrigin(rule.AllowedOrigins);
  const lowerCased = (rule.AllowedHeaders ?? NONE).map((header) => header.toLowerCase());
  const headersKey = jsonOf(lowerCased);
  return {
    methodMask,
    anyOrigin,
    exactOrigins: exactly(rule.AllowedOrigins, isLiteral, sharedOrigin),
    wildcardOrigins: patternsOf(rule.AllowedOrigins),
    anyHeader: lowerCased.includes(WILDCARD),
    literalHeaders: interned(LITERAL_HEADERS, headersKey, () => withoutWildcard(lowerCased)),
    headerPatterns: interned(HEADER_PATTERNS, headersKey, () => patternsOf(lowerCased)),
    methodsHeader,
    trailingHeaders,
    fixedHeaders: anyOrigin ? interned(FIXED_HEADERS, `${jsonOf(methodsValue)}${trailingKey}`, (): HeaderList => [WILDCARD_ORIGIN_HEADER, methodsHeader, ...trailingHeaders]) : undefined,
  };
}

/** {@link CompiledRules} as compiled: the configuration is either kept, or decoded again from a compact form each time it is read. */
class CompiledConfiguration implements CompiledRules {
  readonly #source: unknown;
  readonly #decode: ((source: unknown) => CorsConfiguration<string>) | undefined;

  constructor(
    source: unknown,
    decode: ((source: unknown) => CorsConfiguration<string>) | undefined,
    readonly methods: readonly string[],
    readonly rules: readonly CompiledRule[],
    readonly literalOrigins: LiteralOrigins,
    readonly suffixBuckets: readonly SuffixBucket[],
    readonly scanRules: readonly number[],
  ) {
    this.#source = source;
    this.#decode = decode;
  }

  get ruleCount(): number {
    return this.rules.length;
  }

  get configuration(): CorsConfiguration<string> {
    return this.#decode === undefined ? (this.#source as CorsConfiguration<string>) : this.#decode(this.#source);
  }
}

/**
 * Precomputes everything that depends only on the rules (method masks, origin and header matchers,
 * header strings). Expects a configuration that passed `validateCorsConfiguration`; anything else
 * still compiles, and values validation would reject (e.g. method `get`) simply never match.
 * `methods` is the profile's method list (default: the stored-rules profile's, S3's five); at most
 * {@link MAX_METHODS}.
 */
export function compileCorsConfiguration(config: CorsConfiguration<string>, methods: readonly string[] = DEFAULT_METHODS): CompiledRules {
  return compileFrom(config, config, undefined, methods);
}

/**
 * {@link compileCorsConfiguration} for a cache that holds `config` in a compact form already
 * (`source`, e.g. a string): that is kept in place of `config`, which can then be collected, and
 * `decode(source)` gives the configuration back whenever `configuration` is read. Also says how many
 * header values and lists the compiled rules hold of their own rather than shared, for the cache's
 * size estimate.
 */
export function compileKeeping<S>(config: CorsConfiguration<string>, source: S, decode: (source: S) => CorsConfiguration<string>): { readonly rules: CompiledRules; readonly unshared: Readonly<UnsharedValues> } {
  unshared = { count: 0, characters: 0, sharedOrigins: 0, sharedOriginCharacters: 0 };
  const rules = compileFrom(config, source, decode as (source: unknown) => CorsConfiguration<string>, DEFAULT_METHODS);
  return { rules, unshared };
}

function compileFrom(config: CorsConfiguration<string>, source: unknown, decode: ((source: unknown) => CorsConfiguration<string>) | undefined, methods: readonly string[]): CompiledRules {
  try {
    return compileRules(config, source, decode, methods);
  } finally {
    for (const table of INTERN_TABLES) table.own = undefined;
  }
}

function compileRules(config: CorsConfiguration<string>, source: unknown, decode: ((source: unknown) => CorsConfiguration<string>) | undefined, methods: readonly string[]): CompiledRules {
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
  const scanned = scanRules.size === 0 ? NONE : [...scanRules].sort(ascending);
  return new CompiledConfiguration(source, decode, methodList, rules, literalOriginsOf(exactOriginRules, suffixBuckets, scanned), suffixBuckets.length === 0 ? NONE : suffixBuckets, scanned);
}

/** Candidate lists up to this long are shared process-wide by {@link interned} (the cache's size estimate counts longer ones). */
export const SHARED_LIST_LENGTH = 4;

/**
 * Each literal origin's complete candidate list and (empty) answers (see `CompiledRules.literalOrigins`),
 * equal lists shared. Origins listed by the same rules and ending with the same pattern suffixes have
 * the same list, so it is worked out once for each such pair: 100 sorts rather than 10,000 for 100
 * rules of 100 origins beside patterns (bench/compile-bound.mjs).
 */
function literalOriginsOf(exactOriginRules: ReadonlyMap<string, readonly number[]>, suffixBuckets: readonly SuffixBucket[], scanRules: readonly number[]): LiteralOrigins {
  const literals: Array<readonly [string, readonly number[]]> = [];
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
      // Listed by increasing rule index (addIndex), exact alone is distinct and ascending already.
      const distinct = scanRules.length === 0 && matched.length === 0 ? exact : [...new Set([...exact, ...scanRules, ...matched.flat()])].sort(ascending);
      const key = distinct.join();
      // Short lists shared process-wide ([0], [1, 2] and the like recur in every configuration), long ones among the configuration's origins.
      list = distinct.length <= SHARED_LIST_LENGTH ? interned(CANDIDATE_LISTS, key, () => distinct) : byContent.get(key);
      if (list === undefined) byContent.set(key, (list = distinct));
      byInput.set(input, list);
    }
    literals.push([origin, list]);
  }
  return new LiteralOrigins(literals);
}
