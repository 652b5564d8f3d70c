// Decisions and store health on node:diagnostics_channel: metrics without a dependency, nil cost without a subscriber.

import diagnosticsChannel from 'node:diagnostics_channel';
import type { DecisionDifference } from './core/report-only.js';

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
  /** One {@link ReportOnlyEvent} per request a bucket's report-only candidate would answer differently. */
  reportOnly: 'express-bucket-cors:report-only',
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

/** One side of a {@link ReportOnlyEvent}: what the enforced rules did, or what the candidate would have done. */
export interface ReportOnlyOutcome {
  /** As in {@link CorsDecisionEvent.outcome}. */
  readonly outcome: 'allowed' | 'refused' | 'matched' | 'unmatched';
  /** 0-based position in `CORSRules` of the rule that answers, or `null`. */
  readonly rule: number | null;
  /** The core's reason when refused or unmatched; `null` otherwise. */
  readonly reason: string | null;
}

/**
 * A request that a bucket's report-only candidate would have answered differently from its enforced
 * rules (express-bucket-cors/docs/behaviour.md §19.11). The response was the enforced one; published only while the
 * channel has subscribers, by the instance that answered.
 */
export interface ReportOnlyEvent {
  readonly dialect: string;
  readonly kind: 'preflight' | 'actual';
  readonly bucket: string;
  /** The object key (`''` for the bucket itself). */
  readonly key: string;
  /** The request's method (`OPTIONS` for a preflight). */
  readonly method: string;
  /** The request's `Origin`, `null` without one. */
  readonly origin: string | null;
  /** How the answers differ: `outcome` (allowed against refused), `headers`, or (preflights) `refusal`. */
  readonly difference: DecisionDifference;
  /** What was answered: the bucket's rules (or the deployment's `defaultRules` for a bucket without any). */
  readonly enforced: ReportOnlyOutcome;
  /** What the candidate would have answered. */
  readonly candidate: ReportOnlyOutcome;
  /** The candidate's version (its ETag on `GET ?cors&report-only`). */
  readonly candidateVersion: string;
}

/** An invalidation a cache received: one bucket, or everything (a cache flush). */
export interface InvalidationReceivedEvent {
  readonly type: 'bucket' | 'all';
  /** For `bucket`: the bucket whose rules changed. */
  readonly bucket?: string;
  /** For `bucket`: its new version (`null`: its rules were deleted), when the store said. */
  readonly version?: string | null;
  /** For `bucket`: its report-only candidate's new version (`null`: deleted), when the change was to it. */
  readonly candidateVersion?: string | null;
}

/** The {@link InvalidationReceivedEvent} for a store's invalidation (an `InvalidationEvent`), its known fields only. */
export function invalidationReceived(event: InvalidationReceivedEvent): InvalidationReceivedEvent {
  if (event.type === 'all') return { type: 'all' };
  return {
    type: 'bucket',
    bucket: event.bucket,
    ...(event.version !== undefined && { version: event.version }),
    ...(event.candidateVersion !== undefined && { candidateVersion: event.candidateVersion }),
  };
}

/** What made a change: an admin router, the command-line tool, an import, a rollback, or the promotion of a report-only candidate. */
export type ChangeSource = 'router' | 'cli' | 'import' | 'rollback' | 'promote';

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
export const reportOnlyChannel = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.reportOnly);
