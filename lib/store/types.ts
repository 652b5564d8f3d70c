// The rule store contract: what any backend (memory, Redis, your own) must provide.

import type { CorsConfiguration } from '../core/model.js';

/** A bucket's configuration as a store holds it, with the version the store assigned on write. */
export interface StoredConfiguration {
  /** The validated configuration, exactly as put. */
  readonly configuration: CorsConfiguration;
  /** Opaque, changes on every put; lets caches tell an old copy from a new one. */
  readonly version: string;
}

/**
 * What a store tells its subscribers: one bucket's rules changed (`bucket`), or anything may have
 * changed and every cached entry must be dropped (`all`, e.g. after a reconnect that may have missed
 * messages).
 */
export type InvalidationEvent = { readonly type: 'bucket'; readonly bucket: string } | { readonly type: 'all' };

/** Options for one store read. */
export interface StoreReadOptions {
  /**
   * Aborted when the caller stops waiting (the cache's lookup timeout); the store should give up then.
   * The cache gives reads started close together the same signal: remove any listener you add.
   */
  readonly signal?: AbortSignal;
}

/**
 * A place where bucket CORS configurations live. Implement this to back the library with your own
 * database; see README "Writing a store".
 *
 * Contract:
 * - `get`, `put` and `delete` take the bucket name as the key; they never validate configurations
 *   (the router validates before `put`).
 * - `put` replaces the whole configuration atomically: a concurrent `get` sees the old or the new one.
 * - Before `put` or `delete` resolves, the store notifies its own subscribers (so the instance that
 *   made the change answers with the new rules at once), and, for a shared store, arranges for
 *   every other instance's subscribers to be notified.
 * - Methods reject (never throw synchronously) on backend failure.
 */
export interface RuleStore {
  /** The bucket's configuration, or `null` when it has none. */
  get(bucket: string, options?: StoreReadOptions): Promise<StoredConfiguration | null>;
  /** Replaces the bucket's configuration; resolves with what was stored. */
  put(bucket: string, configuration: CorsConfiguration): Promise<StoredConfiguration>;
  /** Removes the bucket's configuration; resolves also when there was none. */
  delete(bucket: string): Promise<void>;
  /** Registers an invalidation listener; returns a function that removes it. */
  subscribe(listener: (event: InvalidationEvent) => void): () => void;
  /**
   * True when several processes share this store (Redis), false for a single-process store.
   * Caches use it to decide whether entries need a TTL at all.
   */
  readonly shared: boolean;
  /** Releases what the store itself opened (never the user's own client). Optional. */
  close?(): Promise<void>;
}
