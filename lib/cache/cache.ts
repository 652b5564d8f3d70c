// The local cache in front of any store: compiled rules per bucket (shared by content), bounded in entries and bytes, one load per miss, lookup timeout, stale rules on store failure.

import createDebug from 'debug';
import { compileKeeping } from '../core/compile.js';
import { assertValidRules, MAX_STORED_RULES_CHARACTERS, RuleViolationError, STORED_RULES_PROFILE } from '../core/validate.js';
import { invalidationChannel, invalidationReceived, storeErrorChannel, type StoreErrorEvent } from '../diagnostics.js';
import { SharedDeadlines } from '../deadlines.js';
import { durationMs, loggerOption, optionalFunction, readOptions, wholeNumber, type Logger, type OptionChecks } from '../options.js';
import { CacheEntries, MUST_REVALIDATE, type CacheEntry, type CachedLookup, type CandidateRules, type EntryVersion, type RuleLookup, type SharedAnswer } from './entries.js';
import { compiledBytes, configurationOfKey, contentKey, entryBytes, unsharedBytes } from './size.js';
import { errorKind, errorMessage, isUnusableEntryError, StoreErrorLog, UnusableEntryError } from '../store/errors.js';
import { isSharedConfiguration } from '../store/content.js';
import type { InvalidationEvent, RuleStore, StoredConfiguration, StoredRules } from '../store/types.js';

const debug = createDebug('express-bucket-cors:cache');

export type { CandidateRules, RuleLookup } from './entries.js';

/** Default {@link RuleCacheOptions.max}. */
export const DEFAULT_CACHE_MAX = 500_000;
/** Default {@link RuleCacheOptions.maxBytes}: 64 MiB. */
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Default {@link RuleCacheOptions.ttlMs} for a shared store (Redis). */
export const DEFAULT_SHARED_TTL_MS = 60_000;
/** Default {@link RuleCacheOptions.lookupTimeoutMs}. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 1_000;
/** After a failed refresh, last-known rules are served without asking the store for this long (at most the TTL). */
export const STALE_RETRY_MS = 5_000;
/**
 * Expired entries found within this many ms are refreshed together: their reads leave in one turn,
 * so a Redis store sends them as one MGET. Under load, refreshes outnumber misses (every popular
 * bucket expires once per TTL) and one round trip each would cost more CPU than the requests.
 */
export const REFRESH_BATCH_MS = 50;

/** Options of {@link RuleCache}. */
export interface RuleCacheOptions {
  /** Most buckets kept (least recently used dropped first). Default: 500,000. */
  readonly max?: number;
  /**
   * Most bytes the cache may hold by its own estimate (least recently used buckets dropped first):
   * each bucket's entry (about 150 bytes plus its name) and, once however many buckets share it, each
   * distinct configuration's compiled rules (about 1.4 KB for 3 short rules, 120 KB for 100 rules near
   * S3's 64 KB size limit, a few MB for the largest MediaStore policy). A configuration larger
   * than the whole budget is refused before it is compiled, as an unusable entry: one line is logged
   * and the bucket answers as unavailable (503 to preflights), kept for 5 s (at most `ttlMs`) before the
   * store is read again. Default: 64 MiB (67,108,864), which holds the largest configuration any
   * dialect can store.
   */
  readonly maxBytes?: number;
  /**
   * How long an entry is trusted before the store is asked again: a safety net for invalidations
   * that never arrived. The first request after expiry still gets the entry, while one store read
   * refreshes it in the background, together with the other entries found expired within 50 ms (so
   * rules are at most about `ttlMs` plus 50 ms plus one read old). Default:
   * 60,000 ms for a shared store (`store.shared !== false`), no expiry for a single-process store
   * (its invalidations cannot be lost). `Infinity` disables expiry.
   */
  readonly ttlMs?: number;
  /**
   * How long one store read may take before the lookup gives up (the read's `signal` aborts) and
   * answers with last-known rules or `unavailable`. Reads started within a tenth of it share one
   * deadline, so a read is given up on after 0.9 to 1 times this. Default: 1,000 ms.
   */
  readonly lookupTimeoutMs?: number;
  /** Where store errors go, at most one line per kind per 10 s. Default: `console`. */
  readonly logger?: Logger;
  /** Called on every store failure (timeouts included), e.g. to count them in metrics. Default: none. */
  readonly onStoreError?: (error: unknown, bucket: string) => void;
}

