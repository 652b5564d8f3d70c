// What Cloudflare R2 accepts in a bucket's CORS rules, as data (express-bucket-cors/docs/behaviour.md §23.5).

import type { RuleProfile } from '../../core/validate.js';

/**
 * R2's CORS policy: S3's five methods; 100 rules; rule IDs; `maxAgeSeconds` 0–86,400 (browsers cap it
 * lower); origins with at most one wildcard, never in the port.
 */
export const R2_PROFILE: RuleProfile = Object.freeze({
  methods: Object.freeze(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']),
  maxRules: 100,
  requiresAllowedHeaders: false,
  ruleIds: true,
  maxValueLength: Object.freeze({ id: 255 }),
  maxValuesPerField: Infinity,
  emptyValues: true,
  maxAgeSeconds: Object.freeze([0, 86400] as const),
});

/** Whether an origin pattern puts its `*` in the port (`http://localhost:*`), which R2 refuses. */
export function hasPortWildcard(origin: string): boolean {
  const star = origin.indexOf('*');
  const hostStart = origin.indexOf('://') + 3;
  return star !== -1 && origin.lastIndexOf(':', star) >= hostStart && origin.lastIndexOf(':', star) > origin.lastIndexOf('.', star);
}
