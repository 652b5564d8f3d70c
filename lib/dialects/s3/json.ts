// The JSON form of a CORS configuration (the AWS SDK object shape), parsed strictly and serialised.

import { buildRule, RULE_FIELDS, RULE_FIELDS_BY_KEY, RULE_FIELDS_IN_WIRE_ORDER, type RuleDraft } from '../../core/fields.js';
import type { CorsConfiguration, CorsRule } from '../../core/model.js';
import { checkMaxAgeSeconds, documentText } from './document.js';
import { S3Errors } from './errors.js';
import { isPlainObject } from '../../core/values.js';

const malformed = () => S3Errors.malformedJson();


function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) throw malformed();
  for (const item of value) if (typeof item !== 'string') throw malformed();
  return [...(value as string[])];
}

function parseRule(value: unknown): CorsRule {
  if (!isPlainObject(value)) throw malformed();
  const draft: Record<string, unknown> = {};
  for (const [key, given] of Object.entries(value)) {
    const field = RULE_FIELDS_BY_KEY.get(key);
    if (field === undefined) throw malformed();
    if (given === undefined) continue;
    if (field.kind === 'list') draft[key] = stringList(given);
    else if (field.kind === 'integer') draft[key] = checkMaxAgeSeconds(given, malformed);
    else if (typeof given === 'string') draft[key] = given;
    else throw malformed();
  }
  for (const field of RULE_FIELDS) if (field.required && draft[field.key] === undefined) throw malformed();
  // A fresh object with known keys only: nothing of the parsed input (e.g. a `__proto__` key) is kept.
  return buildRule(draft as RuleDraft);
}

/**
 * Parses a JSON configuration in the AWS SDK's shape, `{"CORSRules":[{"AllowedOrigins":[…],
 * "AllowedMethods":[…], …}]}`. Refuses bodies over 65,536 bytes (`MaxMessageLengthExceeded`); invalid
 * UTF-8, invalid JSON, unknown keys, missing `CORSRules`/`AllowedOrigins`/`AllowedMethods` and wrong
 * types answer `MalformedJSON` (a `MaxAgeSeconds` must be a 32-bit integer). Rule-level checks are
 * `validateCorsConfiguration`'s.
 */
export function parseCorsJson(body: string | Uint8Array): CorsConfiguration {
  const text = documentText(body, malformed);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed();
  }
  if (!isPlainObject(value)) throw malformed();
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'CORSRules' || !Array.isArray(value.CORSRules)) throw malformed();
  return { CORSRules: value.CORSRules.map(parseRule) };
}

/** The configuration as JSON in the shape {@link parseCorsJson} reads, keys in the SDK model's order, absent optional keys omitted. */
export function serializeCorsJson(config: CorsConfiguration): string {
  return JSON.stringify({ CORSRules: config.CORSRules.map((rule) => buildRule(rule, RULE_FIELDS_IN_WIRE_ORDER)) });
}
