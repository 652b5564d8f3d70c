// Reading and changing a bucket's rules for any API dialect: access checks in one order, store calls bounded in time.

import createDebug from 'debug';
import type { IncomingMessage } from 'node:http';
import type { CorsConfiguration } from '../core/model.js';
import { storeErrorChannel, type StoreErrorEvent } from '../diagnostics.js';
import { withDeadline } from '../deadlines.js';
import type { Logger } from '../options.js';
import { errorKind, StoreErrorLog } from '../store/errors.js';
import {
  isCandidateNotFoundError,
  isPreconditionFailedError,
  isStoreFeatureError,
  isVersionNotFoundError,
  requireFeature,
  rollbackConfiguration,
  type ConfigurationRole,
} from '../store/lifecycle.js';
import type { ConfigurationChange, RuleStore, StoreDeleteOptions, StoredConfiguration, StorePromoteOptions, StoreWriteOptions } from '../store/types.js';

const debug = createDebug('express-bucket-cors:admin');

/** Default {@link AdminServiceOptions.storeTimeoutMs}. */
export const DEFAULT_STORE_TIMEOUT_MS = 1_000;

/** Why an admin call was refused, before any dialect words it. */
export type AdminRefusal =
  /** `bucketExists` said no. */
  | 'no-bucket'
  /** `authorize` did not answer `true`. */
  | 'access-denied'
  /** The store (or `bucketExists`) failed or did not answer within `storeTimeoutMs`. */
  | 'unavailable'
  /** A conditional write (`ifVersion`) found another version: nothing was changed. */
  | 'precondition-failed'
  /** A condition or the history was asked of a store that does not offer it (`RuleStore.features`). */
  | 'not-implemented'
  /** A rollback named a version the bucket's history does not hold. */
  | 'no-such-version'
  /** A promotion of a bucket without a report-only candidate. */
  | 'no-candidate';

/** A refused admin call; the dialect's router turns it into its own error. */
export class AdminError extends Error {
  readonly reason: AdminRefusal;
  /** For `precondition-failed`: whose version did not hold (a promotion has two conditions). */
  readonly configuration: ConfigurationRole | undefined;

  constructor(reason: AdminRefusal, configuration?: ConfigurationRole) {
    super(`CORS administration refused: ${reason}`);
    this.name = 'AdminError';
    this.reason = reason;
    this.configuration = configuration;
  }
}

/** True for an {@link AdminError} (also across duplicated copies of this package). */
export function isAdminError(value: unknown): value is AdminError {
  return value instanceof AdminError || (value instanceof Error && value.name === 'AdminError' && typeof (value as AdminError).reason === 'string');
}

/** What an authorizer is asked: the dialect's action name (e.g. `s3:PutBucketCORS`) on a bucket. */
export interface AdminAccessContext<Action extends string = string> {
  readonly action: Action;
  readonly bucket: string;
  /**
   * The request body, read once within the dialect's size limit and kept for the operation itself
   * (e.g. to check a SigV4 signature that covers it). Rejects with the dialect's own error for an
   * oversized body.
   */
  readonly body: () => Promise<Buffer>;
}

/** An authorizer's "yes, as this principal": allowed, and the change is recorded as made by `principal`. */
export interface AdminGrant {
  /** A label for who is asking (an access key ID, a user name): the history and change events carry it. */
  readonly principal: string;
}

/**
 * Decides whether the request may perform `action` on `bucket`. `true` allows; an {@link AdminGrant}
 * (`{ principal }`, a string label) allows and names who changes the rules; anything else refuses
 * (as the dialect words "access denied"). It may throw (or reject with) an error the dialect answers
 * with as it is (e.g. an `S3Error`).
 */
export type AdminAuthorizer<Req extends IncomingMessage = IncomingMessage, Action extends string = string> = (
  req: Req,
  context: AdminAccessContext<Action>,
) => boolean | AdminGrant | Promise<boolean | AdminGrant>;

/** The principal of a grant; `false` for a refusal. */
function grantedPrincipal(decision: unknown): string | undefined | false {
  if (decision === true) return undefined;
  const principal = typeof decision === 'object' && decision !== null ? (decision as Partial<AdminGrant>).principal : undefined;
  return typeof principal === 'string' ? principal : false;
}

