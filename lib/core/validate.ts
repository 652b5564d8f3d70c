// Checks a configuration against a dialect's profile and reports the first violation as a neutral, typed reason.

import { RULE_FIELDS, RULE_FIELDS_BY_KEY, type RuleField } from './fields.js';
import { isHttpToken } from './headers.js';
import { didYouMean } from './suggest.js';
import { isPortableText } from './text.js';
import { isPlainObject } from './values.js';
import { ruleLabel } from './wording.js';
import type { CorsConfiguration, CorsRule } from './model.js';
import { countWildcards, WILDCARD } from './wildcard.js';

/**
 * What a dialect allows in a configuration. Validation never looks at a wire format: each dialect
 * passes its profile and maps the {@link RuleViolation} it gets back to its own error.
 */
export interface RuleProfile {
  /** Methods `AllowedMethods` may list, compared case-sensitively. */
  readonly methods: readonly string[];
  /** Most rules one configuration may hold. */
  readonly maxRules: number;
  /** Whether every rule must list `AllowedHeaders` (it may still be empty). */
  readonly requiresAllowedHeaders: boolean;
  /** Whether rules may carry an `ID`. */
  readonly ruleIds: boolean;
  /** Longest value, by value type; a type not listed has no limit. */
  readonly maxValueLength: Readonly<Partial<Record<'id' | 'origin' | 'header', number>>>;
  /** Most values one list field may hold; `Infinity` for no limit. */
  readonly maxValuesPerField: number;
  /** Whether list values may be empty strings. */
  readonly emptyValues: boolean;
  /** Smallest and largest `MaxAgeSeconds`. */
  readonly maxAgeSeconds: readonly [min: number, max: number];
}

/**
 * The neutral reasons a configuration is refused; `rule` is the 0-based position in `CORSRules`
 * ({@link describeRuleViolation} numbers it from 1), `field` a model key.
 */
export type RuleViolation =
  | { readonly code: 'not-a-configuration' }
  /** A key no configuration (`rule: undefined`) or no rule has; its description names the one it was probably meant to be. */
  | { readonly code: 'unknown-field'; readonly rule: number | undefined; readonly name: string }
  | { readonly code: 'no-rules' }
  | { readonly code: 'wrong-type'; readonly rule: number; readonly field: keyof CorsRule | undefined }
  | { readonly code: 'missing-field'; readonly rule: number; readonly field: keyof CorsRule }
  | { readonly code: 'max-age-out-of-range'; readonly rule: number; readonly value: number; readonly min: number; readonly max: number }
  | { readonly code: 'too-many-rules'; readonly count: number; readonly limit: number }
  | { readonly code: 'id-not-allowed'; readonly rule: number }
  | { readonly code: 'too-many-values'; readonly rule: number; readonly field: keyof CorsRule; readonly count: number; readonly limit: number }
  | { readonly code: 'empty-value'; readonly rule: number; readonly field: keyof CorsRule }
  | { readonly code: 'invalid-character'; readonly rule: number; readonly field: keyof CorsRule; readonly value: string }
  | { readonly code: 'value-too-long'; readonly rule: number; readonly field: keyof CorsRule; readonly value: string; readonly limit: number }
  | { readonly code: 'unsupported-method'; readonly rule: number; readonly value: string }
  | { readonly code: 'too-many-wildcards'; readonly rule: number; readonly field: keyof CorsRule; readonly value: string }
  | { readonly code: 'wildcard-not-allowed'; readonly rule: number; readonly field: keyof CorsRule; readonly value: string }
  | { readonly code: 'invalid-header-name'; readonly rule: number; readonly field: keyof CorsRule; readonly value: string };

/** Every {@link RuleViolation} code. */
export type RuleViolationCode = RuleViolation['code'];

/**
 * What any dialect may have put into a store: the widest profile (S3's five methods, 100 rules, IDs of
 * up to 255 characters, any 32-bit `MaxAgeSeconds`). Caches check what a store hands back against it.
 */
