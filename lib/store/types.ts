// The rule store contract: what any backend (memory, Redis, your own) must provide.

import type { CorsConfiguration } from '../core/model.js';
import type { ChangeSource } from '../diagnostics.js';

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
export type InvalidationEvent =
  | {
      readonly type: 'bucket';
      readonly bucket: string;
      /** The bucket's new version, `null` once its rules were deleted; left out when the store does not say. */
      readonly version?: string | null;
      /** Set (to its new version, `null` once deleted) when the change was to the bucket's report-only candidate; left out otherwise. */
      readonly candidateVersion?: string | null;
    }
  | { readonly type: 'all' };

export type { ChangeSource } from '../diagnostics.js';

/** Who and what a write is recorded as (history, change events). */
export interface ChangeOrigin {
  /** What made the change. Default: `'router'`. */
  readonly source?: ChangeSource;
  /** A label for who made it (an access key, a user name), as the caller gives it. Default: none (`null`). */
  readonly principal?: string;
}

/** Options of one `put` (and, with `history`, of one `delete`). */
export interface StoreWriteOptions extends ChangeOrigin {
  /**
   * Write only if the bucket's current version is this one, or (`null`) only if it has no
   * configuration; otherwise reject with a `PreconditionFailedError` and change nothing. The check
   * and the write are one atomic step. Default: write whatever is there. Only stores whose
   * `features.conditionalWrites` is true honour it.
   */
  readonly ifVersion?: string | null;
}

/** Options of one `delete`. */
export interface StoreDeleteOptions extends StoreWriteOptions {
  /**
   * `'keep'` records the deletion in the bucket's history (a rollback can undo it); `'drop'` removes
   * the history with the rules (the bucket itself is gone). Default: `'keep'`.
   */
  readonly history?: 'keep' | 'drop';
}

/** One change of a bucket's configuration, as its history keeps it (newest first). */
export interface ConfigurationChange {
  /** The version this change made; `null` when it deleted the configuration. */
  readonly version: string | null;
  /** The version it replaced (what `rollback` takes); `null` when the bucket had none. */
  readonly previousVersion: string | null;
  /** The configuration it replaced, exactly as stored; `null` when the bucket had none. */
  readonly previous: CorsConfiguration | null;
  /** When the change was made (ISO 8601, UTC). */
  readonly time: string;
  readonly source: ChangeSource;
  /** Who made it, as the writer labelled it; `null` when not given. */
  readonly principal: string | null;
}

/** What a store offers beyond get/put/delete. */
export interface StoreFeatures {
  /** `put` and `delete` honour `ifVersion` atomically. */
  readonly conditionalWrites: boolean;
  /** `history` answers the bucket's last changes. */
  readonly history: boolean;
  /**
   * Report-only candidates: `getRules`, `getCandidate`, `putCandidate`, `deleteCandidate` and
   * `promote` are present (express-bucket-cors/docs/behaviour.md §19.11). Default (left out): no candidates.
   */
  readonly reportOnly?: boolean;
}

/** A bucket's enforced configuration and its report-only candidate, read together (either may be `null`). */
export interface StoredRules {
  readonly enforced: StoredConfiguration | null;
  /** The configuration evaluated beside the enforced one without changing any response; `null` when there is none. */
  readonly candidate: StoredConfiguration | null;
}

/** Options of one `promote`: both conditions are checked with the promotion, in one atomic step. */
export interface StorePromoteOptions extends ChangeOrigin {
  /** Promote only if the enforced configuration is at this version, or (`null`) only if there is none. Default: whatever is there. */
  readonly ifVersion?: string | null;
  /** Promote only if the candidate is at this version. Default: whichever candidate is there. */
  readonly ifCandidateVersion?: string;
}

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
 * - With `features.conditionalWrites`, `put` and `delete` honour `ifVersion` (check and write in one
 *   atomic step) and reject with a `PreconditionFailedError` when it does not hold. A store without
 *   `features` is never handed a condition: the admin service refuses it first (`StoreFeatureError`).
 * - Before `put` or `delete` resolves, the store notifies its own subscribers (so the instance that
 *   made the change answers with the new rules at once), and, for a shared store, arranges for
 *   every other instance's subscribers to be notified.
 * - With `features.reportOnly`, a candidate lives beside each bucket's configuration with its own
 *   version; candidate writes notify subscribers like `put` (with `candidateVersion`), and
 *   `delete(bucket, { history: 'drop' })` removes the candidate too.
 * - Methods reject (never throw synchronously) on backend failure.
 */
export interface RuleStore {
  /** The bucket's configuration, or `null` when it has none. */
  get(bucket: string, options?: StoreReadOptions): Promise<StoredConfiguration | null>;
  /** Replaces the bucket's configuration; resolves with what was stored. */
  put(bucket: string, configuration: CorsConfiguration, options?: StoreWriteOptions): Promise<StoredConfiguration>;
  /** Removes the bucket's configuration; resolves also when there was none. */
  delete(bucket: string, options?: StoreDeleteOptions): Promise<void>;
  /** The bucket's last changes, newest first (none: `[]`). Present when `features.history` is true. */
  history?(bucket: string, options?: StoreReadOptions): Promise<ConfigurationChange[]>;
  /** The enforced configuration and the candidate in one read (the cache's read). Present when `features.reportOnly` is true. */
  getRules?(bucket: string, options?: StoreReadOptions): Promise<StoredRules>;
  /** The bucket's report-only candidate, or `null`. Present when `features.reportOnly` is true. */
  getCandidate?(bucket: string, options?: StoreReadOptions): Promise<StoredConfiguration | null>;
  /**
   * Replaces the bucket's candidate (its own version; `ifVersion` is a condition on the candidate's
   * version). Not recorded in the history. Present when `features.reportOnly` is true.
   */
  putCandidate?(bucket: string, configuration: CorsConfiguration, options?: StoreWriteOptions): Promise<StoredConfiguration>;
  /** Removes the bucket's candidate (none is fine; `ifVersion` as for `putCandidate`). Present when `features.reportOnly` is true. */
  deleteCandidate?(bucket: string, options?: StoreWriteOptions): Promise<void>;
  /**
   * Makes the candidate the enforced configuration, keeping its version, and removes the candidate,
   * in one atomic step, recorded in the history (source `promote`). Rejects with a
   * `CandidateNotFoundError` without a candidate and a `PreconditionFailedError` when a condition
   * does not hold. Present when `features.reportOnly` is true.
   */
  promote?(bucket: string, options?: StorePromoteOptions): Promise<StoredConfiguration>;
  /** What the store offers beyond get/put/delete. Default (left out): nothing more. */
  readonly features?: StoreFeatures;
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
