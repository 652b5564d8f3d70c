// Reading and changing a bucket's rules for any API dialect: access checks in one order, store calls bounded in time.

import createDebug from 'debug';
import type { IncomingMessage } from 'node:http';
import type { CorsConfiguration } from '../core/model.js';
import { storeErrorChannel, type StoreErrorEvent } from '../diagnostics.js';
import { withDeadline } from '../deadlines.js';
import type { Logger } from '../options.js';
import { errorKind, StoreErrorLog } from '../store/errors.js';
import type { RuleStore, StoredConfiguration } from '../store/types.js';

const debug = createDebug('express-bucket-cors:admin');

/** Default {@link AdminServiceOptions.storeTimeoutMs}. */
export const DEFAULT_STORE_TIMEOUT_MS = 1_000;

/** Why an admin call was refused, before any dialect words it. */
export type AdminRefusal =
  /** `bucketExists` said no. */
  | 'no-bucket'
  /** `authorize` did not answer `true`, or the expected owner is someone else. */
  | 'access-denied'
  /** The expected-owner value is not a 12-digit account ID. */
  | 'invalid-owner'
  /** The store (or `bucketExists`) failed or did not answer within `storeTimeoutMs`. */
  | 'unavailable';

/** A refused admin call; the dialect's router turns it into its own error. */
export class AdminError extends Error {
  readonly reason: AdminRefusal;
  /** For `invalid-owner`: the value given. */
  readonly value: string | undefined;

  constructor(reason: AdminRefusal, value?: string) {
    super(`CORS administration refused: ${reason}`);
    this.name = 'AdminError';
    this.reason = reason;
    this.value = value;
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

/**
 * Decides whether the request may perform `action` on `bucket`. `true` allows; anything else refuses
 * (as the dialect words "access denied"). It may throw (or reject with) an error the dialect answers
 * with as it is (e.g. an `S3Error`).
 */
export type AdminAuthorizer<Req extends IncomingMessage = IncomingMessage, Action extends string = string> = (
  req: Req,
  context: AdminAccessContext<Action>,
) => boolean | Promise<boolean>;

/** Options of {@link createAdminService}, already checked by the router that builds it. */
export interface AdminServiceOptions<Req extends IncomingMessage, Action extends string> {
  readonly store: RuleStore;
  readonly authorize: AdminAuthorizer<Req, Action>;
  readonly bucketExists: ((bucket: string, req: Req) => boolean | Promise<boolean>) | undefined;
  readonly bucketOwner: ((bucket: string, req: Req) => string | undefined | Promise<string | undefined>) | undefined;
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
   * `expectedOwner` (when given) is a 12-digit account ID and, with `bucketOwner`, the owner.
   */
  checkAccess(req: Req, action: Action, bucket: string, expectedOwner: string | undefined, body: () => Promise<Buffer>): Promise<void>;
  /** The bucket's configuration, or `null`. */
  get(bucket: string): Promise<StoredConfiguration | null>;
  /**
   * Replaces the bucket's configuration (validated by the caller). A put that timed out may still
   * land later; putting the same configuration again is safe (puts replace the whole configuration).
   */
  put(bucket: string, configuration: CorsConfiguration): Promise<StoredConfiguration>;
  /** Removes the bucket's configuration (none is fine). Safe to retry. */
  delete(bucket: string): Promise<void>;
}

const ACCOUNT_ID_DIGITS = 12;

function isAccountId(value: string): boolean {
  if (value.length !== ACCOUNT_ID_DIGITS) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** The wire-neutral admin service: used by `corsRouter`, the MediaStore router and tools. */
export function createAdminService<Req extends IncomingMessage, Action extends string>(options: AdminServiceOptions<Req, Action>): AdminService<Req, Action> {
  const { store, authorize, bucketExists, bucketOwner, storeTimeoutMs, logger, isAnswer } = options;
  const storeErrors = new StoreErrorLog(logger);

  /** Runs one store call within the deadline; any failure is logged (rate-limited) and becomes `unavailable`. */
  async function bounded<T>(bucket: string, what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(call, storeTimeoutMs, () => `${what} for bucket ${JSON.stringify(bucket)} did not answer within ${storeTimeoutMs} ms`);
    } catch (error) {
      if (isAnswer(error)) throw error;
      if (storeErrorChannel.hasSubscribers) storeErrorChannel.publish({ caller: 'admin', kind: errorKind(error), servedStale: false } satisfies StoreErrorEvent);
      const logged = storeErrors.report(error, (kind) => `express-bucket-cors: ${what} failed for bucket ${JSON.stringify(bucket)} (${kind})`);
      if (!logged) debug('%s failed for %s, not logged again yet: %O', what, bucket, error);
      throw new AdminError('unavailable');
    }
  }

  return {
    async checkAccess(req, action, bucket, expectedOwner, body) {
      if (bucketExists !== undefined && !(await bounded(bucket, 'bucketExists', async () => bucketExists(bucket, req)))) throw new AdminError('no-bucket');
      if ((await authorize(req, { action, bucket, body })) !== true) throw new AdminError('access-denied');
      if (expectedOwner === undefined) return;
      if (!isAccountId(expectedOwner)) throw new AdminError('invalid-owner', expectedOwner);
      if (bucketOwner === undefined) return;
      const owner = await bucketOwner(bucket, req);
      if (owner !== undefined && owner !== expectedOwner) throw new AdminError('access-denied');
    },
    get: (bucket) => bounded(bucket, 'rule store', (signal) => store.get(bucket, { signal })),
    put: (bucket, configuration) => bounded(bucket, 'rule store', () => store.put(bucket, configuration)),
    delete: (bucket) => bounded(bucket, 'rule store', () => store.delete(bucket)),
  };
}
