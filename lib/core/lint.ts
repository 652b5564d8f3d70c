// Warnings about configurations S3 accepts but that do not do what their owner meant. Never a refusal.

import { compileCorsConfiguration, type CompiledRule } from './compile.js';
import { allowsHeader, originMatches } from './decide.js';
import { ruleLabel } from './wording.js';
import { isHttpToken, isValidOrigin } from './headers.js';
import type { CorsConfiguration, CorsRule } from './model.js';
import { assertValidRules, STORED_RULES_PROFILE } from './validate.js';
import { compileWildcard, WILDCARD, type WildcardPattern } from './wildcard.js';

/** Every code of the core's own lint checks; stable, meant for machines. */
export type LintCode =
  | 'shadowed-rule'
  | 'origin-never-matches'
  | 'credentials-wildcard-subdomain'
  | 'max-age-capped'
  | 'duplicate-origin'
  | 'wildcard-beside-origins';

/** One warning. `Code` is {@link LintCode}, or a lint pack's own codes. */
export interface LintWarning<Code extends string = string> {
  readonly code: Code;
  /** 0-based position in `CORSRules` of the rule concerned (`message` numbers it from 1); `null` for the configuration as a whole. */
  readonly rule: number | null;
  /** One line in English, rules numbered from 1. */
  readonly message: string;
}

/**
 * Advice that belongs to one API or client ecosystem rather than to CORS itself (e.g. the headers AWS
 * SDKs send): `check` sees each rule with its compiled form and returns messages (without the rule
 * label, which lint adds). A dialect ships its packs; `lint` runs the ones it is given.
 */
export interface LintPack<Code extends string = string> {
  /** Short name, e.g. `'aws-sdk'`. */
  readonly name: string;
  readonly check: (rule: CorsRule<string>, compiled: CompiledRule) => ReadonlyArray<{ readonly code: Code; readonly message: string }>;
}

/** What {@link lint} runs beyond its own checks. */
export interface LintOptions {
  /** Lint packs whose warnings follow the core's for each rule. Default: none. */
  readonly packs?: readonly LintPack[];
  /** The profile's methods, for compiling the rules. Default: the stored-rules profile's (S3's five). */
  readonly methods?: readonly string[];
}

/** Longest `Access-Control-Max-Age` Chromium honours, in seconds. */
export const CHROMIUM_MAX_AGE_SECONDS = 7_200;
/** Longest `Access-Control-Max-Age` Firefox honours, in seconds. */
export const FIREFOX_MAX_AGE_SECONDS = 86_400;

// ---- exact language inclusion for one-`*` patterns, by a lazily determinised product automaton ----

/** The characters a matched value may contain: printable ASCII for origins; lower-case token characters for requested header names. */
type Domain = (code: number) => boolean;
const ORIGIN_DOMAIN: Domain = (code) => code >= 0x20 && code <= 0x7e;
const HEADER_DOMAIN: Domain = (code) => isHttpToken(String.fromCharCode(code)) && !(code >= 0x41 && code <= 0x5a);

/**
 * A pattern as an automaton: states 0..n over `text` (prefix + suffix), state `loop` (the `*`, -1 for a
 * literal) reads any character without moving; state n accepts.
 */
interface PatternAutomaton {
  readonly text: string;
  readonly loop: number;
}

const automaton = (pattern: WildcardPattern): PatternAutomaton => ({ text: pattern.prefix + pattern.suffix, loop: pattern.hasWildcard ? pattern.prefix.length : -1 });

/** A set of NFA states over several patterns: `pattern * STRIDE + position`, ascending. */
type StateSet = readonly number[];
const STRIDE = 65_536;

function start(patterns: readonly PatternAutomaton[]): StateSet {
  return patterns.map((_, index) => index * STRIDE);
}

function step(patterns: readonly PatternAutomaton[], states: StateSet, char: string): StateSet {
  const next = new Set<number>();
  for (const state of states) {
    const pattern = patterns[Math.floor(state / STRIDE)]!;
    const position = state % STRIDE;
    if (position === pattern.loop) next.add(state);
    if (position < pattern.text.length && pattern.text[position] === char) next.add(state + 1);
  }
  return [...next].sort((a, b) => a - b);
}

function accepts(patterns: readonly PatternAutomaton[], states: StateSet): boolean {
  return states.some((state) => state % STRIDE === patterns[Math.floor(state / STRIDE)]!.text.length);
}

/**
 * Whether every non-empty value within `domain` that some pattern of `inner` matches is matched by some
 * pattern of `outer`. Exact, also where only several outer patterns together cover an inner one: the
 * search runs over pairs of (inner, outer) automaton state sets, and characters that occur in no
 * pattern all behave alike, so one of them stands for the rest.
 */
