// lib/dialects/s3/json.ts
// The JSON form of a CORS configuration (the AWS SDK object shape), parsed strictly and serialised.

import { checkMaxAgeSeconds, documentText } from './document.js';
import { S3Errors } from './errors.js';
import type { CorsConfiguration, CorsRule } from '../../core/model.js';

const malformed = () => S3Errors.malformedJson();

const RULE_KEYS: ReadonlySet<string> = new Set(['ID', 'AllowedOrigins', 'AllowedMethods', 'AllowedHeaders', 'ExposeHeaders', 'MaxAgeSeconds']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) throw malformed();
  for (const item of value) if (typeof item !== 'string') throw malformed();
  return [...(value as string[])];
}

function parseRule(value: unknown): CorsRule {
  if (!isPlainObject(value)) throw malformed();
  for (const key of Object.keys(value)) if (!RULE_KEYS.has(key)) throw malformed();
  const { ID, AllowedOrigins, AllowedMethods, AllowedHeaders, ExposeHeaders, MaxAgeSeconds } = value;
  if (ID !== undefined && typeof ID !== 'string') throw malformed();
  const maxAge = MaxAgeSeconds === undefined ? undefined : checkMaxAgeSeconds(MaxAgeSeconds, malformed);
  // Fresh objects with known keys only: nothing of the parsed input (e.g. a `__proto__` key) is kept.
  return {
    ...(ID !== undefined && { ID }),
    AllowedOrigins: stringList(AllowedOrigins),
    AllowedMethods: stringList(AllowedMethods),
    ...(AllowedHeaders !== undefined && { AllowedHeaders: stringList(AllowedHeaders) }),
    ...(ExposeHeaders !== undefined && { ExposeHeaders: stringList(ExposeHeaders) }),
    ...(maxAge !== undefined && { MaxAgeSeconds: maxAge }),
  };
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
  return JSON.stringify({
    CORSRules: config.CORSRules.map((rule) => ({
      ID: rule.ID,
      AllowedHeaders: rule.AllowedHeaders,
      AllowedMethods: rule.AllowedMethods,
      AllowedOrigins: rule.AllowedOrigins,
      ExposeHeaders: rule.ExposeHeaders,
      MaxAgeSeconds: rule.MaxAgeSeconds,
    })),
  });
}
