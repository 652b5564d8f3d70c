// lib/http/middleware.ts
// bucketCors(): answers preflights and adds CORS headers to actual requests, per bucket, as S3 does (spec §8, §9).

import createDebug from 'debug';
import type { IncomingMessage, ServerResponse } from 'node:http';
import vary from 'vary';
import { CORS_VARY, decideActual, decidePreflight, type BucketCorsState, type CorsRequestInfo } from '../core/decide.js';
import { S3Errors } from '../dialects/s3/errors.js';
import type { HeaderList } from '../core/model.js';
import { RuleCache, type RuleCacheOptions, type RuleLookup } from '../store/cache.js';
import { MemoryRuleStore } from '../store/memory.js';
import type { Logger, RuleStore } from '../store/types.js';
import { checkBucketExists, checkLogger, checkRetryAfterSeconds, checkStore, rejectUnknownOptions } from './options.js';
import { createAddressing, isPromise, type AddressingOptions, type BucketAddress } from './resolve.js';
import { ensureRequestIds, sendS3Error } from '../dialects/s3/response.js';

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
  readonly bucketExists?: (bucket: string, req: IncomingMessage) => boolean | Promise<boolean>;
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
}

/** The connect-style handler {@link bucketCors} returns (Express 4 and 5 `app.use()`, or any framework). */
export interface BucketCorsMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The store the middleware reads (the default `MemoryRuleStore` when none was given): put rules here. */
  readonly store: RuleStore;
  /** Stops listening to the store's invalidations. Does not close the store itself. */
  close(): void;
}

const OPTION_NAMES: ReadonlySet<string> = new Set(['store', 'addressing', 'bucketExists', 'vary', 'cache', 'retryAfterSeconds', 'logger']);

/** How far the request got synchronously; a promise when it waits for a resolver, the store or `bucketExists`. */
type Step = typeof NEXT | typeof ANSWERED | Promise<typeof NEXT | typeof ANSWERED>;
/** Pass the request on to the next handler. */
const NEXT = 0;
/** The middleware answered (a preflight); nothing else runs. */
const ANSWERED = 1;

/** Longest Origin shown in debug lines. */
const DEBUG_ORIGIN_LENGTH = 80;

/** {@link CORS_VARY} in the mutable form the `vary` package's types ask for. */
const VARY_FIELDS: string[] = [...CORS_VARY];
/** What `vary` would write on a response without `Vary`, computed once. */
const VARY_VALUE = CORS_VARY.join(', ');

/**
 * Appends {@link CORS_VARY} to the response's `Vary`. Without one yet (the usual case) the result is
 * known, so it is set directly; an existing `Vary` is merged by the `vary` package, never overwritten.
 */
function appendCorsVary(res: ServerResponse): void {
  // Asked in lower case, which getHeader would otherwise produce with a new string on every call.
  if (res.getHeader('vary') === undefined) res.setHeader('Vary', VARY_VALUE);
  else vary(res, VARY_FIELDS);
}

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

const shownOrigin = (origin: string | undefined): string =>
  origin === undefined ? '-' : JSON.stringify(origin.length > DEBUG_ORIGIN_LENGTH ? `${origin.slice(0, DEBUG_ORIGIN_LENGTH)}…` : origin);

function requestInfo(req: IncomingMessage, key: string): CorsRequestInfo {
  const headers = req.headers;
  return {
    method: req.method ?? 'GET',
    origin: headers.origin,
    requestMethod: headerValue(headers['access-control-request-method']),
    requestHeaders: headerValue(headers['access-control-request-headers']),
    resourceType: key === '' ? 'BUCKET' : 'OBJECT',
  };
}

function setHeaders(res: ServerResponse, headers: HeaderList): void {
  for (const [name, value] of headers) res.setHeader(name, value);
}

