// Where another provider's way of picking a rule answers differently than S3's, found by deciding generated requests both ways.

import { compileCorsConfiguration, type CompiledRules } from './compile.js';
import { decidePreflight } from './decide.js';
import type { CorsRequestInfo } from './decision.js';
import { isValidOrigin } from './headers.js';
import type { CorsConfiguration, CorsRule } from './model.js';
import { WILDCARD } from './wildcard.js';

/**
 * How a provider picks the rule that answers a request (express-bucket-cors/docs/behaviour.md §23.4):
 * - `first-match` (S3, R2, B2, MediaStore): the first rule whose origins, methods *and* allowed headers
 *   all match; a rule whose headers fail is skipped;
 * - `origin-and-method` (GCS, Azure): the first rule whose origins and methods match is selected, and
 *   if the requested headers then fail, the request fails: later rules are never tried.
 */
export type RuleSelection = 'first-match' | 'origin-and-method';

/** One request the two selections answer differently, with the rule each answers with (`null`: refused). */
export interface SelectionDifference {
  readonly origin: string;
  readonly method: string;
  /** The `Access-Control-Request-Headers` names of the preflight (lower case). */
  readonly requestHeaders: readonly string[];
  /** The rule S3's `first-match` answers with. */
  readonly firstMatch: number | null;
  /** The rule `origin-and-method` answers with. */
  readonly originAndMethod: number | null;
}

/** A header name that is in no rule: the request every rule's header list may refuse. */
const UNLISTED_HEADER = 'x-unlisted-header';

/** A value a pattern (one `*` at most) matches: the `*` as `x`. */
const sample = (pattern: string): string => (pattern === WILDCARD ? 'https://any.example' : pattern.replace(WILDCARD, 'x'));

/** The origins, methods and header sets worth asking: each value the rules name (patterns by a sample), and a header none names. */
function generatedRequests(rules: readonly CorsRule[], methods: readonly string[]): Array<Omit<SelectionDifference, 'firstMatch' | 'originAndMethod'>> {
  const origins = new Set<string>();
  const headerSets = new Map<string, string[]>([['', []], [UNLISTED_HEADER, [UNLISTED_HEADER]]]);
  for (const rule of rules) {
    for (const origin of rule.AllowedOrigins) if (isValidOrigin(sample(origin))) origins.add(sample(origin));
    const names = (rule.AllowedHeaders ?? []).filter((name) => name !== '' && name !== WILDCARD).map((name) => sample(name.toLowerCase()));
    for (const name of names) headerSets.set(name, [name]);
    if (names.length > 1) headerSets.set(names.join(), names);
  }
  const requests = [];
  for (const origin of origins) for (const method of methods) for (const requestHeaders of headerSets.values()) requests.push({ origin, method, requestHeaders });
  return requests;
}

const preflightOf = (origin: string, method: string, requestHeaders: readonly string[]): CorsRequestInfo => ({
  method: 'OPTIONS',
  origin,
  requestMethod: method,
  requestHeaders: requestHeaders.length === 0 ? undefined : requestHeaders.join(','),
  resourceType: 'OBJECT',
});

const answer = (rules: CompiledRules, request: CorsRequestInfo): number | null => {
  const decision = decidePreflight(request, { kind: 'configured', rules });
  return decision.allowed ? decision.ruleIndex : null;
};

/**
 * The requests (preflights) on which `origin-and-method` selection answers differently than S3's
 * `first-match`, at most one per pair of answers. Both answers come from the engine's own
 * `decidePreflight`: S3's on the rules as they are; the other selects with every rule's headers made
 * `*` (so only origin and method count) and then decides the selected rule alone with the request's
 * headers. Requests are generated from the rules: every origin they name (a pattern by one sample
 * value), every method of `methods`, no headers, each allowed header alone, each rule's headers
 * together, and a header no rule names.
 */
export function selectionDifferences(configuration: CorsConfiguration, methods?: readonly string[]): SelectionDifference[] {
  const asS3 = compileCorsConfiguration(configuration, methods);
  const selector = compileCorsConfiguration({ CORSRules: configuration.CORSRules.map((rule) => ({ ...rule, AllowedHeaders: [WILDCARD] })) }, methods);
  const alone = configuration.CORSRules.map((rule) => compileCorsConfiguration({ CORSRules: [rule] }, methods));
  const differences = new Map<string, SelectionDifference>();
  for (const { origin, method, requestHeaders } of generatedRequests(configuration.CORSRules, asS3.methods)) {
    const request = preflightOf(origin, method, requestHeaders);
    const firstMatch = answer(asS3, request);
    const selected = answer(selector, preflightOf(origin, method, []));
    const originAndMethod = selected !== null && answer(alone[selected]!, request) !== null ? selected : null;
    const key = `${firstMatch}|${originAndMethod}`;
    if (firstMatch !== originAndMethod && !differences.has(key)) differences.set(key, { origin, method, requestHeaders, firstMatch, originAndMethod });
  }
  return [...differences.values()];
}