/**
 * A dialect's own access check, run after `authorize` allowed the call (S3: the expected bucket
 * owner). It refuses by throwing (or rejecting with) an error the dialect answers with as it is.
 */
export type AdminAccessHook<Req extends IncomingMessage = IncomingMessage, Action extends string = string> = (
  req: Req,
  context: AdminAccessContext<Action>,
) => void | Promise<void>;

/** Options of {@link createAdminService}, already checked by the router that builds it. */
export interface AdminServiceOptions<Req extends IncomingMessage, Action extends string> {
  readonly store: RuleStore;
  readonly authorize: AdminAuthorizer<Req, Action>;
  readonly bucketExists: ((bucket: string, req: Req) => boolean | Promise<boolean>) | undefined;
  /** The dialect's check after `authorize` (e.g. S3's expected bucket owner). Default: none. */
  readonly afterAuthorize?: AdminAccessHook<Req, Action> | undefined;
  /** Longest wait for one store call (and for `bucketExists`) before answering `unavailable`. */
  readonly storeTimeoutMs: number;
  readonly logger: Logger;
  /** Errors the dialect answers with as they are (e.g. `isS3Error`); others from `bucketExists` are store failures. */
  readonly isAnswer: (error: unknown) => boolean;
}

/** The admin operations every dialect's router calls; each rejects with an {@link AdminError} when refused. */
export interface AdminService<Req extends IncomingMessage, Action extends string> {
  /**
   * The access checks, in this order: the bucket exists → `authorize` allows `action` →
   * `afterAuthorize`. Resolves with the principal `authorize` granted, if it named one.
   */
  checkAccess(req: Req, action: Action, bucket: string, body: () => Promise<Buffer>): Promise<string | undefined>;
  /** The bucket's configuration, or `null`. */
  get(bucket: string): Promise<StoredConfiguration | null>;
  /**
   * Replaces the bucket's configuration (validated by the caller). A put that timed out may still
   * land later; putting the same configuration again is safe (puts replace the whole configuration).
   */
  put(bucket: string, configuration: CorsConfiguration, options?: StoreWriteOptions): Promise<StoredConfiguration>;
  /** Removes the bucket's configuration (none is fine). Safe to retry. */
  delete(bucket: string, options?: StoreDeleteOptions): Promise<void>;
  /**
   * Drops the rules of a bucket that no longer exists (as S3 does with DeleteBucket), and their
   * history, with no access check: the caller saw the bucket deleted. Never rejects: resolves
   * `false` when the store failed (logged like every store failure), and the drop can simply be repeated.
   */
  bucketDeleted(bucket: string): Promise<boolean>;
  /** The bucket's last changes, newest first; `not-implemented` when the store keeps no history. */
  history(bucket: string): Promise<ConfigurationChange[]>;
  /**
   * Puts back the configuration `version` had, as a new version (source `rollback`), conditional
   * like `put`; `no-such-version` when the history does not hold it.
   */
  rollback(bucket: string, version: string, options?: StoreWriteOptions): Promise<StoredConfiguration>;
  /** The bucket's report-only candidate, or `null`; `not-implemented` when the store keeps none (`features.reportOnly`). */
  getCandidate(bucket: string): Promise<StoredConfiguration | null>;
  /** Replaces the bucket's candidate (validated by the caller), conditional on the candidate's version like `put`. */
  putCandidate(bucket: string, configuration: CorsConfiguration, options?: StoreWriteOptions): Promise<StoredConfiguration>;
  /** Removes the bucket's candidate (none is fine), conditional like `putCandidate`. */
  deleteCandidate(bucket: string, options?: StoreWriteOptions): Promise<void>;
  /**
   * Makes the candidate the enforced configuration, atomically, conditional on both versions;
   * `no-candidate` without one, `precondition-failed` (naming whose version) when a condition fails.
   */
  promote(bucket: string, options?: StorePromoteOptions): Promise<StoredConfiguration>;
}

/** The refusal a lifecycle error stands for, if it is one (they are answers, not store failures). */
function lifecycleRefusal(error: unknown): AdminError | undefined {
  if (isPreconditionFailedError(error)) return new AdminError('precondition-failed', error.configuration ?? 'enforced');
  if (isStoreFeatureError(error)) return new AdminError('not-implemented');
  if (isVersionNotFoundError(error)) return new AdminError('no-such-version');
  if (isCandidateNotFoundError(error)) return new AdminError('no-candidate');
  return undefined;
}