export const STORED_RULES_PROFILE: RuleProfile = Object.freeze({
  methods: Object.freeze(['GET', 'PUT', 'HEAD', 'POST', 'DELETE']),
  maxRules: 100,
  requiresAllowedHeaders: false,
  ruleIds: true,
  maxValueLength: Object.freeze({ id: 255 }),
  maxValuesPerField: Infinity,
  emptyValues: true,
  maxAgeSeconds: Object.freeze([-2147483648, 2147483647] as const),
});


/**
 * The longest rule list any dialect can store, in characters of its JSON
 * (`JSON.stringify(configuration.CORSRules)`): MediaStore's policy, which is that very list, may have
 * 398,000; S3's document may have 65,536 bytes of XML, whose markup is longer than JSON's and whose
 * characters JSON at most doubles (`"`, `\`, TAB, CR and LF are escaped), so at most 131,072. Stores
 * and caches refuse anything longer before parsing or compiling it: no dialect could have put it
 * there, and its cost would have no bound.
 */
export const MAX_STORED_RULES_CHARACTERS = Math.max(398_000, 2 * 65_536);
/** The one key of a configuration. */
const CONFIGURATION_KEYS: readonly string[] = ['CORSRules'];
/** The keys of a rule, in the model's order. */
const RULE_KEYS: readonly string[] = RULE_FIELDS.map((field) => field.key);

/** The first key of `value` not in `known` (a typo, or a field the model lacks), which would otherwise be silently dropped. */
function unknownField(value: Record<string, unknown>, known: readonly string[], rule: number | undefined): RuleViolation | undefined {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) return { code: 'unknown-field', rule, name };
  }
  return undefined;
}

/** Fields in the order their values are checked within one rule. */
const FIELDS_BY_CHECK_ORDER: readonly RuleField[] = [...RULE_FIELDS].sort((a, b) => a.checkOrder - b.checkOrder);

/** The shape check: every field of the right type. Runs before anything else so later checks can trust types. */
function shapeViolation(rule: unknown, index: number): RuleViolation | undefined {
  if (!isPlainObject(rule)) return { code: 'wrong-type', rule: index, field: undefined };
  const unknown = unknownField(rule, RULE_KEYS, index);
  if (unknown !== undefined) return unknown;
  for (const field of RULE_FIELDS) {
    const value = rule[field.key];
    if (value === undefined) continue;
    const fits =
      field.kind === 'list'
        ? Array.isArray(value) && value.every((item) => typeof item === 'string')
        : field.kind === 'text'
          ? typeof value === 'string'
          : typeof value === 'number' && Number.isInteger(value);
    if (!fits) return { code: 'wrong-type', rule: index, field: field.key };
  }
  return undefined;
}

/** Whether a required field is missing: the two lists every rule needs, `AllowedHeaders` where the profile wants it. */
function missingField(rule: CorsRule, profile: RuleProfile): keyof CorsRule | undefined {
  for (const field of RULE_FIELDS) {
    const value = rule[field.key] as readonly string[] | undefined;
    if (field.required && (value === undefined || value.length === 0)) return field.key;
  }
  if (profile.requiresAllowedHeaders && rule.AllowedHeaders === undefined) return 'AllowedHeaders';
  return undefined;
}

function valueViolation(field: RuleField, value: string, index: number, profile: RuleProfile): RuleViolation | undefined {
  const rule = index;
  const key = field.key;
  if (value === '' && !profile.emptyValues) return { code: 'empty-value', rule, field: key };
  if (!isPortableText(value)) return { code: 'invalid-character', rule, field: key, value };
  const limit = field.values === 'id' || field.values === 'origin' || field.values === 'header' ? profile.maxValueLength[field.values] : undefined;
  if (limit !== undefined && value.length > limit) return { code: 'value-too-long', rule, field: key, value, limit };
  if (field.values === 'method' && !profile.methods.includes(value)) return { code: 'unsupported-method', rule, value };
  if (field.wildcards === 'one' && countWildcards(value) > 1) return { code: 'too-many-wildcards', rule, field: key, value };
  if (field.wildcards === 'none' && value.includes(WILDCARD)) return { code: 'wildcard-not-allowed', rule, field: key, value };
  // Empty passes: it has no bad character (S3 accepts an empty AllowedHeader).
  if (field.values === 'header' && value !== '' && !isHttpToken(value)) return { code: 'invalid-header-name', rule, field: key, value };
  return undefined;
}

