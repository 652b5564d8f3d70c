// Drift between configurations: a rule-by-rule difference in readable lines, and many buckets' configurations grouped into the distinct ones.

import { buildRule, RULE_FIELDS } from './fields.js';
import type { CorsConfiguration, CorsRule } from './model.js';
import { ruleLabel } from './wording.js';

/** How one field of a rule changed: the values only in the old rule, and those only in the new one. */
export interface FieldDifference {
  readonly field: keyof CorsRule;
  readonly removed: readonly string[];
  readonly added: readonly string[];
}

/** One rule's difference: positions count from 0, `from` in the old configuration, `index` in the new. */
export type RuleDifference =
  | { readonly kind: 'added'; readonly index: number; readonly rule: CorsRule }
  | { readonly kind: 'removed'; readonly from: number; readonly rule: CorsRule }
  | { readonly kind: 'changed'; readonly from: number; readonly index: number; readonly fields: readonly FieldDifference[] };

/** What {@link diffConfigurations} answers. */
export interface ConfigurationDiff {
  /** True when both are the same rules in the same order (or both are no configuration). */
  readonly equal: boolean;
  readonly differences: readonly RuleDifference[];
  /** One line per difference, for people: `+ rule 3: …`, `- rule 1 ("a"): …`, `~ rule 2: AllowedOrigins -x +y`. */
  readonly lines: readonly string[];
}

/** The rule as text that is equal exactly when the rules are (fields in model order, unknown keys left out). */
const ruleKey = (rule: CorsRule): string => JSON.stringify(buildRule(rule));

/** A field's values as strings (a missing field has none). */
function valuesOf(rule: CorsRule, field: keyof CorsRule): string[] {
  const value = rule[field];
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function fieldDifferences(before: CorsRule, after: CorsRule): FieldDifference[] {
  const differences: FieldDifference[] = [];
  for (const { key } of RULE_FIELDS) {
    const old = valuesOf(before, key);
    const now = valuesOf(after, key);
    const removed = old.filter((value) => !now.includes(value));
    const added = now.filter((value) => !old.includes(value));
    // Same values in another order still differ: order is kept and shown by GetBucketCors.
    if (removed.length > 0 || added.length > 0) differences.push({ field: key, removed, added });
    else if (old.join('\n') !== now.join('\n')) differences.push({ field: key, removed: old, added: now });
  }
  return differences;
}

/** Pairs of positions (old, new) of equal rules, in order, as many as possible (longest common subsequence). */
function commonRules(before: readonly string[], after: readonly string[]): [number, number][] {
  const lengths = Array.from({ length: before.length + 1 }, () => new Array<number>(after.length + 1).fill(0));
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      lengths[i]![j] = before[i] === after[j] ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < before.length && j < after.length; ) {
    if (before[i] === after[j]) pairs.push([i++, j++]);
    else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) i++;
    else j++;
  }
  return pairs;
}

/** The positions from `start` up to, not including, `end`. */
const positions = (start: number, end: number): number[] => Array.from({ length: end - start }, (_, k) => start + k);

/**
 * The rules between two kept ones: those with the same ID are the same rule changed, the others
 * are paired in order as changed too; what is left over was removed or added.
 */
function gapDifferences(a: readonly CorsRule[], b: readonly CorsRule[], from: [number, number], to: [number, number]): RuleDifference[] {
  const olds = positions(from[0], to[0]);
  const news = positions(from[1], to[1]);
  const pairs: [number, number][] = [];
  for (const i of [...olds]) {
    const id = a[i]!.ID;
    const j = id === undefined || id === '' ? undefined : news.find((candidate) => b[candidate]!.ID === id);
    if (j === undefined) continue;
    pairs.push([i, j]);
    olds.splice(olds.indexOf(i), 1);
    news.splice(news.indexOf(j), 1);
  }
  while (olds.length > 0 && news.length > 0) pairs.push([olds.shift()!, news.shift()!]);
  return [
    ...olds.map((i): RuleDifference => ({ kind: 'removed', from: i, rule: a[i]! })),
    ...pairs.sort((x, y) => x[1] - y[1]).map(([i, j]): RuleDifference => ({ kind: 'changed', from: i, index: j, fields: fieldDifferences(a[i]!, b[j]!) })),
    ...news.map((j): RuleDifference => ({ kind: 'added', index: j, rule: b[j]! })),
  ];
}