export function patternsInclude(outer: readonly WildcardPattern[], inner: readonly WildcardPattern[], domain: Domain): boolean {
  const outerAutomata = outer.map(automaton);
  const innerAutomata = inner.map(automaton);
  const used = new Set<string>();
  for (const { text } of [...outerAutomata, ...innerAutomata]) for (const char of text) if (domain(char.charCodeAt(0))) used.add(char);
  for (let code = 0; code < 128; code++) {
    const char = String.fromCharCode(code);
    if (domain(code) && !used.has(char)) {
      used.add(char);
      break;
    }
  }
  const alphabet = [...used];
  const seen = new Set<string>();
  const queue: Array<[StateSet, StateSet]> = [[start(innerAutomata), start(outerAutomata)]];
  while (queue.length > 0) {
    const [innerStates, outerStates] = queue.pop()!;
    for (const char of alphabet) {
      const nextInner = step(innerAutomata, innerStates, char);
      if (nextInner.length === 0) continue;
      const nextOuter = step(outerAutomata, outerStates, char);
      if (accepts(innerAutomata, nextInner) && !accepts(outerAutomata, nextOuter)) return false;
      const key = `${nextInner.join()}|${nextOuter.join()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      queue.push([nextInner, nextOuter]);
    }
  }
  return true;
}

/** A rule's origins as patterns (literals included), as the engine matches them. */
const originPatterns = (rule: CompiledRule): WildcardPattern[] => [...rule.exactOrigins.map(compileWildcard), ...rule.wildcardOrigins];
/** A rule's AllowedHeaders (lower-cased) as patterns. */
const headerPatterns = (rule: CompiledRule): WildcardPattern[] => [...[...rule.literalHeaders].map(compileWildcard), ...rule.headerPatterns];

/**
 * A quick necessary condition for inclusion: the shortest value of each inner pattern (its prefix and
 * suffix joined), when it is a value at all, matches `outer`. Rejects most pairs before the automaton runs.
 */
function shortestValuesMatch(inner: readonly WildcardPattern[], domain: Domain, outer: (value: string) => boolean): boolean {
  for (const pattern of inner) {
    const value = pattern.prefix + pattern.suffix;
    if (value !== '' && within(value, domain) && !outer(value)) return false;
  }
  return true;
}

/** True when `earlier` matches every request `later` matches: origins, methods and allowed header names all include `later`'s. */
function covers(earlier: CompiledRule, later: CompiledRule): boolean {
  if ((later.methodMask & ~earlier.methodMask) !== 0) return false;
  if (!earlier.anyOrigin) {
    const inner = originPatterns(later);
    if (!shortestValuesMatch(inner, ORIGIN_DOMAIN, (origin) => originMatches(earlier, origin))) return false;
    if (!patternsInclude(originPatterns(earlier), inner, ORIGIN_DOMAIN)) return false;
  }
  if (earlier.anyHeader) return true;
  const inner = headerPatterns(later);
  return shortestValuesMatch(inner, HEADER_DOMAIN, (name) => allowsHeader(earlier, name)) && patternsInclude(headerPatterns(earlier), inner, HEADER_DOMAIN);
}

/** Whether every character of `text` is in `domain`. */
function within(text: string, domain: Domain): boolean {
  for (let i = 0; i < text.length; i++) if (!domain(text.charCodeAt(i))) return false;
  return true;
}

/**
 * True when some request can match the rule at all: a method S3 knows, and an origin a request can
 * have (a valid literal, or a pattern whose fixed parts are valid characters: the `*` takes any).
 */
const canMatch = (rule: CompiledRule): boolean =>
  rule.methodMask !== 0 && (rule.exactOrigins.some(isValidOrigin) || rule.anyOrigin || rule.wildcardOrigins.some((pattern) => within(pattern.prefix + pattern.suffix, ORIGIN_DOMAIN)));

// ---- origin spelling ----

const DEFAULT_PORTS: ReadonlyArray<readonly [scheme: string, port: string]> = [
  ['https://', ':443'],
  ['http://', ':80'],
];

/** Why browsers never send an Origin this AllowedOrigin matches; `undefined` when they may. */
function originProblem(origin: string): string | undefined {
  if (origin === '') return 'is empty';
  if (origin.trim() !== origin || origin.includes(' ') || origin.includes('\t')) return 'contains whitespace';
  if (!isValidOrigin(origin)) return 'contains characters that are not printable ASCII';
  if (origin === WILDCARD) return undefined;
  if (origin !== origin.toLowerCase()) return 'has upper-case letters (browsers send scheme and host in lower case)';
  const schemeEnd = origin.indexOf('://');
  if (origin.endsWith('/')) return 'ends with a slash (an Origin has no path)';
  if (schemeEnd !== -1 && origin.indexOf('/', schemeEnd + 3) !== -1) return 'has a path (an Origin is scheme, host and port only)';
  for (const [scheme, port] of DEFAULT_PORTS) {
    if (origin.startsWith(scheme) && origin.endsWith(port)) return `names the default port ${port} (browsers omit it)`;
  }
  if (schemeEnd === -1 && !origin.includes(WILDCARD) && origin !== 'null') return 'has no scheme (browsers send e.g. https://host)';
  return undefined;
}

const quoted = (value: string): string => JSON.stringify(value);

function ruleWarnings(rule: CorsRule<string>, compiled: CompiledRule, index: number, packs: readonly LintPack[]): LintWarning[] {
  const warnings: LintWarning[] = [];
  const label = ruleLabel(index, rule.ID);
  const warn = (code: LintCode, message: string) => warnings.push({ code, rule: index, message: `${label}: ${message}` });
  for (const origin of rule.AllowedOrigins) {
    const problem = originProblem(origin);
    if (problem !== undefined) warn('origin-never-matches', `AllowedOrigin ${quoted(origin)} ${problem}, so no browser request ever matches it`);
  }
  if (!compiled.anyOrigin) {
    for (const origin of rule.AllowedOrigins) {
      if (origin.includes(WILDCARD))
        warn('credentials-wildcard-subdomain', `${quoted(origin)} is answered with the request's Origin and Access-Control-Allow-Credentials: true, so any page on a matching host can read credentialed responses`);
    }
  }
  const maxAge = rule.MaxAgeSeconds;
  if (maxAge !== undefined && maxAge > CHROMIUM_MAX_AGE_SECONDS)
    warn(
      'max-age-capped',
      `MaxAgeSeconds ${maxAge} is more than browsers honour: Chromium caches preflights for at most ${CHROMIUM_MAX_AGE_SECONDS} s${maxAge > FIREFOX_MAX_AGE_SECONDS ? `, Firefox for at most ${FIREFOX_MAX_AGE_SECONDS} s` : ''}`,
    );
  const seen = new Set<string>();
  for (const origin of rule.AllowedOrigins) {
    if (seen.has(origin)) warn('duplicate-origin', `AllowedOrigin ${quoted(origin)} is listed more than once`);
    seen.add(origin);
  }
  if (compiled.anyOrigin && rule.AllowedOrigins.some((origin) => origin !== WILDCARD))
    warn('wildcard-beside-origins', '"*" is listed beside other origins: every origin matches and is answered with * and no credentials, so the others do nothing');
  for (const pack of packs) for (const { code, message } of pack.check(rule, compiled)) warnings.push({ code, rule: index, message: `${label}: ${message}` });
  return warnings;
}

