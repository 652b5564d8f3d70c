// MediaStore's CORS policy JSON: a list of CorsRule, parsed strictly and checked by MediaStore's profile, and written back.

import { buildRule, RULE_FIELDS_BY_KEY, type RuleDraft, type RuleField } from '../../core/fields.js';
import type { CorsConfiguration, CorsMethod, CorsRule } from '../../core/model.js';
import { describeRuleViolation, findRuleViolation } from '../../core/validate.js';
import { MediaStoreErrors } from './errors.js';
import { MAX_POLICY_CHARACTERS, MEDIASTORE_PROFILE } from './profile.js';
import { isPlainObject } from '../../core/values.js';
import { ruleLabel } from '../../core/wording.js';

/** The methods a MediaStore `AllowedMethods` may list: S3's without POST. */
export type MediaStoreMethod = Exclude<CorsMethod, 'POST'>;

/** A MediaStore CORS policy: its rules, first match wins; `AllowedMethods` typed as MediaStore accepts them. */
export type CorsPolicy = readonly CorsRule<MediaStoreMethod>[];

/** CorsRule's members in the service model's order (no ID: MediaStore rules have none). */
const POLICY_FIELDS: readonly RuleField[] = ['AllowedOrigins', 'AllowedHeaders', 'AllowedMethods', 'MaxAgeSeconds', 'ExposeHeaders'].map(
  (key) => RULE_FIELDS_BY_KEY.get(key)!,
);


function parseRule(value: unknown, index: number): CorsRule {
  const where = `CorsPolicy ${ruleLabel(index, undefined)}`;
  if (!isPlainObject(value)) throw MediaStoreErrors.serialization(`${where} must be an object (a CorsRule).`);
  const draft: Record<string, unknown> = {};
  for (const [key, given] of Object.entries(value)) {
    const field = RULE_FIELDS_BY_KEY.get(key);
    if (field === undefined) throw MediaStoreErrors.serialization(`${where}: ${JSON.stringify(key)} is not a member of CorsRule.`);
    if (given === null || given === undefined) continue;
    const fits =
      field.kind === 'list' ? Array.isArray(given) && given.every((item) => typeof item === 'string') : field.kind === 'integer' ? Number.isInteger(given) : typeof given === 'string';
    if (!fits) throw MediaStoreErrors.serialization(`${where}: ${key} must be ${field.kind === 'list' ? 'a list of strings' : field.kind === 'integer' ? 'an integer' : 'a string'}.`);
    draft[key] = field.kind === 'list' ? [...(given as string[])] : given;
  }
  return buildRule(draft as RuleDraft);
}

/** True for a code point MediaStore's model allows in an AllowedOrigin: TAB, LF, CR and U+0020–U+00FF. */
const isOriginCharacter = (code: number): boolean => code === 0x09 || code === 0x0a || code === 0x0d || (code >= 0x20 && code <= 0xff);

/** Where an AllowedOrigin leaves that range (express-bucket-cors/docs/behaviour.md §13), in words; `undefined` when none does. */
function originOutsideRange(configuration: CorsConfiguration): string | undefined {
  for (const [index, rule] of configuration.CORSRules.entries()) {
    for (const origin of rule.AllowedOrigins) {
      for (let i = 0; i < origin.length; i++) {
        const code = origin.charCodeAt(i);
        if (!isOriginCharacter(code)) return `${ruleLabel(index, undefined)}: AllowedOrigins ${JSON.stringify(origin)} has U+${code.toString(16).toUpperCase().padStart(4, '0')}, outside the characters MediaStore accepts (tab, line feed, carriage return, U+0020 to U+00FF)`;
      }
    }
  }
  return undefined;
}

/**
 * The neutral configuration of a PutCorsPolicy `CorsPolicy` value, checked against
 * {@link MEDIASTORE_PROFILE}. Throws `SerializationException` for the wrong JSON shape and
 * `ValidationException` naming the rule (from 1), the field and why for anything MediaStore refuses:
 * 0 or over 100 rules, a missing `AllowedOrigins`/`AllowedMethods`/`AllowedHeaders`, `POST`, an `ID`,
 * two `*`, values too long, an AllowedOrigin character outside U+0020–U+00FF (tab, LF and CR aside),
 * over 398,000 characters.
 */
export function parseCorsPolicy(value: unknown): CorsConfiguration {
  if (!Array.isArray(value)) throw MediaStoreErrors.serialization('CorsPolicy must be a list of CorsRule objects.');
  const configuration: CorsConfiguration = { CORSRules: value.map(parseRule) };
  const violation = findRuleViolation(configuration, MEDIASTORE_PROFILE);
  if (violation !== undefined) throw MediaStoreErrors.validation(`Invalid CORS policy: ${describeRuleViolation(violation)}.`);
  const outside = originOutsideRange(configuration);
  if (outside !== undefined) throw MediaStoreErrors.validation(`Invalid CORS policy: ${outside}.`);
  const size = JSON.stringify(value).length;
  if (size > MAX_POLICY_CHARACTERS) throw MediaStoreErrors.validation(`Invalid CORS policy: it has ${size} characters, more than the ${MAX_POLICY_CHARACTERS} allowed.`);
  return configuration;
}

/**
 * GetCorsPolicy's view of stored rules: members in the service model's order, no `ID`, and
 * `AllowedHeaders` always present (`[]` when a rule stored through S3 has none: the same meaning).
 * A `POST` that only S3 can store is shown as it is: it is what the data plane enforces.
 */
export function policyOf(configuration: CorsConfiguration): CorsRule[] {
  return configuration.CORSRules.map((rule) => buildRule({ ...rule, AllowedHeaders: rule.AllowedHeaders ?? [] }, POLICY_FIELDS));
}
