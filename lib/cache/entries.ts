// The rule cache's storage: bucket entries in least-recently-used order, bounded in count and in estimated bytes, pointing at compiled answers shared by content.

import type { CompiledRules } from '../core/compile.js';

/** A bucket's report-only candidate, compiled: decided beside the enforced rules, never answered with. */
export interface CandidateRules {
  readonly state: { readonly kind: 'configured'; readonly rules: CompiledRules };
  readonly version: string;
}

/** An answer from the bucket's stored content; `candidate` only when the bucket has a report-only candidate. */
export type CachedLookup =
  | { readonly kind: 'configured'; readonly rules: CompiledRules; readonly candidate?: CandidateRules }
  /** The bucket has no CORS configuration. */
  | { readonly kind: 'no-configuration'; readonly candidate?: CandidateRules };

/** What the cache knows about a bucket's CORS rules. */
export type RuleLookup =
  | CachedLookup
  /**
   * The store failed or timed out and nothing is cached for the bucket, or its entry is unusable
   * (`error` is then an `UnusableEntryError` or a `RuleViolationError`, and this answer is cached for
   * a few seconds).
   */
  | { readonly kind: 'unavailable'; readonly error: unknown; readonly candidate?: undefined };

/**
 * One distinct answer, shared by every cached bucket whose configuration has the same content, so
 * that identical configurations are compiled and kept once.
 */
export interface SharedAnswer {
  readonly lookup: RuleLookup;
  /** What identifies the content (see `contentKey` in size.ts); `undefined` for 'no-configuration' and refusals, which are never counted. */
  readonly contentKey: string | undefined;
  /** Estimated heap bytes of the compiled rules and the content key, counted once however many buckets hold them. */
  readonly bytes: number;
  /** Cached buckets pointing at this answer; it leaves the cache with the last of them. */
  holders: number;
}

/**
 * The expiry of an entry kept through a flush: the next lookup reads the store and waits for it
 * like a miss, and the entry is served only if that read fails (last-known rules).
 */
export const MUST_REVALIDATE = -Infinity;

/**
 * The stored version an entry was read at: `null` for a bucket without a configuration, `undefined`
 * when the store did not say (or the entry is a refusal).
 */
export type EntryVersion = string | null | undefined;

/** One cached bucket: its key, a pointer to a shared answer, the version it was read at, an expiry and its place in the recency list. */
export class CacheEntry {
  /** Neighbours in the recency list: `newer` towards the most recently used end. */
  older: CacheEntry | undefined = undefined;
  newer: CacheEntry | undefined = undefined;

  constructor(
    readonly bucket: string,
    readonly answer: SharedAnswer,
    readonly version: EntryVersion,
    /** `Date.now()` after which the store is asked again, or {@link MUST_REVALIDATE}. */
    public expiresAt: number,
  ) {}
}

/**
 * A copy of `text` that holds its characters itself. A bucket name sliced from a request's URL is a
 * V8 sliced string (13 characters or more) that keeps the whole URL alive for as long as the bucket
 * is cached, where the byte estimate counts the name alone. Copied once, when the bucket's entry is
 * created; a JSON round trip is the one standard way to get a flat copy.
 */
