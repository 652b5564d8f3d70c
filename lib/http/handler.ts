// The request flow of bucketCors, one named step per method: route (which bucket; preflight or actual), preflight, actual, publish (express-bucket-cors/docs/behaviour.md §8, §9).

import createDebug from 'debug';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BucketCorsState } from '../core/compile.js';
import { decideActual, decidePreflight } from '../core/decide.js';
import type { ActualDecision, CorsRequestInfo, PreflightDecision } from '../core/decision.js';
import type { HeaderList } from '../core/model.js';
import { ruleLabel } from '../core/wording.js';
import { decisionChannel, type CorsDecisionEvent, type RuleSource } from '../diagnostics.js';
import type { CandidateRules, RuleCache, RuleLookup } from '../cache/cache.js';
import type { Logger } from '../options.js';
import type { CorsDialect } from './dialect.js';
import type { CacheTagHeader } from './cache-tag.js';
import type { BucketExists } from './options.js';
import { isPromise, type Addressing } from './resolve.js';
import { recordTarget, type RequestTarget } from './target.js';
import { reportCandidate, reportOnlyListened } from './report-only.js';
import { appendCorsVary, hasVary } from './vary.js';

// Each call is guarded by `debug.enabled`: its arguments (a JSON-quoted Origin) would otherwise be built on every request.
const debug = createDebug('express-bucket-cors:middleware');

/** What a {@link CorsRequestHandler} works with: the middleware's options, checked and built once. */
export interface CorsHandlerSettings {
  readonly dialect: CorsDialect;
  readonly cache: RuleCache;
  readonly addressing: Addressing;
  readonly bucketExists: BucketExists | undefined;
  readonly retryAfterSeconds: number;
  readonly logger: Logger;
  readonly varyAlways: boolean;
  /** The compiled `defaultRules`, when given. */
  readonly defaultState: BucketCorsState | undefined;
  /** The compiled `serviceRules`, when given. */
  readonly serviceState: BucketCorsState | undefined;
  /** Whether decision events carry the bucket name and the Origin. */
  readonly eventBucket: boolean;
  readonly eventOrigin: boolean;
  /** The cache-tag header, when asked for. */
  readonly cacheTag: CacheTagHeader | undefined;
}

/** How far the request got synchronously; a promise when it waits for a resolver, the store or `bucketExists`. */
type Step = typeof NEXT | typeof ANSWERED | Promise<typeof NEXT | typeof ANSWERED>;
/** Pass the request on to the next handler. */
const NEXT = 0;
/** The middleware answered (a preflight); nothing else runs. */
const ANSWERED = 1;

/** A step that continues once `value` is known, created once per handler so the synchronous path allocates nothing. */
type Continuation<E, T> = (req: IncomingMessage, res: ServerResponse, extra: E, value: T) => Step;

/** Runs `next` at once when `value` is known, or when its promise settles: one code path for steps synchronous on a hit and asynchronous on a miss. */
function andThen<E, T>(value: T | Promise<T>, next: Continuation<E, T>, req: IncomingMessage, res: ServerResponse, extra: E): Step {
  return isPromise(value) ? value.then((settled) => next(req, res, extra, settled)) : next(req, res, extra, value);
}

/** Longest Origin shown in debug lines. */
const DEBUG_ORIGIN_LENGTH = 80;

