// What the rule cache counts against its byte budget: a content key per configuration and estimated heap bytes of entries and compiled rules.

import type { CorsConfiguration, CorsRule } from '../core/model.js';
import { RULE_FIELDS } from '../core/fields.js';
import { WILDCARD } from '../core/wildcard.js';

/**
 * Heap bytes of one cached bucket besides its name's characters: the entry (answer pointer, expiry,
 * recency links), its slot in the cache's Map, and the name's string header; set above what
 * `bench/measure/heap.mjs` measures (bench/README.md has the figures).
 */
const ENTRY_BYTES = 145;

// Coefficients of the compiled-rules estimate (Node 20 x64, 8-byte fields), from the compiled form's
// own objects, checked with `bench/measure/heap.mjs` (which fails when the estimate is below the heap)
// on 3 short rules shared with other tenants or wholly their own, and on 100 rules of 59 KB as JSON.
/** A compiled configuration without rules: its objects, the rule and literal-Origin lists, the cache's shared answer, lookup and Map slot. */
const CONFIGURATION_BYTES = 380;
/** One rule: its compiled object and its slot in the rule list. */
const RULE_BYTES = 120;
/** A rule's list of literal AllowedOrigins or of origin patterns, when it has any. */
const LIST_BYTES = 48;
/** One AllowedOrigin: its slot in the rule's list, and its string's header (its characters are counted apart). */
const ORIGIN_BYTES = 32;
/** One literal AllowedOrigin on top: its three slots among the literal Origins and its list of candidate rules. */
const LITERAL_ORIGIN_BYTES = 80;
/** One candidate rule of a literal Origin besides the rules listing it: a rule with an origin pattern. */
const CANDIDATE_BYTES = 8;
/** One origin pattern: its object, the strings before and after the `*`, its place among the suffixes. */
const PATTERN_BYTES = 160;
/**
 * One header value or header-name list the compiled rules hold of their own, when the process-wide
 * table of shared ones is full or the value long (`compileKeeping`'s `unshared`): its list, pairs and
 * strings, plus {@link UNSHARED_CHARACTER_BYTES} per character of its key.
 */
const UNSHARED_VALUE_BYTES = 260;
const UNSHARED_CHARACTER_BYTES = 3;

/** The rule fields a content key spells out, in table order. */
const CONTENT_FIELDS: readonly (keyof CorsRule)[] = RULE_FIELDS.map((field) => field.key);

/**
 * A rule as its content key spells it: each field of the table by position, `[value]` when set and
 * `0` when not; anything but an object as `{"value":…}`.
 */
function keyedRule(rule: unknown): unknown {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return { value: rule };
  const fields = rule as Record<string, unknown>;
  const keyed = new Array<unknown>(CONTENT_FIELDS.length);
  for (let k = 0; k < CONTENT_FIELDS.length; k++) {
    const value = fields[CONTENT_FIELDS[k]!];
    keyed[k] = value === undefined ? 0 : [value];
  }
  return keyed;
}

/**
 * A string that two configurations share exactly when their rules hold the same values: every field
 * of every rule by its position in the rule table (no field names, so it is about 40 % shorter than
 * the rules' JSON), absent fields distinct from empty lists and from `null`, fields outside the
 * table left out (the validator and the compiler ignore them too). So a key held by a compiled
 * answer stands for content that has passed validation, and the cache keeps the key alone: the
 * configuration is decoded from it again when asked for ({@link configurationOfKey}). Written by
 * one `JSON.stringify` of the rules' values by position (a flat string in one call, where building
 * it piece by piece cost four times as much). `undefined` for anything that is not an object with a
 * `CORSRules` array, or that JSON cannot spell (left to the validator to name).
 */
export function contentKey(configuration: unknown): string | undefined {
  const rules = (configuration as { CORSRules?: unknown } | null | undefined)?.CORSRules;
  if (!Array.isArray(rules)) return undefined;
  try {
    const keyed = new Array<unknown>(rules.length);
    for (let i = 0; i < rules.length; i++) keyed[i] = keyedRule(rules[i]);
    return JSON.stringify(keyed);
  } catch {
    return undefined; // a cycle or a BigInt from a store of your own
  }
}

/** The configuration a content key of valid content stands for: the rules' fields, in table order. */
export function configurationOfKey(key: string): CorsConfiguration<string> {
  const keyed = JSON.parse(key) as ReadonlyArray<ReadonlyArray<0 | readonly [unknown]>>;
  const rules = keyed.map((fields) => Object.fromEntries(CONTENT_FIELDS.flatMap((name, k) => (fields[k] === 0 ? [] : [[name, (fields[k] as readonly [unknown])[0]]]))));
  return { CORSRules: rules as unknown as CorsRule<string>[] };
}

/** A version string's header and alignment on top of its characters. */
const VERSION_STRING_BYTES = 16;

/** Estimated heap bytes of one cached bucket entry, its name and the version it was read at included. */
export function entryBytes(bucket: string, version: string | null | undefined): number {
  return ENTRY_BYTES + bucket.length + (typeof version === 'string' ? VERSION_STRING_BYTES + version.length : 0);
}

/** Bytes of a string's characters: one each while all are Latin-1, two otherwise. */
function characterBytes(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return 2 * text.length;
  return text.length;
}

/**
 * Estimated heap bytes of a valid configuration once compiled and cached under its content key `key`
 * (the key included), before the header values it may not share ({@link unsharedBytes}). What every
 * configuration holds of its own: the key, the rules, the origins and the patterns; header values
 * and header-name lists are shared process-wide by content.
 */
export function compiledBytes(configuration: CorsConfiguration, key: string): number {
  let bytes = CONFIGURATION_BYTES + 16 + characterBytes(key);
  let patternRules = 0;
  for (const rule of configuration.CORSRules) if (rule.AllowedOrigins.some((origin) => origin.includes(WILDCARD))) patternRules += 1;
  for (const rule of configuration.CORSRules) {
    bytes += RULE_BYTES;
    let literals = 0;
    let patterns = 0;
    for (const origin of rule.AllowedOrigins) {
      bytes += ORIGIN_BYTES + characterBytes(origin);
      if (origin.includes(WILDCARD)) patterns += 1;
      else literals += 1;
    }
    if (literals > 0) bytes += LIST_BYTES + literals * (LITERAL_ORIGIN_BYTES + patternRules * CANDIDATE_BYTES);
    if (patterns > 0) bytes += LIST_BYTES + patterns * PATTERN_BYTES;
  }
  return bytes;
}

/** Estimated heap bytes of the values compiled rules hold unshared, as `compileKeeping` counts them. */
export function unsharedBytes(unshared: { readonly count: number; readonly characters: number }): number {
  return unshared.count * UNSHARED_VALUE_BYTES + unshared.characters * UNSHARED_CHARACTER_BYTES;
}
