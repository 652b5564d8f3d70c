// Backblaze B2's CORS rules. This file only re-exports.

export { B2_PROFILE, B2_S3_OPERATIONS, B2_NATIVE_OPERATIONS, B2_MAX_RULE_BYTES, isB2RuleName } from './profile.js';
export { B2_FORMATS, B2_JSON_FORMAT, b2RulesToS3, s3ToB2Rules, type B2CorsRule } from './formats.js';
