// The option checks bucketCors() and corsRouter() share (`store`, `logger`, `bucketExists`, `retryAfterSeconds`), with one wording.

import type { IncomingMessage } from 'node:http';
import { hasMethods, optionalFunction, wholeNumber, type OptionCheck } from '../options.js';
import { isRedisClient } from '../store/redis/clients.js';
import type { RuleStore } from '../store/types.js';

export { loggerOption } from '../options.js';

/** Default `retryAfterSeconds` of both handlers: the `Retry-After` sent with 503 ServiceUnavailable. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;


/** A store with `methods` (what the owner calls); required unless `optional`. */
export function storeOption(methods: readonly (keyof RuleStore)[], optional: true): OptionCheck<RuleStore | undefined>;
export function storeOption(methods: readonly (keyof RuleStore)[], optional: false): OptionCheck<RuleStore>;
export function storeOption(methods: readonly (keyof RuleStore)[], optional: boolean): OptionCheck<RuleStore | undefined> {
  return (value, fail) => {
    if (value === undefined && optional) return undefined;
    // A Redis client (ioredis or node-redis) given where a store is wanted.
    if (isRedisClient(value) && !hasMethods(value, ['put'])) fail('be a RuleStore, not a Redis client: wrap the client, `store: new RedisRuleStore({ client })`', false);
    if (!hasMethods(value, methods)) fail(`be a RuleStore (with ${methods.join(', ')}), e.g. new MemoryRuleStore() or new RedisRuleStore({ client })`);
    return value as RuleStore;
  };
}

/** The `bucketExists` callback both handlers take. */
export type BucketExists<Req extends IncomingMessage = IncomingMessage> = (bucket: string, req: Req) => boolean | Promise<boolean>;

/** `bucketExists`, or `undefined` when left out (every bucket exists). */
export const bucketExistsOption: OptionCheck<BucketExists | undefined> = optionalFunction<BucketExists>('(bucket, req) => boolean | Promise<boolean> (default: every bucket exists)');

/** `retryAfterSeconds`, or {@link DEFAULT_RETRY_AFTER_SECONDS} (1) when left out. */
export const retryAfterSecondsOption: OptionCheck<number> = wholeNumber(0, DEFAULT_RETRY_AFTER_SECONDS, 'seconds');