/** What the cache holds, by its own estimate (see {@link RuleCacheOptions.maxBytes}). */
export interface RuleCacheUsage {
  /** Buckets cached, with rules or without a configuration. */
  readonly buckets: number;
  /** Distinct configurations among them, each compiled and counted once. */
  readonly configurations: number;
  /** Estimated heap bytes of all of it. */
  readonly bytes: number;
}

/** One store read in progress; invalidations replace it, so a superseded read never fills the cache. */
interface InFlightLoad {
  readonly promise: Promise<RuleLookup>;
}

const NO_CONFIGURATION: SharedAnswer = Object.freeze({ lookup: Object.freeze({ kind: 'no-configuration' }), contentKey: undefined, bytes: 0, holders: 0 });

/** A stored configuration's version as an entry keeps it: one of another type (a store of your own) is not kept, as it could not be compared with an invalidation's. */
const entryVersionOf = (stored: StoredConfiguration): EntryVersion => (typeof stored.version === 'string' ? stored.version : undefined);

/**
 * Whether `entry` was read at the versions a bucket invalidation announces: the rules' version and,
 * when it names one (a promotion, a bucket dropped), the report-only candidate's (`null`: none).
 */
function readAtAnnounced(entry: CacheEntry | undefined, event: Extract<InvalidationEvent, { type: 'bucket' }>): boolean {
  if (entry === undefined || event.version === undefined || entry.version !== event.version) return false;
  return event.candidateVersion === undefined || (entry.answer.lookup.candidate?.version ?? null) === event.candidateVersion;
}

/** What one store read found: the answer to cache, and the version it was read at. */
interface ReadAnswer {
  readonly answer: SharedAnswer;
  readonly version: EntryVersion;
}

const READ_NO_CONFIGURATION: ReadAnswer = Object.freeze({ answer: NO_CONFIGURATION, version: null });

/**
 * The checks of {@link RuleCacheOptions} for a cache in front of `store` (the default TTL depends on
 * whether the store is shared); `bucketCors` runs them on its `cache` option to name `cache.<key>`.
 */
export function ruleCacheOptionChecks(store: RuleStore) {
  return {
    max: wholeNumber(1, DEFAULT_CACHE_MAX, 'buckets'),
    maxBytes: wholeNumber(1, DEFAULT_CACHE_MAX_BYTES, 'bytes'),
    ttlMs: durationMs(store.shared === false ? Infinity : DEFAULT_SHARED_TTL_MS, 'for no expiry'),
    lookupTimeoutMs: durationMs(DEFAULT_LOOKUP_TIMEOUT_MS),
    logger: loggerOption,
    onStoreError: optionalFunction<(error: unknown, bucket: string) => void>('(error, bucket) => void'),
  } satisfies OptionChecks<RuleCacheOptions>;
}

/**
 * Compiled rules per bucket in front of a {@link RuleStore}. `lookup` answers synchronously from a
 * cached entry (refreshing an expired one in the background); otherwise it reads the store once for
 * any number of concurrent callers, bounded by
 * `lookupTimeoutMs`. When the store fails, last-known rules keep being served; with nothing cached
 * the answer is `unavailable`. An unusable stored entry (longer than any dialect can store, too large
 * for `maxBytes`, or invalid) is answered the same way without being compiled, and that refusal is
 * kept for 5 s. So a read of a bucket keeps the event loop busy no longer than compiling the largest
 * configuration a dialect accepts, as measured by bench/compile-bound.mjs. A 'bucket' invalidation
 * drops the bucket's entry, unless the entry was read at the very version the invalidation announces;
 * 'all' makes every entry read the store again on its next lookup (served
 * only if that read fails). Never rejects.
 */
export class RuleCache {
  /** One read of a bucket: with its report-only candidate when the store keeps candidates. */
  readonly #readRules: (bucket: string, signal: AbortSignal) => Promise<StoredRules>;
  readonly #entries: CacheEntries;
  readonly #loading = new Map<string, InFlightLoad>();
  /**
   * The answer compiled from each shared configuration object a read returned, held weakly both
   * ways: the built-in stores hand out one object for equal rules, so a miss of known content is one
   * lookup, with no content key written, while the answer still leaves with its last bucket.
   */
  readonly #answersByObject = new WeakMap<object, WeakRef<SharedAnswer>>();
  /** Expired buckets waiting for the next batch of refreshes. */
  #refreshes = new Set<string>();
  #refreshTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  readonly #ttlMs: number;
  readonly #lookupTimeoutMs: number;
  readonly #maxBytes: number;
  readonly #deadlines: SharedDeadlines;
  readonly #errorLog: StoreErrorLog;
  readonly #onStoreError: ((error: unknown, bucket: string) => void) | undefined;
  readonly #unsubscribe: () => void;

