// What S3 accepts in a CORS configuration, as a profile of the core's rule checks.

import { STORED_RULES_PROFILE, type RuleProfile } from '../../core/validate.js';

/**
 * What PutBucketCors accepts (express-bucket-cors/docs/behaviour.md §3.4): the five methods, exactly; 100 rules; IDs of up to
 * 255 characters; no limit on values but the 64 KB document; empty values allowed; any 32-bit
 * `MaxAgeSeconds` (xs:int). It is the widest profile, the one stored rules are checked against.
 */
export const S3_PROFILE: RuleProfile = STORED_RULES_PROFILE;
