// The internals that tests exercise directly, beside the public entry points: the one place tests reach into lib/.
// Everything else is imported by the package's own names (express-bucket-cors, …/core, …/s3, …/mediastore).

export { MEMORY_STORE_IN_PRODUCTION_WARNING } from '../../lib/store/memory';
export { Progress } from '../../lib/cli/output';
export { REFRESH_BATCH_MS, STALE_RETRY_MS } from '../../lib/cache/cache';
export { ReadBatcher } from '../../lib/store/redis/batch';
export { SharedDeadlines, abortable } from '../../lib/deadlines';
export { SubscriptionHealthCheck } from '../../lib/store/redis/health';
export { allowsHeader, originMatches } from '../../lib/core/decide';
export { createAddressing } from '../../lib/http/resolve';
export { hasVary } from '../../lib/http/vary';
export { companionKey, isCompanionKey, keySlot } from '../../lib/store/redis/clients';
export { methodBit } from '../../lib/core/compile';
export { parseAmzDate } from '../../lib/sigv4/time';
export { readOptions, wholeNumber } from '../../lib/options';
export { compileBucketPattern } from '../../lib/cli/glob';
export { DIFF_READ_BATCH } from '../../lib/cli/commands/diff';
export { bucketFileOf, readBucketFile } from '../../lib/cli/formats';
export { configurationOfKey, contentKey } from '../../lib/cache/size';
