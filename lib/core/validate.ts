// lib/core/validate.ts
// S3's PutBucketCors rule checks, in one order (spec §3.4), and the parse-then-validate entry point.

import createDebug from 'debug';
import { isCorsMethod } from './compile.js';
import { checkMaxAgeSeconds } from '../dialects/s3/document.js';
import { MAX_CORS_RULES, MAX_RULE_ID_LENGTH, S3Errors } from '../dialects/s3/errors.js';
import { isHttpToken } from './headers.js';
import { parseCorsJson } from '../dialects/s3/json.js';
import type { CorsConfiguration } from './model.js';
import { countWildcards, WILDCARD } from './wildcard.js';
import { parseCorsXml } from '../dialects/s3/xml.js';

const log = createDebug('express-bucket-cors:engine');

/** True when every character of `header` may appear in a header name (empty passes: there is no bad character). */
const hasOnlyTokenChars = (header: string) => header === '' || isHttpToken(header);

/**
 * Checks a parsed configuration as S3 does and returns it unchanged; throws the S3Error of the first
 * failure, in this order: no rules, a rule without AllowedOrigin or AllowedMethod, or a MaxAgeSeconds that
 * is not a 32-bit integer (`MalformedXML`);
 * more than 100 rules; then rule by rule in document order: methods (exactly GET, PUT, HEAD, POST,
 * DELETE), origins (at most one `*`), AllowedHeaders (at most one `*`, token characters), ExposeHeaders
 * (no `*`, token characters), ID (at most 255 characters). Empty origins, `*` beside other origins and
 * negative MaxAgeSeconds are accepted.
 */
export function validateCorsConfiguration(config: CorsConfiguration): CorsConfiguration {
  const rules = config.CORSRules;
  if (rules.length === 0 || rules.some((rule) => rule.AllowedOrigins.length === 0 || rule.AllowedMethods.length === 0))
    throw S3Errors.malformedXml();
  // The parsers check it already; a configuration from a store or from code may not have been parsed.
  for (const rule of rules) if (rule.MaxAgeSeconds !== undefined) checkMaxAgeSeconds(rule.MaxAgeSeconds, S3Errors.malformedXml);
  if (rules.length > MAX_CORS_RULES) throw S3Errors.tooManyRules();
  for (const rule of rules) {
    for (const method of rule.AllowedMethods) if (!isCorsMethod(method)) throw S3Errors.unsupportedMethod(method);
    for (const origin of rule.AllowedOrigins) if (countWildcards(origin) > 1) throw S3Errors.originWildcards(origin);
    for (const header of rule.AllowedHeaders ?? []) {
      if (countWildcards(header) > 1) throw S3Errors.allowedHeaderWildcards(header);
      if (!hasOnlyTokenChars(header)) throw S3Errors.invalidHeaderCharacter(header);
    }
    for (const header of rule.ExposeHeaders ?? []) {
      if (header.includes(WILDCARD)) throw S3Errors.exposeHeaderWildcard(header);
      if (!hasOnlyTokenChars(header)) throw S3Errors.invalidHeaderCharacter(header);
    }
    if (rule.ID !== undefined && rule.ID.length > MAX_RULE_ID_LENGTH) throw S3Errors.ruleIdTooLong();
  }
  return config;
}

/**
 * What PutBucketCors runs on a body: {@link parseCorsXml} or {@link parseCorsJson} by `format`, then
 * {@link validateCorsConfiguration}. Throws the S3Error to answer with.
 */
export function parseCorsConfiguration(body: string | Uint8Array, format: 'xml' | 'json'): CorsConfiguration {
  if (format !== 'xml' && format !== 'json') throw new TypeError(`format must be 'xml' or 'json', not ${String(format)}`);
  try {
    return validateCorsConfiguration(format === 'xml' ? parseCorsXml(body) : parseCorsJson(body));
  } catch (error) {
    if (log.enabled) log('configuration refused: %s', (error as Error).message);
    throw error;
  }
}