function checkOptions(options: BucketCorsOptions) {
  if (typeof options !== 'object' || options === null) throw new TypeError('bucketCors(options): pass an options object, or nothing.');
  rejectUnknownOptions('bucketCors', options, OPTION_NAMES);
  const { vary: varyMode = 'match' } = options;
  const logger = checkLogger('bucketCors', options.logger);
  const given = options.store === undefined ? undefined : checkStore('bucketCors', options.store, ['get', 'subscribe']);
  const bucketExists = checkBucketExists('bucketCors', options.bucketExists);
  if (varyMode !== 'match' && varyMode !== 'always') throw new TypeError(`bucketCors: \`vary\` must be 'match' (S3 parity, default) or 'always' (cache-safe), not ${JSON.stringify(varyMode)}.`);
  const retryAfterSeconds = checkRetryAfterSeconds('bucketCors', options.retryAfterSeconds);
  const store = given ?? new MemoryRuleStore({ logger });
  return { store, bucketExists, varyAlways: varyMode === 'always', retryAfterSeconds, logger };
}

/**
 * The CORS middleware: per bucket, exactly as Amazon S3 answers (spec §8, §9).
 *
 * - Requests naming no bucket (see `addressing`) pass through untouched.
 * - Every `OPTIONS` on a bucket or object is a preflight, answered here and never passed on:
 *   200 with the matched rule's headers, or S3's XML refusal (400/403, no CORS headers), or 503
 *   ServiceUnavailable with `Retry-After` while the store is unreachable and nothing is cached.
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
export function bucketCors(options: BucketCorsOptions = {}): BucketCorsMiddleware {
  const { store, bucketExists, varyAlways, retryAfterSeconds, logger } = checkOptions(options);
  const addressing = createAddressing(options.addressing);
  const resolve = addressing.resolve;
  const cache = new RuleCache(store, { logger, ...options.cache });

  function answerPreflight(req: IncomingMessage, res: ServerResponse, bucket: string, key: string, state: BucketCorsState): typeof ANSWERED {
    const request = requestInfo(req, key);
    const decision = decidePreflight(request, state);
    if (!decision.allowed) {
      if (varyAlways && state.kind === 'configured') appendCorsVary(res);
      if (debug.enabled) debug('preflight %s %s origin=%s: %d %s (%s)', bucket, request.resourceType, shownOrigin(request.origin), decision.error.status, decision.error.code, decision.reason);
      sendS3Error(req, res, decision.error);
      return ANSWERED;
    }
    if (debug.enabled) debug('preflight %s %s origin=%s: 200 by rule %d', bucket, request.resourceType, shownOrigin(request.origin), decision.ruleIndex);
    ensureRequestIds(res);
    res.statusCode = 200;
    setHeaders(res, decision.headers);
    appendCorsVary(res);
    res.setHeader('Content-Length', 0);
    res.end();
    return ANSWERED;
  }

  function preflightWithLookup(req: IncomingMessage, res: ServerResponse, address: BucketAddress, lookup: RuleLookup): Step {
    const { bucket, key } = address;
    if (lookup.kind === 'configured') return answerPreflight(req, res, bucket, key, lookup);
    if (lookup.kind === 'unavailable') {
      if (debug.enabled) debug('preflight %s origin=%s: 503 (store unavailable)', bucket, shownOrigin(req.headers.origin));
      sendS3Error(req, res, S3Errors.serviceUnavailable(retryAfterSeconds));
      return ANSWERED;
    }
    if (bucketExists === undefined) return answerPreflight(req, res, bucket, key, NO_CONFIGURATION);
    const exists = bucketExists(bucket, req);
    if (!isPromise(exists)) return answerPreflight(req, res, bucket, key, exists ? NO_CONFIGURATION : NO_BUCKET);
    return exists.then((found) => answerPreflight(req, res, bucket, key, found ? NO_CONFIGURATION : NO_BUCKET));
  }

  function preflight(req: IncomingMessage, res: ServerResponse, address: BucketAddress): Step {
    const lookup = cache.lookup(address.bucket);
    if (!isPromise(lookup)) return preflightWithLookup(req, res, address, lookup);
    return lookup.then((found) => preflightWithLookup(req, res, address, found));
  }

  function actualWithLookup(req: IncomingMessage, res: ServerResponse, bucket: string, key: string, lookup: RuleLookup): typeof NEXT {
    if (lookup.kind === 'unavailable') {
      // Passed on without CORS headers: browsers refuse to read the response (fail closed), the request itself is served.
      if (debug.enabled) debug('actual %s %s origin=%s: no CORS headers (store unavailable)', req.method, bucket, shownOrigin(req.headers.origin));
      if (varyAlways) appendCorsVary(res);
      return NEXT;
    }
    if (lookup.kind === 'none') {
      if (debug.enabled) debug('actual %s %s origin=%s: no CORS headers (no-configuration)', req.method, bucket, shownOrigin(req.headers.origin));
      return NEXT;
    }
    const request = requestInfo(req, key);
    const decision = decideActual(request, lookup);
    if (decision.matched) {
      setHeaders(res, decision.headers);
      appendCorsVary(res);
      if (debug.enabled) debug('actual %s %s origin=%s: rule %d', request.method, bucket, shownOrigin(request.origin), decision.ruleIndex);
    } else {
      if (varyAlways) appendCorsVary(res);
      if (debug.enabled) debug('actual %s %s origin=%s: no CORS headers (%s)', request.method, bucket, shownOrigin(request.origin), decision.reason);
    }
    return NEXT;
  }

  function actual(req: IncomingMessage, res: ServerResponse, address: BucketAddress): Step {
    // Without Origin nothing can match; only the cache-safe mode needs to know whether the bucket is configured.
    if (!varyAlways && (req.headers.origin === undefined || req.headers.origin === '')) return NEXT;
    const lookup = cache.lookup(address.bucket);
    if (!isPromise(lookup)) return actualWithLookup(req, res, address.bucket, address.key, lookup);
    return lookup.then((found) => actualWithLookup(req, res, address.bucket, address.key, found));
  }

  function route(req: IncomingMessage, res: ServerResponse, address: BucketAddress | null): Step {
    if (address !== null) return req.method === 'OPTIONS' ? preflight(req, res, address) : actual(req, res, address);
    if (req.method === 'OPTIONS' && addressing.isServiceRoot(req)) {
      // S3 answers an OPTIONS to the service root as a preflight to a bucket that does not exist (spec §2.2, T54).
      return answerPreflight(req, res, '/', '', NO_BUCKET);
    }
    return NEXT;
  }

  function start(req: IncomingMessage, res: ServerResponse): Step {
    const resolved = resolve(req);
    if (!isPromise(resolved)) return route(req, res, resolved);
    return resolved.then((address) => route(req, res, address));
  }

  /** Logs what a later handler threw out of `next()` on an asynchronous path (nobody else would see it). */
  function reportAfterNext(error: unknown): void {
    try {
      logger.error('express-bucket-cors: a handler after bucketCors threw', error);
    } catch {
      // A logger that throws too: swallowed here, as it would otherwise become an unhandled rejection.
    }
  }

  function continueAfter(step: typeof NEXT | typeof ANSWERED, next: (error?: unknown) => void): void {
    if (step === NEXT) next();
  }

  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    let step: Step;
    try {
      step = start(req, res);
    } catch (error) {
      next(error);
      return;
    }
    if (step === NEXT) next();
    else if (step !== ANSWERED)
      step.then(
        (settled) => continueAfter(settled, next),
        (error: unknown) => next(error),
      ).catch(reportAfterNext);
  };

  return Object.assign(middleware, {
    store,
    close: () => cache.close(),
  });
}

const NO_CONFIGURATION: BucketCorsState = Object.freeze({ kind: 'no-configuration' });
const NO_BUCKET: BucketCorsState = Object.freeze({ kind: 'no-bucket' });