  constructor(store: RuleStore, options: RuleCacheOptions = {}) {
    if (store === null || typeof store !== 'object' || typeof store.get !== 'function' || typeof store.subscribe !== 'function') {
      throw new TypeError('RuleCache: `store` must implement RuleStore (get, put, delete, subscribe), e.g. new MemoryRuleStore()');
    }
    const { max, maxBytes, ttlMs, lookupTimeoutMs, logger, onStoreError } = readOptions('RuleCache', options, ruleCacheOptionChecks(store));
    this.#ttlMs = ttlMs;
    this.#lookupTimeoutMs = lookupTimeoutMs;
    this.#maxBytes = maxBytes;
    this.#deadlines = new SharedDeadlines(lookupTimeoutMs);
    this.#errorLog = new StoreErrorLog(logger);
    this.#onStoreError = onStoreError;
    this.#readRules =
      store.features?.reportOnly === true && typeof store.getRules === 'function'
        ? (bucket, signal) => store.getRules!(bucket, { signal })
        : async (bucket, signal) => ({ enforced: await store.get(bucket, { signal }), candidate: null });
    this.#entries = new CacheEntries(max, maxBytes, entryBytes);
    this.#unsubscribe = store.subscribe(this.#onInvalidation);
    debug('cache: max %d buckets, %d bytes, ttl %d ms, lookup timeout %d ms', max, maxBytes, this.#ttlMs, this.#lookupTimeoutMs);
  }

  /** What is cached now, by the cache's own estimate. */
  get usage(): RuleCacheUsage {
    return { buckets: this.#entries.size, configurations: this.#entries.distinctAnswers, bytes: this.#entries.bytes };
  }

  /**
   * The bucket's rules: returned directly (not a promise) when an entry is cached, the hot path (an
   * expired one also starts a background refresh); otherwise a promise that settles within about
   * `lookupTimeoutMs` and never rejects.
   */
  lookup(bucket: string): RuleLookup | Promise<RuleLookup> {
    const entry = this.#entries.get(bucket);
    if (entry !== undefined) {
      const { lookup } = entry.answer;
      // No debug line on a hit (bucketCors logs decisions), and no clock read when nothing expires.
      const expiresAt = entry.expiresAt;
      if (expiresAt === Infinity || expiresAt > Date.now()) return lookup;
      // Expired: the TTL only guards against lost invalidations, so the request is not made to wait
      // for the store; it gets the entry while a background read (with others, never rejecting) refreshes it.
      if (expiresAt !== MUST_REVALIDATE) {
        if (!this.#loading.has(bucket) && !this.#refreshes.has(bucket)) this.#queueRefresh(bucket);
        return lookup;
      }
      // Flushed: rules may have changed unheard, so read them as on a miss; the entry stays for #failed.
    }
    const pending = this.#loading.get(bucket);
    if (pending !== undefined) {
      debug('miss %s: joining the read in progress', bucket);
      return pending.promise;
    }
    debug('miss %s: reading the store', bucket);
    return this.#load(bucket);
  }

  #queueRefresh(bucket: string): void {
    debug('expired %s: refreshing in the background', bucket);
    this.#refreshes.add(bucket);
    if (this.#refreshTimer !== undefined) return;
    this.#refreshTimer = setTimeout(this.#refreshQueued, REFRESH_BATCH_MS);
    this.#refreshTimer.unref();
  }

  /** Reads every queued bucket still cached and not being read already, in this one turn. */
  readonly #refreshQueued = (): void => {
    const buckets = this.#refreshes;
    this.#refreshes = new Set();
    this.#refreshTimer = undefined;
    for (const bucket of buckets) if (!this.#loading.has(bucket) && this.#entries.peek(bucket) !== undefined) void this.#load(bucket);
  };

  /** Starts the one store read of `bucket`; the promise never rejects. */
  #load(bucket: string): Promise<RuleLookup> {
    const load: InFlightLoad = {
      promise: this.#read(bucket).then(
        (lookup) => this.#loaded(bucket, load, lookup),
        (error: unknown) => this.#failed(bucket, load, error),
      ),
    };
    this.#loading.set(bucket, load);
    return load.promise;
  }

  /** Stops listening to the store's invalidations and empties the cache. Does not close the store. */
  close(): void {
    this.#unsubscribe();
    this.#entries.clear();
    this.#loading.clear();
    this.#refreshes.clear();
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
  }

  /**
   * One store read, checked and compiled unless a cached bucket already holds the same content
   * (which passed the checks when it was compiled); rejects on store failure, on timeout and on
   * content the cache will not use.
   */
  async #read(bucket: string): Promise<ReadAnswer> {
    const { enforced: stored, candidate } = await this.#deadlines.run((signal) => this.#readRules(bucket, signal));
    if (candidate !== null) return this.#withCandidate(bucket, stored, candidate);
    if (stored === null) return READ_NO_CONFIGURATION;
    debug('loaded %s version %s', bucket, stored.version);
    const version = entryVersionOf(stored);
    const { configuration } = stored;
    const shared = typeof configuration === 'object' && configuration !== null && isSharedConfiguration(configuration);
    const known = shared ? this.#answersByObject.get(configuration)?.deref() : undefined;
    if (known !== undefined) return { answer: known, version };
    const key = contentKey(configuration);
    const answer = (key === undefined ? undefined : this.#entries.answerFor(key)) ?? this.#compile(bucket, version, configuration, key);
    if (shared) this.#answersByObject.set(configuration, new WeakRef(answer));
    return { answer, version };
  }

  /**
   * The bucket's answer with its report-only candidate compiled beside it, both counted in its bytes
   * and shared only by buckets holding the same pair at the same candidate version. A candidate the
   * cache will not use is logged and left out: it never changes what the enforced rules answer.
   */
  #withCandidate(bucket: string, stored: StoredConfiguration | null, candidate: StoredConfiguration): ReadAnswer {
    debug('loaded %s version %s, candidate version %s', bucket, stored?.version ?? '-', candidate.version);
    const version = stored === null ? null : entryVersionOf(stored);
    const enforcedKey = stored === null ? '' : contentKey(stored.configuration);
    const candidateKey = contentKey(candidate.configuration);
    const key = enforcedKey === undefined || candidateKey === undefined ? undefined : `${enforcedKey}\ncandidate ${candidate.version}\n${candidateKey}`;
    const shared = key === undefined ? undefined : this.#entries.answerFor(key);
    if (shared !== undefined) return { answer: shared, version };
    const enforced = stored === null ? NO_CONFIGURATION : this.#compile(bucket, version, stored.configuration, enforcedKey);
    let compiled: SharedAnswer;
    try {
      compiled = this.#compile(bucket, version, candidate.configuration, candidateKey);
      if (!this.#entries.fits(bucket, version, enforced.bytes + compiled.bytes)) throw new UnusableEntryError('ENTRY_OVER_BUDGET', `with its rules, it would take more than cache.maxBytes (${this.#maxBytes})`);
    } catch (error) {
      this.#errorLog.report(error, (kind) => `express-bucket-cors: ignoring the report-only candidate of bucket ${JSON.stringify(bucket)} (${kind}): ${errorMessage(error)}; the enforced rules answer as before`);
      return { answer: enforced, version };
    }
    const state = compiled.lookup as CandidateRules['state'];
    const answer: SharedAnswer = { lookup: { ...(enforced.lookup as CachedLookup), candidate: { state, version: candidate.version } }, contentKey: key, bytes: enforced.bytes + compiled.bytes, holders: 0 };
    return { answer, version };
  }

  /**
   * Content no cached bucket holds, compiled after three checks that each cost less than the next: its
   * length (no dialect stores more, and compiling more has no bound: express-bucket-cors/docs/behaviour.md §18.1), its
   * rules (what a store hands back may not have come through a router, and its values end up in
   * response headers), and its estimated size against the whole budget. Throws an
   * `UnusableEntryError` or a `RuleViolationError`.
   */
  #compile(bucket: string, version: EntryVersion, configuration: unknown, key: string | undefined): SharedAnswer {
    if (key !== undefined && key.length > MAX_STORED_RULES_CHARACTERS) {
      throw new UnusableEntryError('ENTRY_TOO_LARGE', `its rules have ${key.length} characters of JSON, more than the ${MAX_STORED_RULES_CHARACTERS} any dialect can store`);
    }
    const valid = assertValidRules(configuration, STORED_RULES_PROFILE);
    // Defined: a valid configuration is an object with a CORSRules array of plain JSON values.
    const validKey = key as string;
    const bytes = compiledBytes(valid, validKey);
    if (!this.#entries.fits(bucket, version, bytes)) {
      throw new UnusableEntryError('ENTRY_OVER_BUDGET', `its rules would take about ${bytes} bytes once compiled, more than cache.maxBytes (${this.#maxBytes})`);
    }
    const { rules, unshared } = compileKeeping(valid, validKey, configurationOfKey);
    return { lookup: { kind: 'configured', rules }, contentKey: validKey, bytes: bytes + unsharedBytes(unshared), holders: 0 };
  }

