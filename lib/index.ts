// lib/index.ts
// The public API; this file only re-exports.

// Express (connect-style) glue
export { bucketCors, type BucketCorsOptions, type BucketCorsMiddleware } from './http/middleware.js';
export {
  corsRouter,
  type CorsRouterOptions,
  type CorsRouterHandler,
  type CorsAuthorizer,
  type CorsAuthorizeContext,
  type CorsRouterAction,
} from './http/router.js';
export { createBucketResolver, type AddressingOptions, type BucketAddress, type BucketResolver } from './http/resolve.js';
export { sendS3Error, ensureRequestIds } from './http/s3-response.js';

// Stores and the local cache
export type { InvalidationEvent, Logger, RuleStore, StoredConfiguration, StoreReadOptions } from './store/types.js';
export { MemoryRuleStore, type MemoryRuleStoreOptions } from './store/memory.js';
export {
  RedisRuleStore,
  DEFAULT_KEY_PREFIX,
  DEFAULT_CHANNEL,
  type RedisRuleStoreOptions,
  type RedisClientLike,
  type RedisSubscriberLike,
} from './store/redis.js';
export {
  RuleCache,
  DEFAULT_CACHE_MAX,
  DEFAULT_SHARED_TTL_MS,
  DEFAULT_LOOKUP_TIMEOUT_MS,
  type RuleCacheOptions,
  type RuleLookup,
} from './store/cache.js';

// The pure rule engine
export type { CorsConfiguration, CorsMethod, CorsRule, HeaderList, ResourceType } from './engine/model.js';
export { S3Error, S3Errors, isS3Error, MAX_CORS_DOCUMENT_BYTES, MAX_CORS_RULES, MAX_RULE_ID_LENGTH } from './engine/errors.js';
export { renderS3ErrorXml, escapeXml, type RequestIds } from './engine/error-xml.js';
export { compileCorsConfiguration, type CompiledRules } from './engine/compile.js';
export {
  decidePreflight,
  decideActual,
  CORS_VARY,
  type CorsRequestInfo,
  type BucketCorsState,
  type PreflightDecision,
  type PreflightRefusal,
  type ActualDecision,
} from './engine/decide.js';
export { parseCorsConfiguration, validateCorsConfiguration } from './engine/validate.js';
export { parseCorsXml, serializeCorsXml } from './engine/xml.js';
export { parseCorsJson, serializeCorsJson } from './engine/json.js';
export { isValidOrigin, isHttpToken } from './engine/headers.js';