function stringOfItsOwn(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * Buckets → entries, in least-recently-used order (an intrusive list: a hit only relinks, it never
 * allocates or hashes again), evicted oldest first whenever there are more than `maxEntries` or the
 * estimated bytes (each entry's own size plus each distinct shared answer once) exceed `maxBytes`.
 */
export class CacheEntries {
  readonly #byBucket = new Map<string, CacheEntry>();
  /** Shared answers by content key, each held by at least one entry. */
  readonly #answers = new Map<string, SharedAnswer>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #entryBytes: (bucket: string, version: EntryVersion) => number;
  #oldest: CacheEntry | undefined = undefined;
  #newest: CacheEntry | undefined = undefined;
  #bytes = 0;

  /** @param entryBytes estimated bytes of one entry for `bucket` at `version`, its key included (not its answer). */
  constructor(maxEntries: number, maxBytes: number, entryBytes: (bucket: string, version: EntryVersion) => number) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#entryBytes = entryBytes;
  }

  /** Number of cached buckets. */
  get size(): number {
    return this.#byBucket.size;
  }

  /** Estimated bytes of everything cached: the entries and, once each, the answers they share. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of distinct answers the entries share. */
  get distinctAnswers(): number {
    return this.#answers.size;
  }

  /** The shared answer with this content key, if some cached bucket holds it. */
  answerFor(contentKey: string): SharedAnswer | undefined {
    return this.#answers.get(contentKey);
  }

  /** Whether an entry for `bucket` holding an answer of `answerBytes` can stay cached without evicting itself. */
  fits(bucket: string, version: EntryVersion, answerBytes: number): boolean {
    return answerBytes + this.#entryBytes(bucket, version) <= this.#maxBytes;
  }

  /** The bucket's entry, marked most recently used. */
  get(bucket: string): CacheEntry | undefined {
    const entry = this.#byBucket.get(bucket);
    if (entry !== undefined && entry !== this.#newest) {
      this.#unlink(entry);
      this.#linkNewest(entry);
    }
    return entry;
  }

  /** The bucket's entry, its recency unchanged. */
  peek(bucket: string): CacheEntry | undefined {
    return this.#byBucket.get(bucket);
  }

  /**
   * Caches `answer` for `bucket` at `version` (replacing its entry, or only renewing its expiry when it
   * holds this very answer at this version already), sharing an equal answer already held by another bucket, then evicts least
   * recently used entries until both bounds hold again — this one too when it alone exceeds
   * `maxBytes`. Returns the answer to hand out (the shared one).
   */
  set(bucket: string, answer: SharedAnswer, version: EntryVersion, expiresAt: number): RuleLookup {
    const current = this.get(bucket);
    if (current !== undefined && current.answer === answer && current.version === version) {
      // A refresh that found the same content: the entry stays, trusted for longer (nothing to count again).
      current.expiresAt = expiresAt;
      return answer.lookup;
    }
    if (current !== undefined) this.#remove(current);
    const shared = this.#retain(answer);
    const name = current?.bucket ?? stringOfItsOwn(bucket);
    const entry = new CacheEntry(name, shared, version, expiresAt);
    this.#byBucket.set(name, entry);
    this.#linkNewest(entry);
    this.#bytes += this.#entryBytes(name, version);
    while (this.#oldest !== undefined && (this.#byBucket.size > this.#maxEntries || this.#bytes > this.#maxBytes)) this.#remove(this.#oldest);
    return shared.lookup;
  }

  /** Drops the bucket's entry; returns whether there was one. */
  delete(bucket: string): boolean {
    const entry = this.#byBucket.get(bucket);
    if (entry === undefined) return false;
    this.#remove(entry);
    return true;
  }

  /** Marks every entry {@link MUST_REVALIDATE}, keeping it as last-known rules. */
  revalidateAll(): void {
    for (const entry of this.#byBucket.values()) entry.expiresAt = MUST_REVALIDATE;
  }

  /** Drops every entry and shared answer. */
  clear(): void {
    // An answer handed out before may come back through `set` (a read that was in flight): it must start from no holders.
    for (const answer of this.#answers.values()) answer.holders = 0;
    this.#byBucket.clear();
    this.#answers.clear();
    this.#oldest = this.#newest = undefined;
    this.#bytes = 0;
  }

  /** The canonical shared answer for `answer`'s content, held once more. */
  #retain(answer: SharedAnswer): SharedAnswer {
    if (answer.contentKey === undefined) return answer;
    let shared = this.#answers.get(answer.contentKey);
    if (shared === undefined) {
      shared = answer;
      this.#answers.set(answer.contentKey, shared);
      this.#bytes += shared.bytes;
    }
    shared.holders++;
    return shared;
  }

  #remove(entry: CacheEntry): void {
    this.#byBucket.delete(entry.bucket);
    this.#unlink(entry);
    this.#bytes -= this.#entryBytes(entry.bucket, entry.version);
    const { answer } = entry;
    if (answer.contentKey !== undefined && --answer.holders === 0) {
      this.#answers.delete(answer.contentKey);
      this.#bytes -= answer.bytes;
    }
  }

  #linkNewest(entry: CacheEntry): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
  }

  #unlink(entry: CacheEntry): void {
    const { older, newer } = entry;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    entry.older = entry.newer = undefined;
  }
}
