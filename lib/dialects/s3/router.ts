// lib/dialects/s3/router.ts
// The S3 `?cors` sub-resource of a bucket: PutBucketCors, GetBucketCors and DeleteBucketCors (spec §3–§6).

import createDebug from 'debug';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isS3Error, S3Errors, type S3Error } from './errors.js';
import { serializeCorsJson } from './json.js';
import type { CorsConfiguration } from '../../core/model.js';
import { parseCorsConfiguration } from './validate.js';
import { serializeCorsXml } from './xml.js';
import { StoreErrorLog } from '../../store/shared.js';
import type { Logger, RuleStore } from '../../store/types.js';
import { BodyConsumedError, discardUnreadBody, readRequestBody, RequestAbortedError } from '../../http/body.js';
import { requireIntegrityHeaders, verifyIntegrity } from './checksum.js';
import { checkBucketExists, checkLogger, checkRetryAfterSeconds, checkStore, rejectUnknownOptions } from '../../http/options.js';
import { createBucketResolver, type AddressingOptions } from '../../http/resolve.js';
import { ensureRequestIds, sendS3Error } from './response.js';

const debug = createDebug('express-bucket-cors:router');

/** The IAM action a `?cors` call needs: S3 authorizes DeleteBucketCors as `s3:PutBucketCORS`. */
export type CorsRouterAction = 's3:PutBucketCORS' | 's3:GetBucketCORS';

/** What {@link CorsRouterOptions.authorize} is asked about. */
export interface CorsAuthorizeContext {
  readonly action: CorsRouterAction;
  readonly bucket: string;
}

/**
 * Decides whether the request may perform `action` on `bucket`. `true` allows; anything else answers
 * 403 AccessDenied. May throw (or reject with) an {@link S3Error} to answer with that error instead.
 */
export type CorsAuthorizer = (req: IncomingMessage, context: CorsAuthorizeContext) => boolean | Promise<boolean>;

/** Options of {@link corsRouter}. */
export interface CorsRouterOptions {
  /** Where configurations are read and written (a `MemoryRuleStore`, a `RedisRuleStore`, or yours). Required. */
  readonly store: RuleStore;
  /**
   * Who may read and change CORS configurations. Required, with no default: pass `() => true` to
   * let everyone (e.g. behind your own authentication middleware), explicitly.
   */
  readonly authorize: CorsAuthorizer;
  /** How the bucket is found in the request (path-style, virtual-hosted). Default: path-style only. */
  readonly addressing?: AddressingOptions;
  /** Whether `bucket` exists; when not, the answer is 404 NoSuchBucket. Default: every bucket exists. */
  readonly bucketExists?: (bucket: string, req: IncomingMessage) => boolean | Promise<boolean>;
  /**
   * The 12-digit account ID owning `bucket`, compared with `x-amz-expected-bucket-owner`.
   * Default: none (owners are never compared; a malformed header is still refused in `'enforce'` mode).
   */
  readonly bucketOwner?: (bucket: string, req: IncomingMessage) => string | undefined | Promise<string | undefined>;
  /**
   * `'enforce'` (default, as S3): a malformed `x-amz-expected-bucket-owner` answers 400
   * InvalidBucketOwnerAWSAccountID, another owner than {@link bucketOwner}'s answers 403 AccessDenied.
   * `'ignore'` (as IBM COS): the header is not looked at.
   */
  readonly expectedBucketOwner?: 'enforce' | 'ignore';
  /** `Retry-After` seconds sent with 503 ServiceUnavailable when the store fails. Default: 1. */
  readonly retryAfterSeconds?: number;
  /** Where store failures (at most one line per error kind per 10 s) and unexpected errors are reported. Default: `console`. */
  readonly logger?: Logger;
}

/** A connect-style handler: Express 4 and 5 `app.use()`, or any framework passing `(req, res, next)`. */
export type CorsRouterHandler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

type Operation = 'PutBucketCors' | 'GetBucketCors' | 'DeleteBucketCors';

const OPERATIONS: ReadonlyMap<string | undefined, Operation> = new Map([
  ['PUT', 'PutBucketCors'],
  ['GET', 'GetBucketCors'],
  ['DELETE', 'DeleteBucketCors'],
]);

const ACTIONS: Readonly<Record<Operation, CorsRouterAction>> = {
  PutBucketCors: 's3:PutBucketCORS',
  GetBucketCors: 's3:GetBucketCORS',
  DeleteBucketCors: 's3:PutBucketCORS',
};

