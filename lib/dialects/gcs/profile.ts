// What Google Cloud Storage accepts in a bucket's `cors` list, as data (express-bucket-cors/docs/behaviour.md §23.5).

import type { RuleProfile } from '../../core/validate.js';

/**
 * GCS's CORS entries: methods by name or `"*"` (any); origins exact or `"*"`; no rule IDs; one
 * `responseHeader` list; `maxAgeSeconds` a non-negative integer. GCS documents no limit on the number
 * of entries beyond the bucket metadata's size.
 */
export const GCS_PROFILE: RuleProfile = Object.freeze({
  methods: Object.freeze(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', '*']),
  maxRules: Infinity,
  requiresAllowedHeaders: false,
  ruleIds: false,
  maxValueLength: Object.freeze({}),
  maxValuesPerField: Infinity,
  emptyValues: true,
  maxAgeSeconds: Object.freeze([0, 2147483647] as const),
});

/** GCS's method wildcard: any method. */
export const GCS_ANY_METHOD = '*';
