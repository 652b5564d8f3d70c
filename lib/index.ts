// lib/index.ts
// The public API; this file only re-exports.

export type { CorsConfiguration, CorsMethod, CorsRule, HeaderList, ResourceType } from './engine/model.js';
export { S3Error, S3Errors, isS3Error, MAX_CORS_DOCUMENT_BYTES, MAX_CORS_RULES, MAX_RULE_ID_LENGTH } from './engine/errors.js';
export { renderS3ErrorXml, escapeXml, type RequestIds } from './engine/error-xml.js';
export type { InvalidationEvent, Logger, RuleStore, StoredConfiguration, StoreReadOptions } from './store/types.js';
