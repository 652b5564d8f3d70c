// What Azure Storage accepts in a service's CORS rules, as data (express-bucket-cors/docs/behaviour.md §23.5).

import type { RuleProfile } from '../../core/validate.js';

/**
 * Set Blob (File, Queue, Table) Service Properties' CORS limits: 5 rules per service; origins exact
 * (case-sensitive) or `*`; each origin or header at most 256 characters; no rule IDs; the methods
 * below (PATCH as Azure's CLI lists it).
 */
export const AZURE_PROFILE: RuleProfile = Object.freeze({
  methods: Object.freeze(['DELETE', 'GET', 'HEAD', 'MERGE', 'POST', 'OPTIONS', 'PUT', 'PATCH']),
  maxRules: 5,
  requiresAllowedHeaders: false,
  ruleIds: false,
  maxValueLength: Object.freeze({ origin: 256, header: 256 }),
  maxValuesPerField: Infinity,
  emptyValues: false,
  maxAgeSeconds: Object.freeze([0, 2147483647] as const),
});

/** Azure's limits beyond the profile's: rule text (values without tags), and headers per list by kind. */
export const AZURE_LIMITS = Object.freeze({
  /** Most characters of all rules' values together (the XML without its tags): 2 KiB. */
  ruleTextCharacters: 2048,
  /** Most literal header names in one list. */
  literalHeaders: 64,
  /** Most prefixed names (`x-ms-meta*`) in one list. */
  prefixedHeaders: 2,
});
