// The public API of `express-bucket-cors`; this file only re-exports. The rule engine alone is
// `express-bucket-cors/core`, everything S3-specific `express-bucket-cors/s3`.

// Express (connect-style) glue
export { bucketCors } from './defaults.js';
export { createBucketCors, type BucketCorsOptions, type BucketCorsMiddleware, type DialectCorsOptions, type DiagnosticsOptions } from './http/middleware.js';
export { DEFAULT_CACHE_TAG_HEADER, DEFAULT_CACHE_TAGS, MAX_CACHE_TAG_LENGTH, type CacheTagOptions } from './http/cache-tag.js';
export { requestTarget, type ResolvedTarget, type AddressingStyle } from './http/target.js';
export { pathStyleUrl, toPathStyle, type PathStyleRequest } from './http/path-style.js';
export {
  DIAGNOSTICS_CHANNELS,
  type CorsDecisionEvent,
  type StoreErrorEvent,
  type InvalidationReceivedEvent,
  type ConfigurationChangeEvent,
  type ReportOnlyEvent,
  type ReportOnlyOutcome,
  type RuleSource,
} from './diagnostics.js';
export type { CorsDialect } from './http/dialect.js';
export { createBucketResolver, type AddressingOptions, type BucketAddress, type BucketResolver } from './http/resolve.js';
export { readRequestBody, discardUnreadBody, RequestAbortedError, BodyConsumedError } from './http/body.js';
export { backendProxy, DEFAULT_PROXY_TIMEOUT_MS, type BackendProxyOptions, type ProxyFailure } from './http/proxy.js';
export { corsHeadersOn } from './http/kept-headers.js';

// The admin service and the router skeleton every dialect's router uses
export {
  createAdminService,
  AdminError,
  isAdminError,
  DEFAULT_STORE_TIMEOUT_MS,
  type AdminService,
  type AdminServiceOptions,
  type AdminAuthorizer,
  type AdminGrant,
  type AdminAccessContext,
  type AdminRefusal,
  type AdminAccessHook,
} from './admin/service.js';
export {
  createAdminRouter,
  DEFAULT_DROP_RULES_ON_DELETE,
  type AdminRouterOptions,
  type AdminRouterHandler,
  type AdminRouterDialect,
  type AdminRouterSettings,
  type AdminOperation,
  type AdminCall,
  type AdminEnvelope,
  type BucketDeletion,
} from './http/admin-handler.js';

// Stores and the local cache
export type {
  InvalidationEvent,
  RuleStore,
  StoredConfiguration,
  StoreReadOptions,
  StoreWriteOptions,
  StoreDeleteOptions,
  StoreFeatures,
  StoredRules,
  StorePromoteOptions,
  ChangeOrigin,
  ChangeSource,
  ConfigurationChange,
} from './store/types.js';
export {
  PreconditionFailedError,
  isPreconditionFailedError,
  CandidateNotFoundError,
  isCandidateNotFoundError,
  type ConfigurationRole,
  StoreFeatureError,
  isStoreFeatureError,
  VersionNotFoundError,
  isVersionNotFoundError,
  rollbackConfiguration,
  DEFAULT_HISTORY_LENGTH,
} from './store/lifecycle.js';
export type { Logger } from './options.js';
export { StoreSubscribers } from './store/subscribers.js';
export { UnusableEntryError, isUnusableEntryError, type UnusableEntryCode } from './store/errors.js';
export { MemoryRuleStore, type MemoryRuleStoreOptions } from './store/memory.js';
export {
  RedisRuleStore,
  DEFAULT_KEY_PREFIX,
  DEFAULT_CHANNEL,
  HISTORY_KEY_SUFFIX,
  CANDIDATE_KEY_SUFFIX,
  DEFAULT_HEALTH_CHECK_INTERVAL_MS,
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  RedisUnavailableError,
  type RedisRuleStoreOptions,
  type RedisClientLike,
  type RedisSubscriberLike,
  type IoredisClientLike,
  type IoredisSubscriberLike,
  type NodeRedisClientLike,
  type NodeRedisSubscriberLike,
} from './store/redis/store.js';
export {
  RuleCache,
  DEFAULT_CACHE_MAX,
  DEFAULT_CACHE_MAX_BYTES,
  DEFAULT_SHARED_TTL_MS,
  DEFAULT_LOOKUP_TIMEOUT_MS,
  type RuleCacheOptions,
  type RuleCacheUsage,
  type RuleLookup,
} from './cache/cache.js';

// The S3 dialect (also in `express-bucket-cors/s3`)
export {
  corsRouter,
  s3Dialect,
  S3Error,
  S3Errors,
  isS3Error,
  MAX_CORS_DOCUMENT_BYTES,
  MAX_CORS_RULES,
  MAX_RULE_ID_LENGTH,
  renderS3ErrorXml,
  escapeXml,
  parseCorsConfiguration,
  validateCorsConfiguration,
  parseCorsXml,
  serializeCorsXml,
  parseCorsJson,
  serializeCorsJson,
  decidePreflight,
  sendS3Error,
  ensureRequestIds,
  type S3ErrorId,
  type S3PreflightDecision,
  type RequestIds,
  type CorsRouterOptions,
  type CorsRouterHandler,
  type CorsAuthorizer,
  type CorsAuthorizeContext,
  type CorsRouterAction,
} from './dialects/s3/index.js';

// Every provider's formats: reading with detection, writing, converting with losses named
export {
  convert,
  writeConfiguration,
  parseConfiguration,
  detectFormat,
  DIALECTS,
  FORMATS,
  FORMAT_NAMES,
  formatNamed,
  ConversionError,
  isConversionError,
  type Conversion,
  type ConvertOptions,
  type ParsedConfiguration,
  type RegisteredFormat,
  type ConversionErrorCode,
} from './formats/index.js';
export { FormatError, type ConversionWarning, type ConversionWarningCode, type CorsDocument, type CorsFormat, type Converted, type DialectFormats } from './dialects/codec.js';

// The rule engine (also in `express-bucket-cors/core`)
export type { CorsConfiguration, CorsMethod, CorsRule, HeaderList, ResourceType } from './core/model.js';
export { compileCorsConfiguration, type CompiledRules } from './core/compile.js';
export { decideActual } from './core/decide.js';
export { type CorsRequestInfo, type PreflightDecision, type PreflightRefusal, type ActualDecision } from './core/decision.js';
export { type BucketCorsState } from './core/compile.js';
export { CORS_VARY } from './core/response-headers.js';
export { isValidOrigin, isHttpToken } from './core/headers.js';