const ACCOUNT_ID_DIGITS = 12;

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'store',
  'authorize',
  'addressing',
  'bucketExists',
  'bucketOwner',
  'expectedBucketOwner',
  'retryAfterSeconds',
  'logger',
]);

/** True when the raw URL's query names the `cors` sub-resource (`?cors`, `?cors=`, among other parameters). */
function hasCorsSubresource(url: string | undefined): boolean {
  const start = url?.indexOf('?') ?? -1;
  return start !== -1 && new URLSearchParams(url!.slice(start + 1)).has('cors');
}

/** The media type of a header like `application/json; charset=utf-8`, lower-cased. */
const mediaType = (value: string): string => value.split(';', 1)[0]!.trim().toLowerCase();

/** JSON in (library extension) when the body is declared `application/json`; XML otherwise, as S3. */
const bodyFormat = (req: IncomingMessage): 'xml' | 'json' =>
  mediaType(req.headers['content-type'] ?? '') === 'application/json' ? 'json' : 'xml';

/** JSON out when `Accept` lists `application/json` before any XML type (q-values are not weighed). */
function wantsJson(req: IncomingMessage): boolean {
  for (const range of (req.headers.accept ?? '').split(',')) {
    const type = mediaType(range);
    if (type === 'application/json') return true;
    if (type === 'application/xml' || type === 'text/xml') return false;
  }
  return false;
}

const isAccountId = (value: string): boolean => {
  if (value.length !== ACCOUNT_ID_DIGITS) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
};

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}

/** Checks the options once, with errors that say what to change; fills in defaults. */
function checkOptions(options: CorsRouterOptions) {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('corsRouter(options): pass an options object with at least `store` and `authorize`.');
  rejectUnknownOptions('corsRouter', options, OPTION_NAMES);
  const { authorize, bucketOwner, expectedBucketOwner = 'enforce' } = options;
  const store = checkStore('corsRouter', options.store, ['get', 'put', 'delete']);
  if (!isFunction(authorize))
    throw new TypeError(
      'corsRouter: `authorize` is required: pass a function (req, { action, bucket }) => boolean | Promise<boolean> deciding who may read and change ' +
        'bucket CORS configurations. To allow everyone, say so explicitly with `authorize: () => true`.',
    );
  const bucketExists = checkBucketExists('corsRouter', options.bucketExists);
  if (bucketOwner !== undefined && !isFunction(bucketOwner))
    throw new TypeError('corsRouter: `bucketOwner` must be a function (bucket, req) => string | undefined | Promise<…> returning a 12-digit account ID, or left out.');
  if (expectedBucketOwner !== 'enforce' && expectedBucketOwner !== 'ignore')
    throw new TypeError(`corsRouter: \`expectedBucketOwner\` must be 'enforce' (default) or 'ignore', not ${JSON.stringify(expectedBucketOwner)}.`);
  const retryAfterSeconds = checkRetryAfterSeconds('corsRouter', options.retryAfterSeconds);
  const logger = checkLogger('corsRouter', options.logger);
  return { store, authorize, bucketExists, bucketOwner, expectedBucketOwner, retryAfterSeconds, logger };
}

/**
 * The handler for the `?cors` sub-resource of a bucket, S3-compatible (AWS SDKs and the AWS CLI work
 * against it): `PUT` stores a configuration (XML, or JSON with `Content-Type: application/json`),
 * `GET` returns it (XML, or JSON with `Accept: application/json`), `DELETE` removes it. Any other
 * request — another method, no `cors` in the query, an object path — goes to `next()`.
 *
 * Checks, in order: bucket exists (404 NoSuchBucket) → `authorize` (403 AccessDenied) →
 * `x-amz-expected-bucket-owner` → for PUT: integrity header present, body ≤ 65,536 bytes, checksums
 * match, configuration valid. Every answer carries `x-amz-request-id` and `x-amz-id-2`; errors are
 * S3 XML errors; a failing store answers 503 ServiceUnavailable with `Retry-After`.
 *
 * @throws TypeError when an option is missing or wrong (notably `authorize`).
 */
