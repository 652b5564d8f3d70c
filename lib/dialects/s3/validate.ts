// S3's profile of the rule checks, S3's error for each violation, and PutBucketCors's parse-then-validate.

import createDebug from 'debug';
import type { CorsConfiguration } from '../../core/model.js';
import { describeRuleViolation, findRuleViolation, type RuleViolation } from '../../core/validate.js';
import { S3Errors, type S3Error } from './errors.js';
import { parseCorsJson } from './json.js';
import { S3_PROFILE } from './profile.js';
import { parseCorsXml } from './xml.js';

const log = createDebug('express-bucket-cors:s3');

/**
 * S3's answer to a violation: every structural failure is `MalformedXML`, as S3 answers for its
 * schema; `MalformedJSON` naming the violation when the configuration came as JSON (`format`).
 */
export function s3ErrorFor(violation: RuleViolation, format: 'xml' | 'json' = 'xml'): S3Error {
  switch (violation.code) {
    case 'too-many-rules':
      return S3Errors.tooManyRules();
    case 'unsupported-method':
      return S3Errors.unsupportedMethod(violation.value);
    case 'too-many-wildcards':
      return violation.field === 'AllowedOrigins' ? S3Errors.originWildcards(violation.value) : S3Errors.allowedHeaderWildcards(violation.value);
    case 'wildcard-not-allowed':
      return S3Errors.exposeHeaderWildcard(violation.value);
    case 'invalid-header-name':
      return S3Errors.invalidHeaderCharacter(violation.value);
    case 'value-too-long':
      return S3Errors.ruleIdTooLong();
    default:
      return format === 'json' ? S3Errors.malformedJson(describeRuleViolation(violation)) : S3Errors.malformedXml();
  }
}

/**
 * Checks a parsed configuration as S3 does and returns it unchanged; throws the S3Error of the first
 * failure (order in {@link findRuleViolation}): no rules, a rule without AllowedOrigin or AllowedMethod,
 * or a MaxAgeSeconds that is not a 32-bit integer (`MalformedXML`); more than 100 rules; then rule by
 * rule: methods (exactly GET, PUT, HEAD, POST, DELETE), origins (at most one `*`), AllowedHeaders (at
 * most one `*`, token characters), ExposeHeaders (no `*`, token characters), ID (at most 255
 * characters). Empty origins, `*` beside other origins and negative MaxAgeSeconds are accepted.
 * Takes anything (parsed JSON too): what is not a configuration is refused like a malformed body.
 * `format` is what the configuration came as: with `'json'` a structural failure is `MalformedJSON`
 * naming it, never `MalformedXML`. Default: `'xml'`.
 */
export function validateCorsConfiguration(config: unknown, format: 'xml' | 'json' = 'xml'): CorsConfiguration {
  const violation = findRuleViolation(config, S3_PROFILE);
  if (violation !== undefined) throw s3ErrorFor(violation, format);
  return config as CorsConfiguration;
}

/**
 * What PutBucketCors runs on a body: {@link parseCorsXml} or {@link parseCorsJson} by `format`, then
 * {@link validateCorsConfiguration}. Throws the S3Error to answer with (for JSON bodies, never `MalformedXML`).
 */
export function parseCorsConfiguration(body: string | Uint8Array, format: 'xml' | 'json'): CorsConfiguration {
  if (format !== 'xml' && format !== 'json') throw new TypeError(`format must be 'xml' or 'json', not ${String(format)}`);
  try {
    return validateCorsConfiguration(format === 'xml' ? parseCorsXml(body) : parseCorsJson(body), format);
  } catch (error) {
    if (log.enabled) log('configuration refused: %s', (error as Error).message);
    throw error;
  }
}
