// Rule changes without fear: conditional writes, the errors they raise, history records, change events and rollback, shared by every store.

import type { CorsConfiguration } from '../core/model.js';
import { changeChannel, type ConfigurationChangeEvent } from '../diagnostics.js';
import { wholeNumber } from '../options.js';
import type { ChangeOrigin, ConfigurationChange, RuleStore, StoredConfiguration, StoreFeatures, StorePromoteOptions, StoreWriteOptions } from './types.js';

/** Default `historyLength` of the built-in stores: changes kept per bucket. */
export const DEFAULT_HISTORY_LENGTH = 10;

/** The `historyLength` option of the built-in stores: a whole number, 0 disables the history. */
export const historyLengthOption = wholeNumber(0, DEFAULT_HISTORY_LENGTH, 'changes kept per bucket (0 keeps none)');

/** Which of a bucket's configurations a condition is about: the enforced one, or its report-only candidate. */
export type ConfigurationRole = 'enforced' | 'candidate';

/** A conditional write whose condition did not hold: nothing was changed. */
export class PreconditionFailedError extends Error {
  readonly code = 'PRECONDITION_FAILED';
  readonly bucket: string;
  /** The condition: the version asked for, or `null` for "only if it has none". */
  readonly expected: string | null;
  /** The bucket's version when the write was refused, `null` when it had none. */
  readonly actual: string | null;
  /** Whose version did not hold: the enforced configuration's, or the report-only candidate's. */
  readonly configuration: ConfigurationRole;

  constructor(bucket: string, expected: string | null, actual: string | null, configuration: ConfigurationRole = 'enforced') {
    const wanted = expected === null ? 'no configuration' : `version ${expected}`;
    const subject = configuration === 'enforced' ? 'the CORS configuration' : 'the report-only CORS configuration';
    super(`${subject} of bucket ${JSON.stringify(bucket)} is ${actual === null ? 'absent' : `at version ${actual}`}, not ${wanted}; nothing was changed`);
    this.name = 'PreconditionFailedError';
    this.bucket = bucket;
    this.expected = expected;
    this.actual = actual;
    this.configuration = configuration;
  }
}

/** A promotion of a bucket that has no report-only candidate: nothing was changed. */
export class CandidateNotFoundError extends Error {
  readonly code = 'CANDIDATE_NOT_FOUND';
  readonly bucket: string;

  constructor(bucket: string) {
    super(`bucket ${JSON.stringify(bucket)} has no report-only CORS configuration to promote; nothing was changed`);
    this.name = 'CandidateNotFoundError';
    this.bucket = bucket;
  }
}

/** True for a {@link CandidateNotFoundError} (also across duplicated copies of this package). */
export function isCandidateNotFoundError(value: unknown): value is CandidateNotFoundError {
  return value instanceof CandidateNotFoundError || (value instanceof Error && value.name === 'CandidateNotFoundError' && (value as { code?: unknown }).code === 'CANDIDATE_NOT_FOUND');
}

/** True for a {@link PreconditionFailedError} (also across duplicated copies of this package). */
export function isPreconditionFailedError(value: unknown): value is PreconditionFailedError {
  return value instanceof PreconditionFailedError || (value instanceof Error && value.name === 'PreconditionFailedError' && (value as { code?: unknown }).code === 'PRECONDITION_FAILED');
}

const FEATURE_MISSING_WORDS: Readonly<Record<keyof StoreFeatures, string>> = {
  conditionalWrites: 'this rule store does not support conditional writes (its features.conditionalWrites is not true): the write was not made',
  history: 'this rule store keeps no history (its features.history is not true, or it has no history method)',
  reportOnly: 'this rule store keeps no report-only candidates (its features.reportOnly is not true, or it lacks the candidate methods)',
};

/** The methods each feature needs besides its flag. */
const FEATURE_METHODS: Readonly<Record<keyof StoreFeatures, readonly (keyof RuleStore)[]>> = {
  conditionalWrites: [],
  history: ['history'],
  reportOnly: ['getRules', 'getCandidate', 'putCandidate', 'deleteCandidate', 'promote'],
};

/** A condition or the history was asked of a store that does not offer it (see `RuleStore.features`). */
export class StoreFeatureError extends Error {
  readonly code = 'STORE_FEATURE_MISSING';
  readonly feature: keyof StoreFeatures;

