// createBucketCors(): the CORS middleware for one dialect — its options checked and built once, then the request flow of CorsRequestHandler (express-bucket-cors/docs/behaviour.md §8, §9).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { compileCorsConfiguration } from '../core/compile.js';
import type { BucketCorsState } from '../core/compile.js';
import type { CorsConfiguration } from '../core/model.js';
import { lint } from '../core/lint.js';
import { describeRuleViolation, findRuleViolation } from '../core/validate.js';
import { hasMethods, nestedOptions, oneOf, readOptions, refuseMiddlewareArguments, type OptionCheck, type OptionChecks } from '../options.js';
import { RuleCache, ruleCacheOptionChecks, type RuleCacheOptions } from '../cache/cache.js';
import { MemoryRuleStore } from '../store/memory.js';
import type { Logger } from '../options.js';
import type { RuleStore } from '../store/types.js';
import type { CorsDialect } from './dialect.js';
import { CacheTagHeader, type CacheTagOptions } from './cache-tag.js';
import { CorsRequestHandler } from './handler.js';
import { bucketExistsOption, loggerOption, retryAfterSecondsOption, storeOption, type BucketExists } from './options.js';
import { createAddressing, type AddressingOptions } from './resolve.js';

/** Options of `bucketCors`; every one may be left out. */
export interface BucketCorsOptions {
  /**
   * Where the buckets' CORS configurations are read (`RedisRuleStore` to share them between
   * instances, or your own). Default: a new `MemoryRuleStore` (this process only).
   */
  readonly store?: RuleStore;
  /** How the bucket is found in the request; the same object `corsRouter` takes. Default: path-style only. */
  readonly addressing?: AddressingOptions;
  /**
   * Whether `bucket` exists. Consulted only for preflights to buckets without a configuration, to
   * answer "Bucket not found" rather than "CORS is not enabled for this bucket" (both 403).
   * Default: every bucket exists.
   */
  readonly bucketExists?: BucketExists;
  /**
   * `'match'` (default, S3 parity): `Vary: Origin, Access-Control-Request-Headers,
   * Access-Control-Request-Method` only on responses where a rule matched, exactly as S3 answers.
   * `'always'` (cache-safe, e.g. behind a CDN): the same `Vary` on every response for a bucket that
   * has a configuration (matched or not, with or without `Origin`), so a shared cache never serves a
   * copy without CORS headers to a cross-origin request.
   */
  readonly vary?: 'match' | 'always';
  /** Options of the local rule cache in front of the store (size, TTL, lookup timeout). Default: the cache's defaults. */
  readonly cache?: RuleCacheOptions;
  /** `Retry-After` seconds of the 503 a preflight gets while the store is unreachable. Default: 1. */
  readonly retryAfterSeconds?: number;
  /** Where unexpected errors are reported. Default: `console`. */
  readonly logger?: Logger;
  /**
   * How refused preflights are answered: the API whose answers clients expect. Default: S3's
   * (`s3Dialect`: XML `<Error>` bodies with S3's codes and messages, request ids); required by
   * {@link createBucketCors}.
   */
  readonly dialect?: CorsDialect;
  /**
   * Rules for buckets that have none (as MinIO's, Ceph RGW's or SeaweedFS's global CORS settings):
   * validated like a PutBucketCors body at construction. With `bucketExists`, a preflight to a bucket
   * that does not exist is still refused as such. Default: none (S3 parity: no rules, no CORS).
   */
  readonly defaultRules?: CorsConfiguration;
  /**
   * Rules for requests that name no bucket: the service root (`ListBuckets` from a browser, its
   * preflight) with the built-in addressing, or whatever a custom `resolve` answers `null` for.
   * Validated at construction. Default: none (S3 parity: such a preflight is refused "Bucket not found").
   */
  readonly serviceRules?: CorsConfiguration;
  /**
   * What decision events on `diagnostics_channel` (`express-bucket-cors:decision`) include beyond
   * their low-cardinality fields: `{ bucket: true }` adds the bucket name, `{ origin: true }` the raw
   * Origin. Default: neither.
   */
  readonly diagnostics?: DiagnosticsOptions;
  /**
   * A cache-tag header on every response for a bucket (preflights, refusals and actual requests, with
   * or without Origin), so a CDN can purge all of one bucket's cached responses when its rules change:
   * `{ header: 'Surrogate-Key' }` for Fastly, `{}` for Cloudflare's `Cache-Tag`. Tags add to any the
   * same header holds. Checked at construction. Default: off (no header).
   */
  readonly cacheTag?: CacheTagOptions;
}

/** See {@link BucketCorsOptions.diagnostics}. */
export interface DiagnosticsOptions {
  /** Add the bucket name to each decision event. Default: false. */
  readonly bucket?: boolean;
  /** Add the request's Origin to each decision event. Default: false. */
  readonly origin?: boolean;
}

/** The connect-style handler `bucketCors` returns (Express 4 and 5 `app.use()`, or any framework). */
export interface BucketCorsMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The store the middleware reads (the default `MemoryRuleStore` when none was given): put rules here. */
  readonly store: RuleStore;
  /** Stops listening to the store's invalidations. Does not close the store itself. */
  close(): void;
  /**
   * The cache tags that name `bucket` on its responses (those of `cacheTag.tags` with `{bucket}`):
   * what to purge at the CDN when its rules change. `[]` without `cacheTag`.
   */
  cacheTagsFor(bucket: string): string[];
}

