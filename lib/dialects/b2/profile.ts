// What Backblaze B2 accepts in a bucket's CORS rules, as data (express-bucket-cors/docs/behaviour.md §23.5).

import type { RuleProfile } from '../../core/validate.js';

/** B2 operations that S3 methods stand for (its S3-compatible API), by S3 method. */
export const B2_S3_OPERATIONS: Readonly<Record<string, string>> = Object.freeze({
  GET: 's3_get',
  HEAD: 's3_head',
  PUT: 's3_put',
  POST: 's3_post',
  DELETE: 's3_delete',
});

/** B2's native-API operations: no S3 method stands for them. */
export const B2_NATIVE_OPERATIONS: readonly string[] = Object.freeze(['b2_download_file_by_id', 'b2_download_file_by_name', 'b2_upload_file', 'b2_upload_part']);

/**
 * B2's CORS rules: scoped by operation (its "methods" are the operations above); 100 rules; every
 * rule named; no empty origin; `maxAgeSeconds` 0–86,400. Rule size is {@link B2_MAX_RULE_BYTES}.
 */
export const B2_PROFILE: RuleProfile = Object.freeze({
  methods: Object.freeze([...Object.values(B2_S3_OPERATIONS), ...B2_NATIVE_OPERATIONS]),
  maxRules: 100,
  requiresAllowedHeaders: false,
  ruleIds: true,
  maxValueLength: Object.freeze({ id: 50 }),
  maxValuesPerField: Infinity,
  emptyValues: false,
  maxAgeSeconds: Object.freeze([0, 86400] as const),
});

/** A rule's strings together (name, origins, operations, headers) must stay under this many UTF-8 bytes. */
export const B2_MAX_RULE_BYTES = 1000;

/** `corsRuleName`: 6–50 letters, digits and `-`, not starting with `b2-` (reserved for Backblaze). */
export function isB2RuleName(name: string): boolean {
  return name.length >= 6 && name.length <= 50 && /^[A-Za-z0-9-]+$/.test(name) && !name.startsWith('b2-');
}
