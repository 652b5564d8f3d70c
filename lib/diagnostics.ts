// Decisions and store health on node:diagnostics_channel: metrics without a dependency, nil cost without a subscriber.

import diagnosticsChannel from 'node:diagnostics_channel';
import type { ChangeSource, InvalidationEvent } from './store/types.js';

/** Channel names; subscribe with `diagnostics_channel.subscribe(name, listener)`. */
export const DIAGNOSTICS_CHANNELS = Object.freeze({
  /** One {@link CorsDecisionEvent} per CORS decision of `bucketCors`. */
  decision: 'express-bucket-cors:decision',
  /** One {@link StoreErrorEvent} per failed or timed-out store read of the cache, or store call of an admin router. */
  storeError: 'express-bucket-cors:store-error',
  /** One {@link InvalidationReceivedEvent} per invalidation a cache receives from its store. */
  invalidation: 'express-bucket-cors:invalidation',
  /** One {@link ConfigurationChangeEvent} per change a built-in store applied, on the instance that made it. */
  change: 'express-bucket-cors:change',
});

/** Where the rules that decided came from. */
export type RuleSource = 'bucket' | 'default' | 'service';

/**
 * One CORS decision. Every field has few values (fit for metric labels): the bucket and Origin are
 * included only when `bucketCors({ diagnostics: { bucket: true, origin: true } })` asks for them.
 */
export interface CorsDecisionEvent {
  /** The dialect's name, e.g. `s3`, `mediastore`. */
  readonly dialect: string;
  readonly kind: 'preflight' | 'actual';
  /** Preflights are `allowed` or `refused`; actual requests `matched` or `unmatched`. */
  readonly outcome: 'allowed' | 'refused' | 'matched' | 'unmatched';
  /** The core's reason when refused or unmatched (`no-match`, `no-configuration`, `unavailable`, …); `null` otherwise. */
  readonly reason: string | null;
  /** 0-based position in `CORSRules` of the rule that matched (messages number it from 1, see `ruleLabel`), or `null`. */
  readonly rule: number | null;
  /** Whether the rules came from the local cache at once (`hit`), after a store read (`miss`), or without a lookup (`none`: service rules). */
  readonly cache: 'hit' | 'miss' | 'none';
  /** The bucket's own rules, the deployment's `defaultRules`, or its `serviceRules`. */
  readonly source: RuleSource;
  /** Only when asked for. */
  readonly bucket?: string;
  /** Only when asked for. */
  readonly origin?: string;
}

/** A store failure (timeouts included). */
export interface StoreErrorEvent {
  /** Who called the store: the cache (`lookup`) or an admin router (`admin`). */
  readonly caller: 'lookup' | 'admin';
  /** The error's code or name (`ECONNREFUSED`, `TimeoutError`, …). */
  readonly kind: string;
  /** The cache still had last-known rules to serve. */
  readonly servedStale: boolean;
}

/** An invalidation a cache received: one bucket, or everything (a cache flush). */
export interface InvalidationReceivedEvent {
  readonly type: 'bucket' | 'all';
  /** For `bucket`: the bucket whose rules changed. */
  readonly bucket?: string;
  /** For `bucket`: its new version (`null`: its rules were deleted), when the store said. */
  readonly version?: string | null;
}

/** The {@link InvalidationReceivedEvent} for a store's invalidation. */
export function invalidationReceived(event: InvalidationEvent): InvalidationReceivedEvent {
  if (event.type === 'all') return { type: 'all' };
  return event.version === undefined ? { type: 'bucket', bucket: event.bucket } : { type: 'bucket', bucket: event.bucket, version: event.version };
}

/**
 * A change a store applied (put, delete, rollback, import), published once, by the instance that
 * made it, before the write resolves. Other instances learn of it as an invalidation.
 */
export interface ConfigurationChangeEvent {
  readonly bucket: string;
  /** The version replaced; `null` when the bucket had none. */
  readonly previousVersion: string | null;
  /** The version made; `null` when the change deleted the rules. */
  readonly version: string | null;
  readonly source: ChangeSource;
  /** Who made it, as the writer labelled it; `null` when not given. */
  readonly principal: string | null;
}

/** The channels, created once. */
export const decisionChannel = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.decision);
export const storeErrorChannel = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.storeError);
export const invalidationChannel = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.invalidation);
export const changeChannel = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.change);