/** {@link BucketCorsOptions} with the dialect given: what {@link createBucketCors} takes. */
export type DialectCorsOptions = BucketCorsOptions & { readonly dialect: CorsDialect };

/** The dialect: an object with the two methods a dialect has. */
const dialectOption: OptionCheck<CorsDialect> = (value, fail) => {
  // Only createBucketCors sees it left out: bucketCors gives s3Dialect.
  if (value === undefined) fail('be given to createBucketCors: a CorsDialect such as s3Dialect (bucketCors defaults to it)', false);
  if (!hasMethods(value, ['refusePreflight', 'beforeAllowedPreflight'])) fail('be a CorsDialect (e.g. s3Dialect), or be left out');
  return value as CorsDialect;
};

/** A configuration option, checked after the dialect is known (its profile decides what is valid). */
const configurationOption: OptionCheck<CorsConfiguration | undefined> = (value) => value as CorsConfiguration | undefined;

const flag: OptionCheck<boolean> = (value, fail) => {
  if (value !== undefined && typeof value !== 'boolean') fail('be true or false (default false)');
  return value === true;
};

const OPTION_CHECKS = {
  store: storeOption(['get', 'subscribe'], true),
  // Checked in full by createAddressing and by the cache's own checks (below), which name their own options.
  addressing: (value) => value as AddressingOptions | undefined,
  bucketExists: bucketExistsOption,
  vary: oneOf(['match', 'always'], 'match'),
  cache: (value) => value as RuleCacheOptions | undefined,
  retryAfterSeconds: retryAfterSecondsOption,
  logger: loggerOption,
  dialect: dialectOption,
  defaultRules: configurationOption,
  serviceRules: configurationOption,
  diagnostics: nestedOptions('bucketCors', 'diagnostics', { bucket: flag, origin: flag } satisfies OptionChecks<DiagnosticsOptions>),
  // Checked in full by CacheTagHeader, which names its options `cacheTag.<key>`.
  cacheTag: (value) => value as CacheTagOptions | undefined,
} satisfies OptionChecks<DialectCorsOptions>;

/** `rules` compiled as a bucket state, after checking it against the dialect's profile. */
function configuredState(name: 'defaultRules' | 'serviceRules', rules: CorsConfiguration | undefined, dialect: CorsDialect, logger: Logger): BucketCorsState | undefined {
  if (rules === undefined) return undefined;
  const violation = findRuleViolation(rules, dialect.profile);
  if (violation !== undefined) throw new TypeError(`bucketCors: \`${name}\` is not a valid CORS configuration for the ${dialect.name} dialect: ${describeRuleViolation(violation)}.`);
  // Linted like a bucket's rules: valid, but likely not what was meant.
  for (const warning of lint(rules, { packs: dialect.lintPacks ?? [] })) logger.warn(`express-bucket-cors: \`${name}\` ${warning.code}: ${warning.message}`);
  return { kind: 'configured', rules: compileCorsConfiguration(rules) };
}

/**
 * `bucketCors` for the dialect `options.dialect`, which is required here: a middleware for another
 * API's refusals (MediaStore's, your own) that does not load S3's dialect. Everything else is as
 * `bucketCors` documents.
 *
 * @throws TypeError when an option is wrong (the dialect left out, too); the message says what to change.
 */
export function createBucketCors(options: DialectCorsOptions): BucketCorsMiddleware {
  refuseMiddlewareArguments('bucketCors', arguments, 'app.use(bucketCors({ store }))');
  const checked = readOptions('bucketCors', options, OPTION_CHECKS);
  const { logger, dialect } = checked;
  const store = checked.store ?? new MemoryRuleStore({ logger });
  const addressing = createAddressing(checked.addressing);
  // Checked here too, so a mistake is named `bucketCors: cache.<key>`.
  readOptions('bucketCors', checked.cache, ruleCacheOptionChecks(store), 'cache.');
  const cache = new RuleCache(store, { logger, ...checked.cache });
  const cacheTag = checked.cacheTag === undefined ? undefined : new CacheTagHeader(checked.cacheTag, logger);
  const handler = new CorsRequestHandler({
    dialect,
    cache,
    addressing,
    bucketExists: checked.bucketExists,
    retryAfterSeconds: checked.retryAfterSeconds,
    logger,
    varyAlways: checked.vary === 'always',
    defaultState: configuredState('defaultRules', checked.defaultRules, dialect, logger),
    serviceState: configuredState('serviceRules', checked.serviceRules, dialect, logger),
    eventBucket: checked.diagnostics?.bucket === true,
    eventOrigin: checked.diagnostics?.origin === true,
    cacheTag,
  });
  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => handler.handle(req, res, next);
  return Object.assign(middleware, {
    store,
    close: () => cache.close(),
    cacheTagsFor: (bucket: string) => cacheTag?.bucketTagsFor(bucket) ?? [],
  });
}
