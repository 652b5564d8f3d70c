// The JSON form of a CORS configuration (the AWS SDK object shape), parsed strictly and serialised.

import { buildRule, RULE_FIELDS, RULE_FIELDS_BY_KEY, RULE_FIELDS_IN_WIRE_ORDER, type RuleDraft } from '../../core/fields.js';
import type { CorsConfiguration, CorsRule } from '../../core/model.js';
import { describeValue } from '../../options.js';
import { didYouMean } from '../../core/suggest.js';
import { ruleLabel } from '../../core/wording.js';
import { checkMaxAgeSeconds, documentText, MAX_MAX_AGE_SECONDS, MIN_MAX_AGE_SECONDS } from './document.js';
import { S3Errors } from './errors.js';
import { isPlainObject } from '../../core/values.js';

const malformed = (detail: string) => S3Errors.malformedJson(detail);
const RULE_KEYS = RULE_FIELDS.map((field) => field.key);
const quoted = (text: string): string => JSON.stringify(text);
const hint = didYouMean;

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw malformed(`${where} must be a list of strings, not ${describeValue(value)}`);
  value.forEach((item, index) => {
    if (typeof item !== 'string') throw malformed(`${where}[${index}] must be a string, not ${describeValue(item)}`);
  });
  return [...(value as string[])];
}

function parseRule(value: unknown, index: number): CorsRule {
  const label = ruleLabel(index, undefined);
  if (!isPlainObject(value)) throw malformed(`${label} must be an object, not ${describeValue(value)}`);
  const draft: Record<string, unknown> = {};
  for (const [key, given] of Object.entries(value)) {
    const field = RULE_FIELDS_BY_KEY.get(key);
    if (field === undefined) throw malformed(`${label}: unknown key ${quoted(key)}${hint(key, RULE_KEYS)}; a rule's keys are ${RULE_KEYS.join(', ')}`);
    if (given === undefined) continue;
    const where = `${label}: ${key}`;
    if (field.kind === 'list') draft[key] = stringList(given, where);
    else if (field.kind === 'integer')
      draft[key] = checkMaxAgeSeconds(given, () => malformed(`${where} must be a whole number from ${MIN_MAX_AGE_SECONDS} to ${MAX_MAX_AGE_SECONDS}, not ${describeValue(given)}`));
    else if (typeof given === 'string') draft[key] = given;
    else throw malformed(`${where} must be a string, not ${describeValue(given)}`);
  }
  for (const field of RULE_FIELDS) if (field.required && draft[field.key] === undefined) throw malformed(`${label}: ${field.key} is required`);
  // A fresh object with known keys only: nothing of the parsed input (e.g. a `__proto__` key) is kept.
  return buildRule(draft as RuleDraft);
}

/** The top level: exactly `{"CORSRules":[…]}`; a wrapper (`{"CORSConfiguration":{…}}`, the SDK's input) is named as such. */
function rulesOf(value: unknown): unknown[] {
  if (!isPlainObject(value)) throw malformed(`the document must be an object {"CORSRules":[…]}, not ${describeValue(value)}`);
  for (const key of Object.keys(value)) {
    if (key === 'CORSRules') continue;
    if (key === 'CORSConfiguration') throw malformed('the rules are wrapped in "CORSConfiguration": give its value, {"CORSRules":[…]}, as `aws s3api put-bucket-cors --cors-configuration` takes it');
    throw malformed(`unknown key ${quoted(key)} at the top level${hint(key, ['CORSRules'])}; the document holds only "CORSRules"`);
  }
  if (!Object.hasOwn(value, 'CORSRules')) throw malformed('"CORSRules" is missing: the document is {"CORSRules":[…]}');
  if (!Array.isArray(value.CORSRules)) throw malformed(`"CORSRules" must be a list of rules, not ${describeValue(value.CORSRules)}`);
  return value.CORSRules;
}

/**
 * Parses a JSON configuration in the AWS SDK's shape, `{"CORSRules":[{"AllowedOrigins":[…],
 * "AllowedMethods":[…], …}]}`. Refuses bodies over 65,536 bytes (`MaxMessageLengthExceeded`); invalid
 * UTF-8, invalid JSON, unknown keys, missing `CORSRules`/`AllowedOrigins`/`AllowedMethods` and wrong
 * types answer `MalformedJSON`, its message naming the rule and the field (and the key meant, for a
 * misspelt one); a `MaxAgeSeconds` must be a 32-bit integer. Rule-level checks are
 * `validateCorsConfiguration`'s.
 */
export function parseCorsJson(body: string | Uint8Array): CorsConfiguration {
  const text = documentText(body, () => malformed('the body is not valid UTF-8'));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed(`not JSON (${(error as Error).message})`);
  }
  return corsConfigurationOf(value);
}

/**
 * The configuration held by an already parsed JSON value in the SDK shape, with {@link parseCorsJson}'s
 * checks (and errors) but no document-size limit: for configurations read back from storage or from
 * an export file, where the 64 KB limit of a request body does not apply.
 */
export function corsConfigurationOf(value: unknown): CorsConfiguration {
  return { CORSRules: rulesOf(value).map(parseRule) };
}

/**
 * The S3 console's form, a bare list of rules (`[{"AllowedOrigins":[…],…}]`, what the console's CORS
 * editor and Cloudflare R2's dashboard take), with the checks (and errors) of {@link corsConfigurationOf}.
 */
export function parseCorsRulesJson(value: unknown): CorsConfiguration {
  if (!Array.isArray(value)) throw malformed(`the document must be a list of rules [{"AllowedOrigins":[…],…}], not ${describeValue(value)}`);
  return { CORSRules: value.map(parseRule) };
}

/** The configuration as JSON in the shape {@link parseCorsJson} reads, keys in the SDK model's order, absent optional keys omitted. */
export function serializeCorsJson(config: CorsConfiguration): string {
  return JSON.stringify({ CORSRules: rulesInWireOrder(config) });
}

/** The rules as fresh objects with keys in the SDK model's order, absent optional keys omitted. */
export function rulesInWireOrder(config: CorsConfiguration): CorsRule[] {
  return config.CORSRules.map((rule) => buildRule(rule, RULE_FIELDS_IN_WIRE_ORDER));
}
