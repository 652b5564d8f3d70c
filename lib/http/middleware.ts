// bucketCors(): answers preflights and adds CORS headers to actual requests, per bucket, as S3 does (docs/behaviour.md §8, §9).

import createDebug from 'debug';
import type { IncomingMessage, ServerResponse } from 'node:http';
import vary from 'vary';
import { compileCorsConfiguration } from '../core/compile.js';
import { decideActual, decidePreflight } from '../core/decide.js';
import type { BucketCorsState } from '../core/compile.js';
import type { ActualDecision, CorsRequestInfo, PreflightDecision } from '../core/decision.js';
import type { CorsConfiguration, HeaderList } from '../core/model.js';
import { lint } from '../core/lint.js';
import { describeRuleViolation, findRuleViolation } from '../core/validate.js';
import { CORS_VARY } from '../core/response-headers.js';
import { s3Dialect } from '../dialects/s3/dialect.js';
import { decisionChannel, type CorsDecisionEvent, type RuleSource } from '../diagnostics.js';
import { hasMethods, nestedOptions, oneOf, readOptions, refuseMiddlewareArguments, type OptionCheck, type OptionChecks } from '../options.js';
import { RuleCache, ruleCacheOptionChecks, type RuleCacheOptions, type RuleLookup } from '../cache/cache.js';
import { MemoryRuleStore } from '../store/memory.js';
import type { Logger } from '../options.js';
import type { RuleStore } from '../store/types.js';
import type { CorsDialect } from './dialect.js';
import { bucketExistsOption, loggerOption, retryAfterSecondsOption, storeOption, type BucketExists } from './options.js';
import { createAddressing, isPromise, type AddressingOptions, type RequestTarget } from './resolve.js';

// Each call is guarded by `debug.enabled`: its arguments (a JSON-quoted Origin) would otherwise be built on every request.
const debug = createDebug('express-bucket-cors:middleware');

/** Options of {@link bucketCors}; every one may be left out. */
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
   * (`s3Dialect`: XML `<Error>` bodies with S3's codes and messages, request ids).
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
}

/** See {@link BucketCorsOptions.diagnostics}. */
export interface DiagnosticsOptions {
  /** Add the bucket name to each decision event. Default: false. */
  readonly bucket?: boolean;
  /** Add the request's Origin to each decision event. Default: false. */
  readonly origin?: boolean;
}

/** The connect-style handler {@link bucketCors} returns (Express 4 and 5 `app.use()`, or any framework). */
export interface BucketCorsMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The store the middleware reads (the default `MemoryRuleStore` when none was given): put rules here. */
  readonly store: RuleStore;
  /** Stops listening to the store's invalidations. Does not close the store itself. */
  close(): void;
}

/** The dialect option: an object with the two methods a dialect has. */
const dialectOption: OptionCheck<CorsDialect> = (value, fail) => {
  if (value === undefined) return s3Dialect;
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
} satisfies OptionChecks<BucketCorsOptions>;

/** `rules` compiled as a bucket state, after checking it against the dialect's profile. */
function configuredState(name: 'defaultRules' | 'serviceRules', rules: CorsConfiguration | undefined, dialect: CorsDialect, logger: Logger): BucketCorsState | undefined {
  if (rules === undefined) return undefined;
  const violation = findRuleViolation(rules, dialect.profile);
  if (violation !== undefined) throw new TypeError(`bucketCors: \`${name}\` is not a valid CORS configuration for the ${dialect.name} dialect: ${describeRuleViolation(violation)}.`);
  // Linted like a bucket's rules: valid, but likely not what was meant.
  for (const warning of lint(rules)) logger.warn(`express-bucket-cors: \`${name}\` ${warning.code}: ${warning.message}`);
  return { kind: 'configured', rules: compileCorsConfiguration(rules) };
}

/** How far the request got synchronously; a promise when it waits for a resolver, the store or `bucketExists`. */
type Step = typeof NEXT | typeof ANSWERED | Promise<typeof NEXT | typeof ANSWERED>;
/** Pass the request on to the next handler. */
const NEXT = 0;
/** The middleware answered (a preflight); nothing else runs. */
const ANSWERED = 1;

/**
 * Runs `next(req, res, extra, value)` at once when `value` is known, or when its promise settles: the
 * one code path for steps that are synchronous on the hot path and asynchronous on a miss. `next` is
 * created once per middleware, so the synchronous path allocates nothing.
 */
function andThen<E, T>(
  value: T | Promise<T>,
  next: (req: IncomingMessage, res: ServerResponse, extra: E, value: T) => Step,
  req: IncomingMessage,
  res: ServerResponse,
  extra: E,
): Step {
  return isPromise(value) ? value.then((settled) => next(req, res, extra, settled)) : next(req, res, extra, value);
}

