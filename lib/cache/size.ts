// What the rule cache counts against its byte budget: a content key per configuration and estimated heap bytes of entries and compiled rules.

import type { CorsConfiguration } from '../core/model.js';
import { RULE_FIELDS } from '../core/fields.js';
import { WILDCARD } from '../core/wildcard.js';

/**
 * Heap bytes of one cached bucket besides its name's characters: the entry (answer pointer, expiry,
 * recency links), its slot in the cache's Map, and the name's string header; set above what
 * `bench/measure/heap.mjs` measures (bench/README.md has the figures).
 */
const ENTRY_BYTES = 140;

// Coefficients of the compiled-rules estimate, fitted with `bench/measure/heap.mjs` on 3 short rules and
// on 100 rules of 59 KB as JSON, then rounded up so that the estimate stays above the heap of either.
/** A compiled configuration without rules: the lookup, the candidate maps, the parsed object's shell. */
const CONFIGURATION_BYTES = 1_100;
/** One rule: its compiled object, method mask, header pairs and the parsed rule object. */
const RULE_BYTES = 700;
/** One listed origin, method or header: its string header and slots in the parsed and compiled lists. */
const LIST_ITEM_BYTES = 80;
/**
 * One literal AllowedOrigin on top of its list item: its candidate entry, its complete echoed answer
 * (`echoHeaders`) and the answers to actual requests kept for it once asked (at most one frozen
 * decision per method, see `LiteralOrigin`).
 */
const LITERAL_ORIGIN_BYTES = 600;
/** One character of the configuration's strings, kept parsed and compiled (patterns, joined header values); the content key is counted apart. */
const CHARACTER_BYTES = 2;

/** The rule fields a content key spells out, in table order (`JSON.stringify` keeps only these, in this order). */
const CONTENT_FIELDS: readonly string[] = RULE_FIELDS.map((field) => field.key);

/**
 * A string that two configurations share exactly when their rules hold the same values: every field
 * of every rule, in order, absent fields distinct from empty lists and from `null`, fields outside
 * the rule table left out (the validator and the compiler ignore them too). So a key held by a
 * compiled answer stands for content that has passed validation. `undefined` for anything that is
 * not an object with a `CORSRules` array, or that JSON cannot spell (left to the validator to name).
 */
export function contentKey(configuration: unknown): string | undefined {
  const rules = (configuration as { CORSRules?: unknown } | null | undefined)?.CORSRules;
  if (!Array.isArray(rules)) return undefined;
  try {
    return JSON.stringify(rules, CONTENT_FIELDS as string[]);
  } catch {
    return undefined; // a cycle or a BigInt from a store of your own
  }
}

/** A version string's header and alignment on top of its characters. */
const VERSION_STRING_BYTES = 16;

/** Estimated heap bytes of one cached bucket entry, its name and the version it was read at included. */
export function entryBytes(bucket: string, version: string | null | undefined): number {
  return ENTRY_BYTES + bucket.length + (typeof version === 'string' ? VERSION_STRING_BYTES + version.length : 0);
}

/** Estimated heap bytes of a configuration once parsed, compiled and cached under its content key. */
export function compiledBytes(configuration: CorsConfiguration): number {
  let items = 0;
  let characters = 0;
  let literalOrigins = 0;
  const count = (list: readonly string[] | undefined): void => {
    if (list === undefined) return;
    items += list.length;
    for (const value of list) characters += value.length;
  };
  for (const rule of configuration.CORSRules) {
    count(rule.AllowedOrigins);
    for (const origin of rule.AllowedOrigins) if (!origin.includes(WILDCARD)) literalOrigins += 1;
    count(rule.AllowedMethods);
    count(rule.AllowedHeaders);
    count(rule.ExposeHeaders);
    characters += rule.ID?.length ?? 0;
  }
  return CONFIGURATION_BYTES + configuration.CORSRules.length * RULE_BYTES + items * LIST_ITEM_BYTES + literalOrigins * LITERAL_ORIGIN_BYTES + characters * CHARACTER_BYTES;
}