  constructor(feature: keyof StoreFeatures) {
    super(FEATURE_MISSING_WORDS[feature]);
    this.name = 'StoreFeatureError';
    this.feature = feature;
  }
}

/** True for a {@link StoreFeatureError} (also across duplicated copies of this package). */
export function isStoreFeatureError(value: unknown): value is StoreFeatureError {
  return value instanceof StoreFeatureError || (value instanceof Error && value.name === 'StoreFeatureError' && (value as { code?: unknown }).code === 'STORE_FEATURE_MISSING');
}

/** A rollback to a version the bucket's history does not hold (never existed, or dropped by its length). */
export class VersionNotFoundError extends Error {
  readonly code = 'VERSION_NOT_FOUND';
  readonly bucket: string;
  readonly version: string;

  constructor(bucket: string, version: string) {
    super(`bucket ${JSON.stringify(bucket)} has no configuration version ${JSON.stringify(version)} in its history`);
    this.name = 'VersionNotFoundError';
    this.bucket = bucket;
    this.version = version;
  }
}

/** True for a {@link VersionNotFoundError} (also across duplicated copies of this package). */
export function isVersionNotFoundError(value: unknown): value is VersionNotFoundError {
  return value instanceof VersionNotFoundError || (value instanceof Error && value.name === 'VersionNotFoundError' && (value as { code?: unknown }).code === 'VERSION_NOT_FOUND');
}

/** Throws a {@link StoreFeatureError} unless `store` offers `feature`; a write without a condition needs nothing. */
export function requireFeature(store: RuleStore, feature: keyof StoreFeatures, options?: StoreWriteOptions | StorePromoteOptions): void {
  if (feature === 'conditionalWrites' && options?.ifVersion === undefined && (options as StorePromoteOptions | undefined)?.ifCandidateVersion === undefined) return;
  if (store.features?.[feature] !== true || FEATURE_METHODS[feature].some((method) => typeof store[method] !== 'function')) throw new StoreFeatureError(feature);
}

/** Whether `ifVersion` holds for a bucket now at `current` (`null`: none); `undefined` always holds. */
export function conditionHolds(ifVersion: string | null | undefined, current: string | null): boolean {
  return ifVersion === undefined || ifVersion === current;
}

/** Who and what a change is recorded as, with the defaults filled in. */
export interface ResolvedOrigin {
  readonly source: NonNullable<ChangeOrigin['source']>;
  readonly principal: string | null;
}

export function resolveOrigin(origin: ChangeOrigin | undefined): ResolvedOrigin {
  return { source: origin?.source ?? 'router', principal: origin?.principal ?? null };
}

/** Publishes the change on `express-bucket-cors:change`; a store calls it once per applied change. */
export function publishChange(bucket: string, previousVersion: string | null, version: string | null, origin: ResolvedOrigin): void {
  if (!changeChannel.hasSubscribers) return;
  changeChannel.publish({ bucket, previousVersion, version, source: origin.source, principal: origin.principal } satisfies ConfigurationChangeEvent);
}

/**
 * The configuration `version` had, from the bucket's history (or the current one, when it is that
 * version); throws a {@link VersionNotFoundError} when neither holds it.
 */
export function configurationAt(bucket: string, version: string, current: StoredConfiguration | null, history: readonly ConfigurationChange[]): CorsConfiguration {
  if (current !== null && current.version === version) return current.configuration;
  const change = history.find((entry) => entry.previousVersion === version && entry.previous !== null);
  if (change?.previous == null) throw new VersionNotFoundError(bucket, version);
  return change.previous;
}

/**
 * Puts back the configuration `version` had: a new version (source `rollback`), conditional like
 * any put (`options.ifVersion`), recorded in the history. Resolves with what was stored.
 */
export async function rollbackConfiguration(store: RuleStore, bucket: string, version: string, options?: StoreWriteOptions): Promise<StoredConfiguration> {
  requireFeature(store, 'history');
  requireFeature(store, 'conditionalWrites', options);
  const [current, history] = await Promise.all([store.get(bucket), store.history!(bucket)]);
  const configuration = configurationAt(bucket, version, current, history);
  return store.put(bucket, configuration, { ...options, source: 'rollback' });
}
