// lib/http/options.ts
// Checks of the options corsRouter() and bucketCors() share (unknown names, `store`, `logger`, `bucketExists`, `retryAfterSeconds`), with one wording.

import type { IncomingMessage } from 'node:http';
import { hasMethods, isLogger } from '../store/shared.js';
import type { Logger, RuleStore } from '../store/types.js';

/** Default `retryAfterSeconds` of both handlers: the `Retry-After` sent with 503 ServiceUnavailable. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * Throws a TypeError naming the first key of `options` not in `known` (catches typos such as
 * `virtualHostDomain`). `where` prefixes the message, e.g. `bucketCors: addressing`.
 */
export function rejectUnknownOptions(where: string, options: object, known: ReadonlySet<string>): void {
  for (const name of Object.keys(options)) {
    if (!known.has(name)) {
      throw new TypeError(`${where}: unknown option \`${name}\`; the options are ${[...known].map((n) => `\`${n}\``).join(', ')}.`);
    }
  }
}

/**
 * `store` as given to `owner` (e.g. `'corsRouter'`), checked to have `methods` (what `owner` calls).
 * @throws TypeError naming `owner` and the methods it needs.
 */
export function checkStore(owner: string, store: unknown, methods: readonly (keyof RuleStore)[]): RuleStore {
  if (!hasMethods(store, methods))
    throw new TypeError(`${owner}: \`store\` must be a RuleStore (with ${methods.join(', ')}), e.g. new MemoryRuleStore() or new RedisRuleStore({ client }).`);
  return store as RuleStore;
}

/**
 * `logger`, or `console` when left out.
 * @throws TypeError naming `owner` when it lacks `warn()` or `error()`.
 */
export function checkLogger(owner: string, logger: unknown): Logger {
  if (logger === undefined) return console;
  if (!isLogger(logger)) throw new TypeError(`${owner}: \`logger\` must have warn() and error() methods (console fits), or be left out.`);
  return logger;
}

/** The `bucketExists` callback both handlers take. */
type BucketExists = (bucket: string, req: IncomingMessage) => boolean | Promise<boolean>;

/**
 * `bucketExists`, or `undefined` when left out (every bucket exists).
 * @throws TypeError naming `owner` unless it is a function.
 */
export function checkBucketExists(owner: string, bucketExists: unknown): BucketExists | undefined {
  if (bucketExists !== undefined && typeof bucketExists !== 'function')
    throw new TypeError(`${owner}: \`bucketExists\` must be a function (bucket, req) => boolean | Promise<boolean>, or be left out (every bucket exists).`);
  return bucketExists as BucketExists | undefined;
}

/**
 * `retryAfterSeconds`, or {@link DEFAULT_RETRY_AFTER_SECONDS} (1) when left out.
 * @throws TypeError naming `owner` unless it is a whole number >= 0.
 */
export function checkRetryAfterSeconds(owner: string, retryAfterSeconds: unknown): number {
  if (retryAfterSeconds === undefined) return DEFAULT_RETRY_AFTER_SECONDS;
  if (typeof retryAfterSeconds !== 'number' || !Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 0)
    throw new TypeError(
      `${owner}: \`retryAfterSeconds\` must be a whole number of seconds >= 0 (default ${DEFAULT_RETRY_AFTER_SECONDS}), not ${String(retryAfterSeconds)}.`,
    );
  return retryAfterSeconds;
}