/** The first failing value check of one rule, fields in check order. */
function ruleViolation(rule: CorsRule, index: number, profile: RuleProfile): RuleViolation | undefined {
  for (const field of FIELDS_BY_CHECK_ORDER) {
    const value = rule[field.key];
    if (value === undefined) continue;
    if (field.kind === 'integer') continue; // range checked with the structure, before the rule count
    if (field.kind === 'text') {
      if (!profile.ruleIds) return { code: 'id-not-allowed', rule: index };
      const violation = valueViolation(field, value as string, index, profile);
      if (violation !== undefined) return violation;
      continue;
    }
    const values = value as readonly string[];
    if (values.length > profile.maxValuesPerField)
      return { code: 'too-many-values', rule: index, field: field.key, count: values.length, limit: profile.maxValuesPerField };
    for (const item of values) {
      const violation = valueViolation(field, item, index, profile);
      if (violation !== undefined) return violation;
    }
  }
  return undefined;
}

/**
 * The first reason `configuration` breaks `profile`, or `undefined` when it is valid. Checks in this
 * order (express-bucket-cors/docs/behaviour.md §3.4): the shape (a key other than `CORSRules`, a rule key not in the
 * fields table, types), no rules, a rule without a required field, a
 * `MaxAgeSeconds` out of range, too many rules; then rule by rule in stored order, fields in their
 * check order (methods, origins, allowed headers, expose headers, ID), each value: empty, a character
 * no wire format can carry back (a control character other than TAB/LF/CR, U+FFFE/U+FFFF, a lone
 * surrogate), too long, method not allowed, wildcards, header-name characters.
 */
export function findRuleViolation(configuration: unknown, profile: RuleProfile): RuleViolation | undefined {
  if (!isPlainObject(configuration)) return { code: 'not-a-configuration' };
  const unknown = unknownField(configuration, CONFIGURATION_KEYS, undefined);
  if (unknown !== undefined) return unknown;
  if (!Array.isArray(configuration.CORSRules)) return { code: 'not-a-configuration' };
  const rules = configuration.CORSRules as unknown[];
  for (let i = 0; i < rules.length; i++) {
    const violation = shapeViolation(rules[i], i);
    if (violation !== undefined) return violation;
  }
  if (rules.length === 0) return { code: 'no-rules' };
  const typed = rules as CorsRule[];
  for (let i = 0; i < typed.length; i++) {
    const field = missingField(typed[i]!, profile);
    if (field !== undefined) return { code: 'missing-field', rule: i, field };
  }
  const [min, max] = profile.maxAgeSeconds;
  for (let i = 0; i < typed.length; i++) {
    const value = typed[i]!.MaxAgeSeconds;
    if (value !== undefined && (value < min || value > max)) return { code: 'max-age-out-of-range', rule: i, value, min, max };
  }
  if (typed.length > profile.maxRules) return { code: 'too-many-rules', count: typed.length, limit: profile.maxRules };
  for (let i = 0; i < typed.length; i++) {
    const violation = ruleViolation(typed[i]!, i, profile);
    if (violation !== undefined) return violation;
  }
  return undefined;
}

/** Where a violation is, for messages: `rule 2: AllowedHeaders`, as the JSON parser and the CLI name it. */
function place(rule: number, field?: keyof CorsRule): string {
  return field === undefined ? ruleLabel(rule, undefined) : `${ruleLabel(rule, undefined)}: ${field}`;
}

