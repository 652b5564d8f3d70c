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
} from './dialects/s3/router.js';
export { createBucketResolver, type AddressingOptions, type BucketAddress, type BucketResolver } from './http/resolve.js';
export { sendS3Error, ensureRequestIds } from './dialects/s3/response.js';

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
export type { CorsConfiguration, CorsMethod, CorsRule, HeaderList, ResourceType } from './core/model.js';
export { S3Error, S3Errors, isS3Error, MAX_CORS_DOCUMENT_BYTES, MAX_CORS_RULES, MAX_RULE_ID_LENGTH } from './dialects/s3/errors.js';
export { renderS3ErrorXml, escapeXml, type RequestIds } from './dialects/s3/error-xml.js';
export { compileCorsConfiguration, type CompiledRules } from './core/compile.js';
export { CORS_VARY } from './core/response-headers.js';
export {
  decidePreflight,
  decideActual,
  type CorsRequestInfo,
  type BucketCorsState,
  type PreflightDecision,
  type PreflightRefusal,
  type ActualDecision,
} from './core/decide.js';
export { parseCorsConfiguration, validateCorsConfiguration } from './dialects/s3/validate.js';
export { parseCorsXml, serializeCorsXml } from './dialects/s3/xml.js';
export { parseCorsJson, serializeCorsJson } from './dialects/s3/json.js';
export { isValidOrigin, isHttpToken } from './core/headers.js';