/**
 * Warnings about `configuration` (expected to pass the dialect's validation; lint never rejects
 * anything S3 accepts), rule by rule in stored order:
 * - `shadowed-rule`: an earlier rule matches every request this one matches (origins by the
 *   wildcard semantics, methods, allowed header names), so this one never answers;
 * - `origin-never-matches`: an AllowedOrigin no browser sends (empty, whitespace, upper case, a path or
 *   trailing slash, a default port, no scheme);
 * - `credentials-wildcard-subdomain`: a pattern origin, answered with credentials;
 * - `max-age-capped`: `MaxAgeSeconds` above {@link CHROMIUM_MAX_AGE_SECONDS};
 * - `duplicate-origin`; `wildcard-beside-origins`;
 * then each pack's warnings for the rule (`options.packs`, e.g. the S3 dialect's AWS SDK advice).
 *
 * Throws a `RuleViolationError` (worded as PutBucketCors's validation, rules numbered from 1) when
 * `configuration` is not a configuration any dialect accepts, e.g. parsed JSON whose `AllowedMethods`
 * is a string: checked against `STORED_RULES_PROFILE` (with `options.methods`) first, so nothing fails half-way.
 */
export function lint(configuration: CorsConfiguration<string>, options: LintOptions = {}): LintWarning[] {
  assertValidRules(configuration, options.methods === undefined ? STORED_RULES_PROFILE : { ...STORED_RULES_PROFILE, methods: options.methods });
  const compiled = compileCorsConfiguration(configuration, options.methods).rules;
  const packs = options.packs ?? [];
  const warnings: LintWarning[] = [];
  configuration.CORSRules.forEach((rule, index) => {
    const compiledRule = compiled[index]!;
    if (canMatch(compiledRule)) {
      const shadowing = compiled.findIndex((earlier, earlierIndex) => earlierIndex < index && covers(earlier, compiledRule));
      if (shadowing !== -1) {
        const label = ruleLabel(index, rule.ID);
        warnings.push({
          code: 'shadowed-rule',
          rule: index,
          message: `${label}: never answers, ${ruleLabel(shadowing, configuration.CORSRules[shadowing]!.ID)} matches every request it matches`,
        });
      }
    }
    warnings.push(...ruleWarnings(rule, compiledRule, index, packs));
  });
  return warnings;
}
