// What AWS Elemental MediaStore accepts in a CORS policy, as a profile of the core's rule checks (express-bucket-cors/docs/behaviour.md §13).

import type { RuleProfile } from '../../core/validate.js';

/**
 * PutCorsPolicy's constraints: 1–100 rules; `AllowedMethods` of `PUT GET DELETE HEAD` (no POST);
 * `AllowedHeaders` required (it may be empty); no rule ID; at most 100 values per list; origins of
 * 1–2,048 characters, header names of 1–8,192; `MaxAgeSeconds` 0–2,147,483,647.
 */
export const MEDIASTORE_PROFILE: RuleProfile = Object.freeze({
  methods: Object.freeze(['PUT', 'GET', 'DELETE', 'HEAD']),
  maxRules: 100,
  requiresAllowedHeaders: true,
  ruleIds: false,
  maxValueLength: Object.freeze({ origin: 2048, header: 8192 }),
  maxValuesPerField: 100,
  emptyValues: false,
  maxAgeSeconds: Object.freeze([0, 2147483647] as const),
});

/** Longest policy, in characters of its JSON (`CorsPolicy` as sent). */
export const MAX_POLICY_CHARACTERS = 398_000;

/** Container names: 1–255 of letters, digits, `_` and `-`. */
export function isContainerName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    const ok = (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x2d;
    if (!ok) return false;
  }
  return true;
}