/** What a field's value must be, for `wrong-type`. */
const EXPECTED_TYPE: Readonly<Record<RuleField['kind'], string>> = { list: 'a list of strings', text: 'a string', integer: 'an integer' };

/**
 * A one-line English description of `violation` that says which field and why, for dialects without
 * wording of their own (and for tools): `rule 2: AllowedHeaders holds "a b", which is not a valid
 * header name`; rules are numbered from 1, `rule N: Field` as `parseCorsJson`'s messages name them.
 */
export function describeRuleViolation(violation: RuleViolation): string {
  switch (violation.code) {
    case 'not-a-configuration':
      return 'the configuration must be an object with a list of rules';
    case 'unknown-field':
      // Worded as the S3 JSON parser words the same mistake.
      return violation.rule === undefined
        ? `unknown key ${JSON.stringify(violation.name)} at the top level${didYouMean(violation.name, CONFIGURATION_KEYS)}; the configuration holds only "CORSRules"`
        : `${ruleLabel(violation.rule, undefined)}: unknown key ${JSON.stringify(violation.name)}${didYouMean(violation.name, RULE_KEYS)}; a rule's keys are ${RULE_KEYS.join(', ')}`;
    case 'no-rules':
      return 'the configuration must have at least one rule';
    case 'wrong-type':
      return violation.field === undefined ? `${place(violation.rule)} must be an object` : `${place(violation.rule, violation.field)} must be ${EXPECTED_TYPE[RULE_FIELDS_BY_KEY.get(violation.field)!.kind]}`;
    case 'missing-field':
      return `${place(violation.rule, violation.field)} is required`;
    case 'max-age-out-of-range':
      return `${place(violation.rule, 'MaxAgeSeconds')} must be between ${violation.min} and ${violation.max}, not ${violation.value}`;
    case 'too-many-rules':
      return `a configuration holds at most ${violation.limit} rules, not ${violation.count}`;
    case 'id-not-allowed':
      return `${place(violation.rule, 'ID')} is not allowed: rules have no ID here`;
    case 'too-many-values':
      return `${place(violation.rule, violation.field)} holds at most ${violation.limit} values, not ${violation.count}`;
    case 'empty-value':
      return `${place(violation.rule, violation.field)} must not contain an empty value`;
    case 'invalid-character':
      return `${place(violation.rule, violation.field)} holds a value with a control character or a lone surrogate`;
    case 'value-too-long':
      return `${place(violation.rule, violation.field)} holds a value longer than ${violation.limit} characters`;
    case 'unsupported-method':
      return `${place(violation.rule, 'AllowedMethods')} holds the unsupported method ${JSON.stringify(violation.value)}`;
    case 'too-many-wildcards':
      return `${place(violation.rule, violation.field)} holds ${JSON.stringify(violation.value)}, which has more than one wildcard`;
    case 'wildcard-not-allowed':
      return `${place(violation.rule, violation.field)} holds ${JSON.stringify(violation.value)}, which must not contain a wildcard`;
    case 'invalid-header-name':
      return `${place(violation.rule, violation.field)} holds ${JSON.stringify(violation.value)}, which is not a valid header name`;
  }
}

/** Thrown by {@link assertValidRules} with the violation found. */
export class RuleViolationError extends Error {
  readonly violation: RuleViolation;

  constructor(violation: RuleViolation) {
    super(`invalid CORS configuration: ${describeRuleViolation(violation)}`);
    this.name = 'RuleViolationError';
    this.violation = violation;
  }
}

/** `configuration` typed as valid for `profile`; throws a {@link RuleViolationError} otherwise. */
export function assertValidRules(configuration: unknown, profile: RuleProfile): CorsConfiguration {
  const violation = findRuleViolation(configuration, profile);
  if (violation !== undefined) throw new RuleViolationError(violation);
  return configuration as CorsConfiguration;
}