/** Sets a matched decision's headers and appends `Vary`, looked for first, while ours are not there yet. */
function setCorsHeaders(res: ServerResponse, headers: HeaderList): void {
  const varyBefore = hasVary(res);
  for (const [name, value] of headers) res.setHeader(name, value);
  appendCorsVary(res, varyBefore);
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

function requestInfo(req: IncomingMessage, target: Pick<RequestTarget, 'resourceType'>): CorsRequestInfo {
  const headers = req.headers;
  scratchRequest.method = req.method ?? 'GET';
  scratchRequest.origin = headers.origin;
  scratchRequest.requestMethod = headerValue(headers['access-control-request-method']);
  scratchRequest.requestHeaders = headerValue(headers['access-control-request-headers']);
  scratchRequest.resourceType = target.resourceType;
  return scratchRequest;
}

/** What a decision is about: a bucket's target, or the service root. */
type DecisionTarget = Pick<RequestTarget, 'bucket' | 'resourceType'>;

const NO_CONFIGURATION: BucketCorsState = Object.freeze({ kind: 'no-configuration' });
const NO_BUCKET: BucketCorsState = Object.freeze({ kind: 'no-bucket' });
/** The service root, answered as a bucket that does not exist. */
const SERVICE_ROOT: DecisionTarget = Object.freeze({ bucket: '/', resourceType: 'BUCKET' });

/** The actual-request outcome for a bucket without rules, decided without looking at the request. */
const NO_CONFIGURATION_DECISION: ActualDecision = Object.freeze({ matched: false, reason: 'no-configuration' });

/** How the rules were found: at once in the cache, after a store read, or without a lookup (service rules). */
type CacheUse = CorsDecisionEvent['cache'];

/**
 * One `bucketCors` middleware's request flow, built once: {@link handle} resolves the target, then
 * {@link route} sends it to {@link preflight} or {@link actual}, each of which {@link publish}es its
 * decision. Every step is synchronous on a cache hit with the built-in addressing; a custom resolver,
 * a store read or `bucketExists` may make it a promise, continued by the same steps.
 */
export class CorsRequestHandler {
  private readonly dialect: CorsDialect;
  private readonly cache: RuleCache;
  private readonly addressing: Addressing;
  private readonly bucketExists: BucketExists | undefined;
  private readonly retryAfterSeconds: number;
  private readonly logger: Logger;
  private readonly varyAlways: boolean;
  private readonly serviceState: BucketCorsState | undefined;
  /** A bucket without rules of its own: the default rules, or none. */
  private readonly unconfigured: BucketCorsState;
  private readonly unconfiguredSource: RuleSource;
  private readonly eventBucket: boolean;
  private readonly eventOrigin: boolean;
  private readonly cacheTag: CacheTagHeader | undefined;
  // The continuations of the asynchronous paths, created once.
  private readonly routeResolved: Continuation<undefined, RequestTarget | null>;
  private readonly preflightMiss: Continuation<RequestTarget, RuleLookup>;
  private readonly actualMiss: Continuation<RequestTarget, RuleLookup>;

  constructor(settings: CorsHandlerSettings) {
    this.dialect = settings.dialect;
    this.cache = settings.cache;
    this.addressing = settings.addressing;
    this.bucketExists = settings.bucketExists;
    this.retryAfterSeconds = settings.retryAfterSeconds;
    this.logger = settings.logger;
    this.varyAlways = settings.varyAlways;
    this.serviceState = settings.serviceState;
    this.unconfigured = settings.defaultState ?? NO_CONFIGURATION;
    this.unconfiguredSource = settings.defaultState === undefined ? 'bucket' : 'default';
    this.eventBucket = settings.eventBucket;
    this.eventOrigin = settings.eventOrigin;
    this.cacheTag = settings.cacheTag;
    this.routeResolved = (req, res, _extra, target) => this.route(req, res, target);
    this.preflightMiss = (req, res, target, lookup) => this.preflight(req, res, target, lookup, 'miss');
    this.actualMiss = (req, res, target, lookup) => this.actualWithLookup(req, res, target, lookup, 'miss');
  }

  /** The middleware: resolves the target, routes it, and calls `next` (exactly once) unless a preflight was answered. */
  handle(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    let step: Step;
    try {
      // Only a custom resolver may answer with a promise: the built-in addressing is never checked for one.
      step = this.addressing.custom
        ? andThen(this.addressing.target(req), this.routeResolved, req, res, undefined)
        : this.route(req, res, this.addressing.target(req) as RequestTarget | null);
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
      ).catch((error: unknown) => this.reportAfterNext(error));
  }

  /** Which bucket, and preflight or actual: records the target for later handlers, then looks its rules up. */
  route(req: IncomingMessage, res: ServerResponse, target: RequestTarget | null): Step {
    const preflight = req.method === 'OPTIONS';
    // A preflight to a bucket is answered here, so nothing after reads its target: only the others carry one.
    if (!preflight) recordTarget(req, target);
    // Every response for a bucket, so a purge by its tag leaves no copy of it behind.
    if (target !== null && this.cacheTag !== undefined) this.cacheTag.tag(res, target.bucket);
    const origin = req.headers.origin;
    // Without Origin nothing can match; only the cache-safe mode needs to know whether the bucket is configured.
    if (!preflight && !this.varyAlways && (origin === undefined || origin === '')) return NEXT;
    if (target !== null) {
      const lookup = this.cache.lookup(target.bucket);
      if (preflight) return isPromise(lookup) ? andThen(lookup, this.preflightMiss, req, res, target) : this.preflight(req, res, target, lookup, 'hit');
      return isPromise(lookup) ? andThen(lookup, this.actualMiss, req, res, target) : this.actualWithLookup(req, res, target, lookup, 'hit');
    }
    const serviceState = this.serviceState;
    // Requests naming no bucket are the service's own with a custom resolver; with the built-in addressing only the root is.
    if (serviceState !== undefined && (this.addressing.custom || this.addressing.isServiceRoot(req)))
      return preflight ? this.answerPreflight(req, res, SERVICE_ROOT, serviceState, 'service', 'none') : this.actual(req, res, SERVICE_ROOT, serviceState, 'service', 'none');
    // S3 answers an OPTIONS to the service root as a preflight to a bucket that does not exist (express-bucket-cors/docs/behaviour.md §2.2, T54).
    if (preflight && this.addressing.isServiceRoot(req)) return this.answerPreflight(req, res, SERVICE_ROOT, NO_BUCKET, 'service', 'none');
    return NEXT;
  }

  /** The bucket's state for a preflight: `bucketExists` tells "no bucket" from "no configuration". */
  preflight(req: IncomingMessage, res: ServerResponse, target: RequestTarget, lookup: RuleLookup, cacheUse: CacheUse): Step {
    if (lookup.candidate !== undefined) this.reportOnly(req, target, lookup, lookup.candidate);
    if (lookup.kind !== 'no-configuration') return this.answerPreflight(req, res, target, lookup, 'bucket', cacheUse);
    if (this.bucketExists === undefined) return this.answerPreflight(req, res, target, this.unconfigured, this.unconfiguredSource, cacheUse);
    return andThen(
      this.bucketExists(target.bucket, req),
      (request, response, at, exists: boolean) =>
        exists ? this.answerPreflight(request, response, at, this.unconfigured, this.unconfiguredSource, cacheUse) : this.answerPreflight(request, response, at, NO_BUCKET, 'bucket', cacheUse),
      req,
      res,
      target,
    );
  }

  /** Decides the preflight and answers it: 200 with the matched rule's headers, or the dialect's refusal. */
  answerPreflight(req: IncomingMessage, res: ServerResponse, target: DecisionTarget, state: BucketCorsState, source: RuleSource, cacheUse: CacheUse): typeof ANSWERED {
    const request = requestInfo(req, target);
    const decision = decidePreflight(request, state);
    if (decisionChannel.hasSubscribers) this.publish(req, target, 'preflight', decision, source, cacheUse);
    if (!decision.allowed) {
      if (this.varyAlways && state.kind === 'configured') appendCorsVary(res, hasVary(res));
      this.dialect.refusePreflight(req, res, decision, this.retryAfterSeconds);
      if (debug.enabled) debug('preflight %s %s origin=%s: %d (%s, %s rules)', target.bucket, request.resourceType, shownOrigin(request.origin), res.statusCode, decision.reason, source);
      return ANSWERED;
    }
    if (debug.enabled) debug('preflight %s %s origin=%s: 200 by %s (%s rules)', target.bucket, request.resourceType, shownOrigin(request.origin), ruleLabel(decision.ruleIndex, undefined), source);
    this.dialect.beforeAllowedPreflight(res);
    res.statusCode = 200;
    setCorsHeaders(res, decision.headers);
    res.setHeader('Content-Length', 0);
    res.end();
    return ANSWERED;
  }

  /** The bucket's rules for an actual request: its own, or those for buckets without any. */
  private actualWithLookup(req: IncomingMessage, res: ServerResponse, target: RequestTarget, lookup: RuleLookup, cacheUse: CacheUse): typeof NEXT {
    if (lookup.candidate !== undefined) this.reportOnly(req, target, lookup, lookup.candidate);
    return lookup.kind === 'no-configuration'
      ? this.actual(req, res, target, this.unconfigured, this.unconfiguredSource, cacheUse)
      : this.actual(req, res, target, lookup, 'bucket', cacheUse);
  }

  /** Decides an actual request and sets the matched rule's headers before the request goes on. */
  actual(req: IncomingMessage, res: ServerResponse, target: DecisionTarget, state: BucketCorsState, source: RuleSource, cacheUse: CacheUse): typeof NEXT {
    if (state.kind === 'no-configuration') {
      if (decisionChannel.hasSubscribers) this.publish(req, target, 'actual', NO_CONFIGURATION_DECISION, source, cacheUse);
      if (debug.enabled) debug('actual %s %s origin=%s: no CORS headers (no-configuration)', req.method, target.bucket, shownOrigin(req.headers.origin));
      return NEXT;
    }
    const request = requestInfo(req, target);
    const decision = decideActual(request, state);
    if (decisionChannel.hasSubscribers) this.publish(req, target, 'actual', decision, source, cacheUse);
    if (decision.matched) {
      // Not logged: the headers show the match, and reading the debug switch alone costs more than the
      // rest of a hit's own work (`bench/instructions.mjs`); the decision channel counts matches.
      setCorsHeaders(res, decision.headers);
    } else {
      // Unavailable rules pass the request on without CORS headers: browsers refuse to read the response (fail closed).
      if (this.varyAlways) appendCorsVary(res, hasVary(res));
      if (debug.enabled) debug('actual %s %s origin=%s: no CORS headers (%s)', request.method, target.bucket, shownOrigin(request.origin), decision.reason);
    }
    return NEXT;
  }

  /**
   * Report-only: the bucket's candidate decides the request too, and a different answer is published
   * (never sent); the enforced side is what this request gets, a bucket without rules answered by the
   * deployment's `defaultRules` as it exists.
   */
  private reportOnly(req: IncomingMessage, target: RequestTarget, lookup: RuleLookup, candidate: CandidateRules): void {
    if (!reportOnlyListened()) return;
    reportCandidate(this.dialect.name, target, requestInfo(req, target), lookup.kind === 'no-configuration' ? this.unconfigured : lookup, candidate);
  }

  /** Publishes one decision event; called only when the channel has subscribers. */
  publish(req: IncomingMessage, target: DecisionTarget, kind: 'preflight' | 'actual', decision: PreflightDecision | ActualDecision, source: RuleSource, cacheUse: CacheUse): void {
    const ok = 'allowed' in decision ? decision.allowed : decision.matched;
    decisionChannel.publish({
      dialect: this.dialect.name,
      kind,
      outcome: kind === 'preflight' ? (ok ? 'allowed' : 'refused') : ok ? 'matched' : 'unmatched',
      reason: 'reason' in decision ? decision.reason : null,
      rule: 'ruleIndex' in decision ? decision.ruleIndex : null,
      cache: cacheUse,
      source,
      ...(this.eventBucket && { bucket: target.bucket }),
      ...(this.eventOrigin && req.headers.origin !== undefined && { origin: req.headers.origin }),
    } satisfies CorsDecisionEvent);
  }

  /** Logs what a later handler threw out of `next()` on an asynchronous path (nobody else would see it). */
  private reportAfterNext(error: unknown): void {
    try {
      this.logger.error('express-bucket-cors: a handler after bucketCors threw', error);
    } catch {
      // A logger that throws too: swallowed here, as it would otherwise become an unhandled rejection.
    }
  }
}
