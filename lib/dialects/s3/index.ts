// `express-bucket-cors/s3`: everything S3-specific. This file only re-exports.

export { S3Error, S3Errors, isS3Error, MAX_CORS_DOCUMENT_BYTES, MAX_CORS_RULES, MAX_RULE_ID_LENGTH, type S3ErrorId } from './errors.js';
export { S3_PROFILE } from './profile.js';
export { AWS_SDK_LINT_PACK, S3_LINT_PACKS, SDK_BROWSER_HEADERS, type AwsSdkLintCode } from './lint.js';
export { s3BucketNameProblem } from './bucket-name.js';
export { renderS3ErrorXml, type RequestIds } from './error-xml.js';
export { escapeXml } from './strict-xml.js';
export { parseCorsXml, serializeCorsXml } from './xml.js';
export { parseCorsJson, parseCorsRulesJson, corsConfigurationOf, serializeCorsJson } from './json.js';
export { parseCorsConfiguration, validateCorsConfiguration, s3ErrorFor } from './validate.js';
export { decidePreflight, s3PreflightError, type S3PreflightDecision } from './preflight.js';
export { s3Dialect } from './dialect.js';
export { sendS3Error, ensureRequestIds } from './response.js';
export { requireIntegrityHeaders, verifyIntegrity, type ChecksumAlgorithm, type ChecksumClaim, type IntegrityHeaders } from './checksum.js';
export {
  corsRouter,
  type CorsRouterOptions,
  type CorsRouterHandler,
  type CorsAuthorizer,
  type CorsAuthorizeContext,
  type CorsRouterAction,
} from './router.js';