const listed = (values: readonly string[]): string => values.join(', ');

/** `AllowedOrigins: https://a.example; AllowedMethods: GET, PUT; MaxAgeSeconds: 3000`. */
function ruleSummary(rule: CorsRule): string {
  return RULE_FIELDS.filter(({ key }) => key !== 'ID' && rule[key] !== undefined)
    .map(({ key }) => `${key}: ${listed(valuesOf(rule, key))}`)
    .join('; ');
}

function differenceLine(difference: RuleDifference, a: readonly CorsRule[], b: readonly CorsRule[]): string {
  switch (difference.kind) {
    case 'added':
      return `+ ${ruleLabel(difference.index, difference.rule.ID)}: ${ruleSummary(difference.rule)}`;
    case 'removed':
      return `- ${ruleLabel(difference.from, difference.rule.ID)}: ${ruleSummary(difference.rule)}`;
    case 'changed': {
      const moved = difference.from === difference.index ? '' : ` (was rule ${difference.from + 1})`;
      const fields = difference.fields.map(({ field, removed, added }) =>
        [field, ...removed.map((value) => `-${value}`), ...added.map((value) => `+${value}`)].join(' '),
      );
      return `~ ${ruleLabel(difference.index, b[difference.index]!.ID ?? a[difference.from]!.ID)}${moved}: ${fields.join('; ')}`;
    }
  }
}

/**
 * The difference from configuration `a` to `b` (`null`: no configuration), rule by rule: rules
 * equal in both are matched in order even when others were inserted before them; the rules left
 * between two matched ones are compared in pairs (changed), the rest are added or removed.
 */
export function diffConfigurations(a: CorsConfiguration | null, b: CorsConfiguration | null): ConfigurationDiff {
  const before = a?.CORSRules ?? [];
  const after = b?.CORSRules ?? [];
  const anchors = commonRules(before.map(ruleKey), after.map(ruleKey));
  const differences: RuleDifference[] = [];
  let previous: [number, number] = [0, 0];
  for (const anchor of [...anchors, [before.length, after.length] as [number, number]]) {
    differences.push(...gapDifferences(before, after, previous, anchor));
    previous = [anchor[0] + 1, anchor[1] + 1];
  }
  const lines = differences.map((difference) => differenceLine(difference, before, after));
  if ((a === null) !== (b === null)) lines.unshift(a === null ? `no configuration → ${after.length} rule(s)` : `${before.length} rule(s) → no configuration`);
  return { equal: differences.length === 0 && (a === null) === (b === null), differences, lines };
}

/** Buckets that have the same configuration (`null`: none). */
export interface ConfigurationGroup {
  readonly configuration: CorsConfiguration | null;
  /** Sorted. */
  readonly buckets: readonly string[];
}

/**
 * Many buckets' configurations grouped into the distinct ones (same rules in the same order), the
 * largest group first (then by first bucket name): the usual drift report is "every bucket but
 * these two has the same rules".
 */
export function groupConfigurations(entries: Iterable<readonly [bucket: string, configuration: CorsConfiguration | null]>): ConfigurationGroup[] {
  const groups = new Map<string, { configuration: CorsConfiguration | null; buckets: string[] }>();
  for (const [bucket, configuration] of entries) {
    const key = configuration === null ? 'null' : JSON.stringify(configuration.CORSRules.map(ruleKey));
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { configuration, buckets: [bucket] });
    else group.buckets.push(bucket);
  }
  return [...groups.values()]
    .map(({ configuration, buckets }) => ({ configuration, buckets: buckets.sort() }))
    .sort((x, y) => y.buckets.length - x.buckets.length || (x.buckets[0]! < y.buckets[0]! ? -1 : 1));
}
