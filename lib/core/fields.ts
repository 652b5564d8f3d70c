// The one table of rule fields: what the model holds, in wire order; codecs and validation are driven by it.

import type { CorsRule } from './model.js';

/** How a field's value is shaped. */
export type RuleFieldKind = 'text' | 'list' | 'integer';

/** How many `*` a value may carry: `one` (a wildcard pattern), `none`, or any (`literal`: `*` is not special). */
export type WildcardUse = 'one' | 'none' | 'literal';

/**
 * What a field's values are, which decides their checks: a `method` must be one the profile allows,
 * a `header` name may hold token characters only (it reaches response headers), `seconds` is an
 * integer in the profile's range.
 */
export type RuleValueType = 'id' | 'method' | 'origin' | 'header' | 'seconds';

/** One field of {@link CorsRule}. */
export interface RuleField {
  /** The model's property name (and the JSON key of the SDK shape). */
  readonly key: keyof CorsRule;
  /** The name of one item: the element name in S3's XML (`AllowedOrigin` for `AllowedOrigins`). */
  readonly item: string;
  readonly kind: RuleFieldKind;
  readonly values: RuleValueType;
  /** How `*` may be used in the values. */
  readonly wildcards: WildcardUse;
  /** Whether every rule must have at least one value (the profile may require more fields). */
  readonly required: boolean;
  /** Position among the fields when written out: the AWS SDK model's order (ID, AllowedHeaders, AllowedMethods, …). */
  readonly wireOrder: number;
  /** Position of the field's value checks within a rule: validation reports the first failure in this order. */
  readonly checkOrder: number;
}

/**
 * Every rule field, in the model's order ({@link CorsRule}, the order parsed rules hold them).
 * Adding a field means adding it to {@link CorsRule} and here.
 */
export const RULE_FIELDS: readonly RuleField[] = [
  { key: 'ID', item: 'ID', kind: 'text', values: 'id', wildcards: 'literal', required: false, wireOrder: 0, checkOrder: 4 },
  { key: 'AllowedOrigins', item: 'AllowedOrigin', kind: 'list', values: 'origin', wildcards: 'one', required: true, wireOrder: 3, checkOrder: 1 },
  { key: 'AllowedMethods', item: 'AllowedMethod', kind: 'list', values: 'method', wildcards: 'literal', required: true, wireOrder: 2, checkOrder: 0 },
  { key: 'AllowedHeaders', item: 'AllowedHeader', kind: 'list', values: 'header', wildcards: 'one', required: false, wireOrder: 1, checkOrder: 2 },
  { key: 'ExposeHeaders', item: 'ExposeHeader', kind: 'list', values: 'header', wildcards: 'none', required: false, wireOrder: 4, checkOrder: 3 },
  { key: 'MaxAgeSeconds', item: 'MaxAgeSeconds', kind: 'integer', values: 'seconds', wildcards: 'literal', required: false, wireOrder: 5, checkOrder: 5 },
];

/** {@link RULE_FIELDS} in the order codecs write them. */
export const RULE_FIELDS_IN_WIRE_ORDER: readonly RuleField[] = [...RULE_FIELDS].sort((a, b) => a.wireOrder - b.wireOrder);

/** {@link RULE_FIELDS} by model key. */
export const RULE_FIELDS_BY_KEY: ReadonlyMap<string, RuleField> = new Map(RULE_FIELDS.map((field) => [field.key, field]));

/** {@link RULE_FIELDS} by item name. */
export const RULE_FIELDS_BY_ITEM: ReadonlyMap<string, RuleField> = new Map(RULE_FIELDS.map((field) => [field.item, field]));

/** A rule's fields as one record while a codec builds it; {@link buildRule} turns it into a {@link CorsRule}. */
export type RuleDraft = {
  -readonly [K in keyof CorsRule]?: CorsRule[K] extends readonly string[] | undefined ? string[] : CorsRule[K];
};

/**
 * A rule from decoded field values (or a copy of a rule): a fresh object with the given fields in
 * `order` (default: the model's). Only known keys are copied (never a `__proto__` or other stray key
 * of parsed input).
 */
export function buildRule(draft: RuleDraft | CorsRule, order: readonly RuleField[] = RULE_FIELDS): CorsRule {
  const rule: Record<string, unknown> = {};
  for (const field of order) {
    const value = (draft as RuleDraft)[field.key];
    if (value !== undefined) rule[field.key] = value;
  }
  return rule as unknown as CorsRule;
}