/** Longest Origin shown in debug lines. */
const DEBUG_ORIGIN_LENGTH = 80;

/** {@link CORS_VARY} in the mutable form the `vary` package's types ask for. */
const VARY_FIELDS: string[] = [...CORS_VARY];
/** What `vary` would write on a response without `Vary`, computed once. */
const VARY_VALUE = CORS_VARY.join(', ');

/**
 * Appends {@link CORS_VARY} to the response's `Vary`, given what it held before (`existing`). Without
 * one (the usual case) the result is known, so it is set directly; an existing `Vary` is merged by the
 * `vary` package, never overwritten.
 */
function appendCorsVary(res: ServerResponse, existing: unknown): void {
  if (existing === undefined) res.setHeader('Vary', VARY_VALUE);
  else vary(res, VARY_FIELDS);
}

/**
 * Sets a matched decision's headers and appends `Vary`. The response's `Vary` is read first: while no
 * handler has set any header yet, that is a null check rather than a lookup among ours. Asked in lower
 * case, which getHeader would otherwise produce with a new string on every call.
 */
function setCorsHeaders(res: ServerResponse, headers: HeaderList): void {
  const existingVary = res.getHeader('vary');
  for (const [name, value] of headers) res.setHeader(name, value);
  appendCorsVary(res, existingVary);
}

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

const shownOrigin = (origin: string | undefined): string =>
  origin === undefined ? '-' : JSON.stringify(origin.length > DEBUG_ORIGIN_LENGTH ? `${origin.slice(0, DEBUG_ORIGIN_LENGTH)}…` : origin);

/** The request as the engine reads it; one object refilled per decision (decisions are synchronous and keep none of it). */
const scratchRequest: { -readonly [K in keyof CorsRequestInfo]: CorsRequestInfo[K] } = {
  method: 'GET',
  origin: undefined,
  requestMethod: undefined,
  requestHeaders: undefined,
  resourceType: 'OBJECT',
};

function requestInfo(req: IncomingMessage, target: RequestTarget): CorsRequestInfo {
  const headers = req.headers;
  scratchRequest.method = req.method ?? 'GET';
  scratchRequest.origin = headers.origin;
  scratchRequest.requestMethod = headerValue(headers['access-control-request-method']);
  scratchRequest.requestHeaders = headerValue(headers['access-control-request-headers']);
  scratchRequest.resourceType = target.resourceType;
  return scratchRequest;
}

const NO_CONFIGURATION: BucketCorsState = Object.freeze({ kind: 'no-configuration' });
const NO_BUCKET: BucketCorsState = Object.freeze({ kind: 'no-bucket' });
/** The service root, answered as a bucket that does not exist. */
const SERVICE_ROOT: RequestTarget = Object.freeze({ bucket: '/', resourceType: 'BUCKET' });

/** The actual-request outcome for a bucket without rules, decided without looking at the request. */
const NO_CONFIGURATION_DECISION: ActualDecision = Object.freeze({ matched: false, reason: 'no-configuration' });

/** How the rules were found: at once in the cache, after a store read, or without a lookup (service rules). */
type CacheUse = CorsDecisionEvent['cache'];

/**
 * The CORS middleware: per bucket, exactly as Amazon S3 answers (docs/behaviour.md §8, §9).
 *
 * - Requests naming no bucket (see `addressing`) pass through untouched.
 * - Every `OPTIONS` on a bucket or object is a preflight, answered here and never passed on:
 *   200 with the matched rule's headers, or the dialect's refusal (S3: XML 400/403, no CORS headers),
 *   or 503 ServiceUnavailable with `Retry-After` while the store is unreachable and nothing is cached.
 *   Query strings, presigned parameters and `Authorization` play no part. An `OPTIONS` with
 *   `Origin` to the path-style service root `/` is refused with 403 "Bucket not found".
 * - Other requests with an `Origin` get the matched rule's headers set before `next()`, so they
 *   survive whatever the server answers (200, 304, 404, 500…); without a match they pass on without
 *   CORS headers — CORS never blocks them. When the store is unreachable they pass on without CORS
 *   headers (browsers then refuse to read the response: fail closed).
 *
 * Errors of a custom resolver or of `bucketExists` go to `next(err)`, exactly once.
 *
 * @throws TypeError when an option is wrong; the message says what to change.
 */