export function corsRouter(options: CorsRouterOptions): CorsRouterHandler {
  const { store, authorize, bucketExists, bucketOwner, expectedBucketOwner, retryAfterSeconds, logger } = checkOptions(options);
  const resolveBucket = createBucketResolver(options.addressing);
  const storeErrors = new StoreErrorLog(logger);

  const storeCall = async <T>(bucket: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      const logged = storeErrors.report(error, (kind) => `express-bucket-cors: rule store failed for bucket ${JSON.stringify(bucket)} (${kind})`);
      if (!logged) debug('store error for %s, not logged again yet: %O', bucket, error);
      throw S3Errors.serviceUnavailable(retryAfterSeconds);
    }
  };

  /** Throws the S3Error for the first failing access check. */
  async function checkAccess(req: IncomingMessage, operation: Operation, bucket: string): Promise<void> {
    if (bucketExists !== undefined && !(await bucketExists(bucket, req))) throw S3Errors.noSuchBucket(bucket);
    if ((await authorize(req, { action: ACTIONS[operation], bucket })) !== true) throw S3Errors.accessDenied();
    const expected = req.headers['x-amz-expected-bucket-owner'];
    if (expectedBucketOwner === 'ignore' || expected === undefined) return;
    const value = Array.isArray(expected) ? expected.join(',') : expected;
    if (!isAccountId(value)) throw S3Errors.invalidBucketOwner(value);
    if (bucketOwner === undefined) return;
    const owner = await bucketOwner(bucket, req);
    if (owner !== undefined && owner !== value) throw S3Errors.accessDenied();
  }

  /** Reads, verifies, parses and validates a PutBucketCors body. */
  async function readConfiguration(req: IncomingMessage): Promise<CorsConfiguration> {
    const integrity = requireIntegrityHeaders(req.headers);
    const body = await readRequestBody(req);
    await verifyIntegrity(body, integrity);
    return parseCorsConfiguration(body, bodyFormat(req));
  }

  function sendEmpty(res: ServerResponse, status: number): void {
    ensureRequestIds(res);
    res.statusCode = status;
    if (status !== 204) res.setHeader('Content-Length', 0);
    res.end();
  }

  async function perform(req: IncomingMessage, res: ServerResponse, operation: Operation, bucket: string): Promise<string> {
    await checkAccess(req, operation, bucket);
    if (operation === 'PutBucketCors') {
      const configuration = await readConfiguration(req);
      await storeCall(bucket, () => store.put(bucket, configuration));
      sendEmpty(res, 200);
      return `stored ${configuration.CORSRules.length} rule(s)`;
    }
    if (operation === 'DeleteBucketCors') {
      await storeCall(bucket, () => store.delete(bucket));
      sendEmpty(res, 204);
      return 'deleted';
    }
    const stored = await storeCall(bucket, () => store.get(bucket));
    if (stored === null) throw S3Errors.noSuchCorsConfiguration(bucket);
    const json = wantsJson(req);
    const body = json ? serializeCorsJson(stored.configuration) : serializeCorsXml(stored.configuration);
    ensureRequestIds(res);
    res.statusCode = 200;
    res.setHeader('Content-Type', json ? 'application/json' : 'application/xml');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
    return `returned ${stored.configuration.CORSRules.length} rule(s) as ${json ? 'JSON' : 'XML'}`;
  }

  function fail(req: IncomingMessage, res: ServerResponse, operation: Operation, bucket: string, error: unknown): void {
    if (error instanceof RequestAbortedError) {
      debug('%s %s %s: client aborted the request', operation, ACTIONS[operation], bucket);
      return;
    }
    let answer: S3Error;
    if (isS3Error(error)) {
      answer = error;
    } else {
      // BodyConsumedError is a mounting mistake of the application, not of the client: 500, explained in the log.
      logger.error(`express-bucket-cors: ${operation} on bucket "${bucket}" failed${error instanceof BodyConsumedError ? '' : ' unexpectedly'}`, error);
      answer = S3Errors.internalError();
    }
    debug('%s %s %s: %d %s', operation, ACTIONS[operation], bucket, answer.status, answer.code);
    discardUnreadBody(req, res);
    sendS3Error(req, res, answer);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, operation: Operation): Promise<boolean> {
    let bucket = '';
    try {
      const address = await resolveBucket(req);
      if (address === null || address.key !== '') return false;
      bucket = address.bucket;
      const outcome = await perform(req, res, operation, bucket);
      debug('%s %s %s: %s', operation, ACTIONS[operation], bucket, outcome);
    } catch (error) {
      fail(req, res, operation, bucket, error);
    }
    return true;
  }

  return (req, res, next) => {
    const operation = OPERATIONS.get(req.method);
    if (operation === undefined || !hasCorsSubresource(req.url)) {
      next();
      return;
    }
    handle(req, res, operation).then(
      (handled) => {
        if (!handled) {
          debug('%s: not a bucket ?cors request, passing on', operation);
          next();
        }
      },
      // fail() itself threw (e.g. a broken logger): never leave the request hanging or the promise rejected.
      () => {
        if (!res.writableEnded) res.destroy();
      },
    );
  };
}
