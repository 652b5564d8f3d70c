// Converting between S3 CORS configurations and MediaStore CORS policies, with every loss named.

import type { CorsConfiguration } from '../../core/model.js';
import { describeRuleViolation, findRuleViolation } from '../../core/validate.js';
import { policyOf, type CorsPolicy } from './policy.js';
import { MEDIASTORE_PROFILE } from './profile.js';
import { ruleLabel } from '../../core/wording.js';

/** Thrown when a configuration cannot become a MediaStore policy; `problems` lists each reason. */
export class CorsConversionError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`cannot convert to a MediaStore CORS policy: ${problems.join('; ')}`);
    this.name = 'CorsConversionError';
    this.problems = problems;
  }
}

/** A converted policy and what was left out on the way (rule IDs, which MediaStore has not). */
export interface MediaStoreConversion {
  readonly policy: CorsPolicy;
  /** e.g. `rule 1: ID "photos" dropped (MediaStore rules have no ID)`. */
  readonly dropped: readonly string[];
}

/**
 * An S3 configuration as a MediaStore policy. Rule IDs are dropped (and listed in `dropped`);
 * what MediaStore cannot express throws a {@link CorsConversionError} naming each rule: `POST` in
 * `AllowedMethods`, a rule without `AllowedHeaders` (MediaStore requires it: add `AllowedHeaders: []`
 * to allow no request headers, as the rule does now), and anything else MediaStore's profile refuses.
 */
export function s3ConfigurationToMediaStorePolicy(configuration: CorsConfiguration): MediaStoreConversion {
  const problems: string[] = [];
  const dropped: string[] = [];
  configuration.CORSRules.forEach((rule, index) => {
    const where = ruleLabel(index, undefined);
    if (rule.ID !== undefined) dropped.push(`${where}: ID ${JSON.stringify(rule.ID)} dropped (MediaStore rules have no ID)`);
    if (rule.AllowedMethods.includes('POST')) problems.push(`${where} allows POST, which MediaStore does not support`);
    if (rule.AllowedHeaders === undefined) problems.push(`${where} has no AllowedHeaders, which MediaStore requires (add "AllowedHeaders": [] to keep its meaning)`);
  });
  const policy = policyOf(configuration);
  if (problems.length === 0) {
    const violation = findRuleViolation({ CORSRules: policy }, MEDIASTORE_PROFILE);
    if (violation !== undefined) problems.push(describeRuleViolation(violation));
  }
  if (problems.length > 0) throw new CorsConversionError(problems);
  // MEDIASTORE_PROFILE passed: no POST is left, so the methods are MediaStore's.
  return { policy: policy as CorsPolicy, dropped };
}

/** A MediaStore policy as an S3 configuration: always possible (MediaStore's rules are a subset of S3's). */
export function mediaStorePolicyToS3Configuration(policy: CorsPolicy): CorsConfiguration {
  return { CORSRules: policy.map((rule) => ({ ...rule })) };
}
