// Cloudflare R2's CORS formats. This file only re-exports.

export { R2_PROFILE, hasPortWildcard } from './profile.js';
export { R2_FORMATS, R2_JSON_FORMAT, R2_DASHBOARD_FORMAT, s3WithinR2, type R2CorsRule } from './formats.js';
