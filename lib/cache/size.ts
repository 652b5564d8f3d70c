// What the rule cache counts against its byte budget: a content key per configuration and estimated heap bytes of entries and compiled rules.

import type { CorsConfiguration, CorsRule } from '../core/model.js';
import { SHARED_LIST_LENGTH } from '../core/compile.js';
import { COMPARED_ORIGINS } from '../core/literal-origins.js';
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
const CONFIGURATION_BYTES = 420;
/** One rule: its compiled object and its slot in the rule list. */
const RULE_BYTES = 120;
/** A rule's list of literal AllowedOrigins or of origin patterns, when it has any. */
const LIST_BYTES = 48;
/** One AllowedOrigin's string header (its characters are counted apart); a literal origin held shared costs neither. */
const ORIGIN_STRING_BYTES = 24;
/** One AllowedOrigin: its slot in the rule's list, and its string's header. */
const ORIGIN_BYTES = 8 + ORIGIN_STRING_BYTES;
/** One literal AllowedOrigin on top: its three slots among the literal Origins. */
const LITERAL_ORIGIN_BYTES = 24;
/** A literal Origin's own list of candidate rules, when longer than the lists shared process-wide, besides its slots. */
const CANDIDATE_LIST_BYTES = 48;
/** One entry of such a list. */
const CANDIDATE_BYTES = 8;
/** One literal Origin's entry in the Map that finds it, when a configuration lists more than `COMPARED_ORIGINS`. */
const ORIGIN_MAP_ENTRY_BYTES = 40;
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
 * A rule as its content key spells it: which fields of the table it sets, as a bit mask, then their
 * values in table order; anything but an object as `{"value":…}`.
 */
function keyedRule(rule: unknown): unknown {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return { value: rule };
  const fields = rule as Record<string, unknown>;
  const keyed: unknown[] = [0];
  let mask = 0;
  for (let k = 0; k < CONTENT_FIELDS.length; k++) {
    const value = fields[CONTENT_FIELDS[k]!];
    if (value === undefined) continue;
    mask |= 1 << k;
    keyed.push(value);
  }
  keyed[0] = mask;
  return keyed;
}

/**
 * A string that two configurations share exactly when their rules hold the same values: per rule, a
 * bit mask of the fields of the rule table it sets, then their values in table order (no field
 * names, so it is about 40 % shorter than the rules' JSON; an absent field is told from an empty
 * list or `null` by the mask), fields outside the table left out (the validator and the compiler
 * ignore them too). So a key held by a compiled answer stands for content that has passed
 * validation, and the cache keeps the key alone: the configuration is decoded from it again when
 * asked for ({@link configurationOfKey}). Written by one `JSON.stringify` (a flat string in one
 * call, where building it piece by piece cost four times as much). `undefined` for anything that is
 * not an object with a `CORSRules` array, or that JSON cannot spell (left to the validator to name).
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
  const keyed = JSON.parse(key) as ReadonlyArray<readonly [mask: number, ...values: unknown[]]>;
  const rules = keyed.map(([mask, ...values]) => {
    const rule: Record<string, unknown> = {};
    let next = 0;
    for (let k = 0; k < CONTENT_FIELDS.length; k++) if ((mask & (1 << k)) !== 0) rule[CONTENT_FIELDS[k]!] = values[next++];
    return rule;
  });
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
  let allLiterals = 0;
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
    // An Origin's candidates: the rules listing it (usually one) and every rule with a pattern, at most.
    const candidates = 1 + patternRules;
    const ownList = candidates > SHARED_LIST_LENGTH ? CANDIDATE_LIST_BYTES + candidates * CANDIDATE_BYTES : 0;
    if (literals > 0) bytes += LIST_BYTES + literals * (LITERAL_ORIGIN_BYTES + ownList);
    // `*` alone is one pattern list every such rule shares; `*` among others, a slot for the shared pattern.
    const onlyAnyOrigin = rule.AllowedOrigins.length === 1 && rule.AllowedOrigins[0] === WILDCARD;
    if (patterns > 0 && !onlyAnyOrigin) bytes += LIST_BYTES + patterns * PATTERN_BYTES - (rule.AllowedOrigins.includes(WILDCARD) ? PATTERN_BYTES - 8 : 0);
    allLiterals += literals;
  }
  // Past a few, the literal Origins are found through a Map too.
  if (allLiterals > COMPARED_ORIGINS) bytes += LIST_BYTES + allLiterals * ORIGIN_MAP_ENTRY_BYTES;
  return bytes;
}

/**
 * What the compile found to correct {@link compiledBytes} by, as `compileKeeping` counts it: plus the
 * header values the compiled rules hold unshared, minus the literal AllowedOrigins they hold shared
 * (counted there as their own strings).
 */
export function unsharedBytes(unshared: { readonly count: number; readonly characters: number; readonly sharedOrigins: number; readonly sharedOriginCharacters: number }): number {
  const own = unshared.count * UNSHARED_VALUE_BYTES + unshared.characters * UNSHARED_CHARACTER_BYTES;
  return own - unshared.sharedOrigins * ORIGIN_STRING_BYTES - unshared.sharedOriginCharacters;
}