export function bucketCors(options?: BucketCorsOptions): BucketCorsMiddleware {
  // `app.use(bucketCors)` hands Express's (req, res, next) here.
  refuseMiddlewareArguments('bucketCors', arguments, 'app.use(bucketCors({ store }))');
  const checked = readOptions('bucketCors', options, OPTION_CHECKS);
  const { bucketExists, retryAfterSeconds, logger, dialect } = checked;
  const varyAlways = checked.vary === 'always';
  const store = checked.store ?? new MemoryRuleStore({ logger });
  const addressing = createAddressing(checked.addressing);
  const targetOf = addressing.target;
  const custom = addressing.custom;
  // Checked here too, so a mistake is named `bucketCors: cache.<key>`.
  readOptions('bucketCors', checked.cache, ruleCacheOptionChecks(store), 'cache.');
  const cache = new RuleCache(store, { logger, ...checked.cache });
  const defaultState = configuredState('defaultRules', checked.defaultRules, dialect, logger);
  const serviceState = configuredState('serviceRules', checked.serviceRules, dialect, logger);
  /** A bucket without rules of its own: the default rules, or none. */
  const unconfigured = defaultState ?? NO_CONFIGURATION;
  const unconfiguredSource: RuleSource = defaultState === undefined ? 'bucket' : 'default';
  const eventBucket = checked.diagnostics?.bucket === true;
  const eventOrigin = checked.diagnostics?.origin === true;

  /** Publishes one decision event; called only when the channel has subscribers. */
  function publish(req: IncomingMessage, target: RequestTarget, kind: 'preflight' | 'actual', decision: PreflightDecision | ActualDecision, source: RuleSource, cacheUse: CacheUse): void {
    const ok = 'allowed' in decision ? decision.allowed : decision.matched;
    decisionChannel.publish({
      dialect: dialect.name,
      kind,
      outcome: kind === 'preflight' ? (ok ? 'allowed' : 'refused') : ok ? 'matched' : 'unmatched',
      reason: 'reason' in decision ? decision.reason : null,
      rule: 'ruleIndex' in decision ? decision.ruleIndex : null,
      cache: cacheUse,
      source,
      ...(eventBucket && { bucket: target.bucket }),
      ...(eventOrigin && req.headers.origin !== undefined && { origin: req.headers.origin }),
    } satisfies CorsDecisionEvent);
  }

  function answerPreflight(req: IncomingMessage, res: ServerResponse, target: RequestTarget, state: BucketCorsState, source: RuleSource, cacheUse: CacheUse): typeof ANSWERED {
    const request = requestInfo(req, target);
    const decision = decidePreflight(request, state);
    if (decisionChannel.hasSubscribers) publish(req, target, 'preflight', decision, source, cacheUse);
    if (!decision.allowed) {
      if (varyAlways && state.kind === 'configured') appendCorsVary(res, res.getHeader('vary'));
      dialect.refusePreflight(req, res, decision, retryAfterSeconds);
      if (debug.enabled) debug('preflight %s %s origin=%s: %d (%s, %s rules)', target.bucket, request.resourceType, shownOrigin(request.origin), res.statusCode, decision.reason, source);
      return ANSWERED;
    }
    if (debug.enabled) debug('preflight %s %s origin=%s: 200 by rule %d (%s rules)', target.bucket, request.resourceType, shownOrigin(request.origin), decision.ruleIndex, source);
    dialect.beforeAllowedPreflight(res);
    res.statusCode = 200;
    setCorsHeaders(res, decision.headers);
    res.setHeader('Content-Length', 0);
    res.end();
    return ANSWERED;
  }

  /** The bucket's state for a preflight: `bucketExists` tells "no bucket" from "no configuration". */
  function preflightWithLookup(req: IncomingMessage, res: ServerResponse, target: RequestTarget, lookup: RuleLookup, cacheUse: CacheUse): Step {
    if (lookup.kind !== 'no-configuration') return answerPreflight(req, res, target, lookup, 'bucket', cacheUse);
    if (bucketExists === undefined) return answerPreflight(req, res, target, unconfigured, unconfiguredSource, cacheUse);
    return andThen(
      bucketExists(target.bucket, req),
      (request, response, at, exists: boolean) =>
        exists ? answerPreflight(request, response, at, unconfigured, unconfiguredSource, cacheUse) : answerPreflight(request, response, at, NO_BUCKET, 'bucket', cacheUse),
      req,
      res,
      target,
    );
  }

  function decorateActual(req: IncomingMessage, res: ServerResponse, target: RequestTarget, state: BucketCorsState, source: RuleSource, cacheUse: CacheUse): typeof NEXT {
    if (state.kind === 'no-configuration') {
      if (decisionChannel.hasSubscribers) publish(req, target, 'actual', NO_CONFIGURATION_DECISION, source, cacheUse);
      if (debug.enabled) debug('actual %s %s origin=%s: no CORS headers (no-configuration)', req.method, target.bucket, shownOrigin(req.headers.origin));
      return NEXT;
    }
    const request = requestInfo(req, target);
    const decision = decideActual(request, state);
    if (decisionChannel.hasSubscribers) publish(req, target, 'actual', decision, source, cacheUse);
    if (decision.matched) {
      // Not logged: the headers show the match, and reading the debug switch alone costs more than the
      // rest of a hit's own work (`bench/instructions.mjs`); the decision channel counts matches.
      setCorsHeaders(res, decision.headers);
    } else {
      // Unavailable rules pass the request on without CORS headers: browsers refuse to read the response (fail closed).
      if (varyAlways) appendCorsVary(res, res.getHeader('vary'));
      if (debug.enabled) debug('actual %s %s origin=%s: no CORS headers (%s)', request.method, target.bucket, shownOrigin(request.origin), decision.reason);
    }
    return NEXT;
  }

  function actualWithLookup(req: IncomingMessage, res: ServerResponse, target: RequestTarget, lookup: RuleLookup, cacheUse: CacheUse): typeof NEXT {
    return lookup.kind === 'no-configuration'
      ? decorateActual(req, res, target, unconfigured, unconfiguredSource, cacheUse)
      : decorateActual(req, res, target, lookup, 'bucket', cacheUse);
  }

  const preflightHit = (req: IncomingMessage, res: ServerResponse, target: RequestTarget, lookup: RuleLookup) => preflightWithLookup(req, res, target, lookup, 'hit');
  const preflightMiss = (req: IncomingMessage, res: ServerResponse, target: RequestTarget, lookup: RuleLookup) => preflightWithLookup(req, res, target, lookup, 'miss');
  const actualHit = (req: IncomingMessage, res: ServerResponse, target: RequestTarget, lookup: RuleLookup) => actualWithLookup(req, res, target, lookup, 'hit');
  const actualMiss = (req: IncomingMessage, res: ServerResponse, target: RequestTarget, lookup: RuleLookup) => actualWithLookup(req, res, target, lookup, 'miss');

  /** Whether a request naming no bucket is the service's own (where `serviceRules` apply). */
  const isServiceRequest = (req: IncomingMessage): boolean => addressing.custom || addressing.isServiceRoot(req);

  function route(req: IncomingMessage, res: ServerResponse, _extra: undefined, target: RequestTarget | null): Step {
    const preflight = req.method === 'OPTIONS';
    // Without Origin nothing can match; only the cache-safe mode needs to know whether the bucket is configured.
    if (!preflight && !varyAlways && (req.headers.origin === undefined || req.headers.origin === '')) return NEXT;
    if (target !== null) {
      const lookup = cache.lookup(target.bucket);
      if (preflight) return isPromise(lookup) ? andThen(lookup, preflightMiss, req, res, target) : preflightHit(req, res, target, lookup);
      return isPromise(lookup) ? andThen(lookup, actualMiss, req, res, target) : actualHit(req, res, target, lookup);
    }
    if (serviceState !== undefined && isServiceRequest(req))
      return preflight ? answerPreflight(req, res, SERVICE_ROOT, serviceState, 'service', 'none') : decorateActual(req, res, SERVICE_ROOT, serviceState, 'service', 'none');
    // S3 answers an OPTIONS to the service root as a preflight to a bucket that does not exist (docs/behaviour.md §2.2, T54).
    if (preflight && addressing.isServiceRoot(req)) return answerPreflight(req, res, SERVICE_ROOT, NO_BUCKET, 'service', 'none');
    return NEXT;
  }

  /** Logs what a later handler threw out of `next()` on an asynchronous path (nobody else would see it). */
  function reportAfterNext(error: unknown): void {
    try {
      logger.error('express-bucket-cors: a handler after bucketCors threw', error);
    } catch {
      // A logger that throws too: swallowed here, as it would otherwise become an unhandled rejection.
    }
  }

  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    let step: Step;
    try {
      // Only a custom resolver may answer with a promise.
      step = custom ? andThen(targetOf(req), route, req, res, undefined) : route(req, res, undefined, targetOf(req) as RequestTarget | null);
    } catch (error) {
      next(error);
      return;
    }
    if (step === NEXT) next();
    else if (step !== ANSWERED)
      step.then(
        (settled) => {
          if (settled === NEXT) next();
        },
        (error: unknown) => next(error),
      ).catch(reportAfterNext);
  };

  return Object.assign(middleware, {
    store,
    close: () => cache.close(),
  });
}