/** A store call that needs report-only candidates (and, with conditions, conditional writes): the features are checked first. */
function candidateCall<T>(store: RuleStore, options: StoreWriteOptions | StorePromoteOptions | undefined, call: (signal: AbortSignal) => Promise<T>): (signal: AbortSignal) => Promise<T> {
  return async (signal) => {
    requireFeature(store, 'reportOnly');
    requireFeature(store, 'conditionalWrites', options);
    return call(signal);
  };
}

/** The wire-neutral admin service: used by `corsRouter`, the MediaStore router and tools. */
export function createAdminService<Req extends IncomingMessage, Action extends string>(options: AdminServiceOptions<Req, Action>): AdminService<Req, Action> {
  const { store, authorize, bucketExists, afterAuthorize, storeTimeoutMs, logger, isAnswer } = options;
  const storeErrors = new StoreErrorLog(logger);

  /** Runs one store call within the deadline; any failure is logged (rate-limited) and becomes `unavailable`. */
  async function bounded<T>(bucket: string, what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(call, storeTimeoutMs, () => `${what} for bucket ${JSON.stringify(bucket)} did not answer within ${storeTimeoutMs} ms`);
    } catch (error) {
      if (isAnswer(error)) throw error;
      const refusal = lifecycleRefusal(error);
      if (refusal !== undefined) throw refusal;
      if (storeErrorChannel.hasSubscribers) storeErrorChannel.publish({ caller: 'admin', kind: errorKind(error), servedStale: false } satisfies StoreErrorEvent);
      const logged = storeErrors.report(error, (kind) => `express-bucket-cors: ${what} failed for bucket ${JSON.stringify(bucket)} (${kind})`);
      if (!logged) debug('%s failed for %s, not logged again yet: %O', what, bucket, error);
      throw new AdminError('unavailable');
    }
  }

  return {
    async checkAccess(req, action, bucket, body) {
      if (bucketExists !== undefined && !(await bounded(bucket, 'bucketExists', async () => bucketExists(bucket, req)))) throw new AdminError('no-bucket');
      const context: AdminAccessContext<Action> = { action, bucket, body };
      const principal = grantedPrincipal(await authorize(req, context));
      if (principal === false) throw new AdminError('access-denied');
      if (afterAuthorize !== undefined) await afterAuthorize(req, context);
      return principal;
    },
    get: (bucket) => bounded(bucket, 'rule store', (signal) => store.get(bucket, { signal })),
    put: (bucket, configuration, writeOptions) =>
      bounded(bucket, 'rule store', async () => {
        requireFeature(store, 'conditionalWrites', writeOptions);
        return store.put(bucket, configuration, writeOptions);
      }),
    delete: (bucket, deleteOptions) =>
      bounded(bucket, 'rule store', async () => {
        requireFeature(store, 'conditionalWrites', deleteOptions);
        return store.delete(bucket, deleteOptions);
      }),
    // The history goes with the bucket; a store without history ignores the option.
    bucketDeleted: (bucket) =>
      bounded(bucket, 'dropping the rules of a deleted bucket (repeat it with bucketDeleted())', () => store.delete(bucket, { history: 'drop' })).then(
        () => true,
        () => false,
      ),
    history: (bucket) =>
      bounded(bucket, 'rule store', async (signal) => {
        requireFeature(store, 'history');
        return store.history!(bucket, { signal });
      }),
    rollback: (bucket, version, writeOptions) => bounded(bucket, 'rule store', () => rollbackConfiguration(store, bucket, version, writeOptions)),
    getCandidate: (bucket) => bounded(bucket, 'rule store', candidateCall(store, undefined, (signal) => store.getCandidate!(bucket, { signal }))),
    putCandidate: (bucket, configuration, writeOptions) => bounded(bucket, 'rule store', candidateCall(store, writeOptions, () => store.putCandidate!(bucket, configuration, writeOptions))),
    deleteCandidate: (bucket, writeOptions) => bounded(bucket, 'rule store', candidateCall(store, writeOptions, () => store.deleteCandidate!(bucket, writeOptions))),
    promote: (bucket, promoteOptions) => bounded(bucket, 'rule store', candidateCall(store, promoteOptions, () => store.promote!(bucket, promoteOptions))),
  };
}