  #loaded(bucket: string, load: InFlightLoad, { answer, version }: ReadAnswer): RuleLookup {
    if (this.#loading.get(bucket) !== load) {
      debug('not caching %s: invalidated while it was read', bucket);
      return answer.lookup;
    }
    this.#loading.delete(bucket);
    return this.#entries.set(bucket, answer, version, Date.now() + this.#ttlMs);
  }

  #failed(bucket: string, load: InFlightLoad, error: unknown): RuleLookup {
    const current = this.#loading.get(bucket) === load;
    if (current) this.#loading.delete(bucket);
    const last = this.#entries.peek(bucket);
    const unusable = isUnusableEntryError(error) || error instanceof RuleViolationError;
    this.#reportStoreError(error, bucket, last !== undefined && last.answer.lookup.kind !== 'unavailable', unusable);
    // Don't make every request wait for a store that just failed, nor read, parse and check an unusable
    // entry again per request: trust the old entry (or the refusal) a little longer.
    const retryAt = Date.now() + Math.min(this.#ttlMs, STALE_RETRY_MS);
    if (last === undefined) {
      if (!unusable || !current) return { kind: 'unavailable', error };
      return this.#entries.set(bucket, { lookup: { kind: 'unavailable', error }, contentKey: undefined, bytes: 0, holders: 0 }, undefined, retryAt);
    }
    if (current) last.expiresAt = retryAt;
    debug('serving the last answer for %s after a store error', bucket);
    return last.answer.lookup;
  }

  #reportStoreError(error: unknown, bucket: string, servingStale: boolean, unusable: boolean): void {
    if (storeErrorChannel.hasSubscribers) storeErrorChannel.publish({ caller: 'lookup', kind: errorKind(error), servedStale: servingStale } satisfies StoreErrorEvent);
    try {
      this.#onStoreError?.(error, bucket);
    } catch (hookError) {
      debug('onStoreError threw: %O', hookError);
    }
    const what = unusable ? 'refusing the stored rules of' : 'rule store failed for';
    const outcome = servingStale ? 'serving last-known rules' : 'no rules cached, answering as unavailable';
    const logged = this.#errorLog.report(error, (kind) => `express-bucket-cors: ${what} bucket ${JSON.stringify(bucket)} (${kind}): ${errorMessage(error)}; ${outcome}`);
    if (!logged) debug('store error for %s, not logged again yet: %O', bucket, error);
  }

  readonly #onInvalidation = (event: InvalidationEvent): void => {
    if (invalidationChannel.hasSubscribers) invalidationChannel.publish(invalidationReceived(event));
    if (event.type === 'all') {
      // Kept, not dropped: the store may still be unreachable (a subscriber reconnects to a promoted
      // replica before the command connection does), and last-known rules beat a 503 then.
      debug('invalidation: %d entries to read again', this.#entries.size);
      this.#entries.revalidateAll();
      this.#loading.clear();
      this.#refreshes.clear();
    } else if (readAtAnnounced(this.#entries.peek(event.bucket), event)) {
      // Old news: the entry was read at the version the change made (an instance can read it before
      // the change's message arrives). Dropping it would only cost a read, or a 503 if Redis is down by then.
      debug('invalidation: %s already at version %s', event.bucket, event.version);
    } else {
      debug('invalidation: %s', event.bucket);
      this.#entries.delete(event.bucket);
      this.#loading.delete(event.bucket);
      this.#refreshes.delete(event.bucket);
    }
  };
}
