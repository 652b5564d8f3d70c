// The S3 `?cors` sub-resource of a bucket: PutBucketCors, GetBucketCors and DeleteBucketCors (docs/behaviour.md §3–§6).

import createDebug from 'debug';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminError, createAdminService, DEFAULT_STORE_TIMEOUT_MS, isAdminError, type AdminAccessContext, type AdminAuthorizer } from '../../admin/service.js';
import { explain, type ExplainRequest } from '../../core/explain.js';
import { lint } from '../../core/lint.js';
import type { CorsConfiguration } from '../../core/model.js';
import { BodyConsumedError, discardUnreadBody, readRequestBody, RequestAbortedError } from '../../http/body.js';
import { bucketExistsOption, loggerOption, retryAfterSecondsOption, storeOption, type BucketExists } from '../../http/options.js';
import { createBucketResolver, type AddressingOptions } from '../../http/resolve.js';
import { oneOf, optionalFunction, positiveNumber, readOptions, refuseMiddlewareArguments, type OptionCheck, type OptionChecks } from '../../options.js';
import type { Logger } from '../../options.js';
import type { RuleStore } from '../../store/types.js';
import { requireIntegrityHeaders, verifyIntegrity } from './checksum.js';
import { isS3Error, MAX_CORS_DOCUMENT_BYTES, S3Errors, type S3Error } from './errors.js';
import { serializeCorsJson } from './json.js';
import { ensureRequestIds, sendS3Error } from './response.js';
import { parseCorsConfiguration } from './validate.js';
import { serializeCorsXml } from './xml.js';

const debug = createDebug('express-bucket-cors:router');

/** The IAM action a `?cors` call needs: S3 authorizes DeleteBucketCors as `s3:PutBucketCORS`. */
export type CorsRouterAction = 's3:PutBucketCORS' | 's3:GetBucketCORS';

/** What {@link CorsRouterOptions.authorize} is asked about. */
export type CorsAuthorizeContext = AdminAccessContext<CorsRouterAction>;

/**
 * Decides whether the request may perform `action` on `bucket`. `true` allows; anything else answers
 * 403 AccessDenied. May throw (or reject with) an {@link S3Error} to answer with that error instead.
 * `Req` is your server's request type (e.g. Express's `Request` with your `user`), so the callback can
 * read what your authentication middleware put there.
 */
export type CorsAuthorizer<Req extends IncomingMessage = IncomingMessage> = AdminAuthorizer<Req, CorsRouterAction>;

/** Options of {@link corsRouter}; `Req` is the request type your server's handlers see. */
export interface CorsRouterOptions<Req extends IncomingMessage = IncomingMessage> {
  /** Where configurations are read and written (a `MemoryRuleStore`, a `RedisRuleStore`, or yours). Required. */
  readonly store: RuleStore;
  /**
   * Who may read and change CORS configurations. Required, with no default: pass `() => true` to
   * let everyone (e.g. behind your own authentication middleware), explicitly.
   */
  readonly authorize: CorsAuthorizer<Req>;
  /** How the bucket is found in the request (path-style, virtual-hosted). Default: path-style only. */
  readonly addressing?: AddressingOptions;
  /**
   * Whether `bucket` exists; when not, the answer is 404 NoSuchBucket. When it throws or does not
   * answer within `storeTimeoutMs`, the answer is 503 ServiceUnavailable. Default: every bucket exists.
   */
  readonly bucketExists?: BucketExists<Req>;
  /**
   * The 12-digit account ID owning `bucket`, compared with `x-amz-expected-bucket-owner`.
   * Default: none (owners are never compared; a malformed header is still refused in `'enforce'` mode).
   */
  readonly bucketOwner?: (bucket: string, req: Req) => string | undefined | Promise<string | undefined>;
  /**
   * `'enforce'` (default, as S3): a malformed `x-amz-expected-bucket-owner` answers 400
   * InvalidBucketOwnerAWSAccountID, another owner than {@link bucketOwner}'s answers 403 AccessDenied.
   * `'ignore'` (as IBM COS): the header is not looked at.
   */
  readonly expectedBucketOwner?: 'enforce' | 'ignore';
  /**
   * Longest wait, in ms, for one store call (and for `bucketExists`) before answering 503
   * ServiceUnavailable. A PUT answered so may still be applied later; repeating it is safe.
   * Default: 1,000.
   */
  readonly storeTimeoutMs?: number;
  /** `Retry-After` seconds sent with 503 ServiceUnavailable when the store fails. Default: 1. */
  readonly retryAfterSeconds?: number;
  /** Where store failures (at most one line per error kind per 10 s) and unexpected errors are reported. Default: `console`. */
  readonly logger?: Logger;
}

/** A connect-style handler: Express 4 and 5 `app.use()`, or any framework passing `(req, res, next)`. */
export type CorsRouterHandler<Req extends IncomingMessage = IncomingMessage> = (req: Req, res: ServerResponse, next: (error?: unknown) => void) => void;

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

const authorizeOption: OptionCheck<CorsAuthorizer> = (value, fail) => {
  if (typeof value !== 'function')
    fail(
      'be given: a function (req, { action, bucket }) => boolean | Promise<boolean> deciding who may read and change ' +
        'bucket CORS configurations. To allow everyone, say so explicitly with `authorize: () => true`',
    );
  return value as CorsAuthorizer;
};

const OPTION_CHECKS = {
  store: storeOption(['get', 'put', 'delete'], false),
  authorize: authorizeOption,
  // Checked in full by createBucketResolver.
  addressing: (value) => value as AddressingOptions | undefined,
  bucketExists: bucketExistsOption,
  bucketOwner: optionalFunction<NonNullable<CorsRouterOptions['bucketOwner']>>('(bucket, req) => string | undefined | Promise<…> returning a 12-digit account ID'),
  expectedBucketOwner: oneOf(['enforce', 'ignore'], 'enforce'),
  storeTimeoutMs: positiveNumber(DEFAULT_STORE_TIMEOUT_MS, 'milliseconds', false),
  retryAfterSeconds: retryAfterSecondsOption,
  logger: loggerOption,
} satisfies OptionChecks<CorsRouterOptions>;

/** The S3 error for a refusal of the admin service. */
function s3ErrorForAdmin(error: AdminError, bucket: string, retryAfterSeconds: number): S3Error {
  switch (error.reason) {
    case 'no-bucket':
      return S3Errors.noSuchBucket(bucket);
    case 'access-denied':
      return S3Errors.accessDenied();
    case 'invalid-owner':
      return S3Errors.invalidBucketOwner(error.value ?? '');
    case 'unavailable':
      return S3Errors.serviceUnavailable(retryAfterSeconds);
  }
}

/** The raw URL's query parameters. */
function queryOf(url: string | undefined): URLSearchParams {
  const start = url?.indexOf('?') ?? -1;
  return new URLSearchParams(start === -1 ? '' : url!.slice(start + 1));
}

/** True when the raw URL's query names the `cors` sub-resource (`?cors`, `?cors=`, among other parameters). */
const hasCorsSubresource = (url: string | undefined): boolean => queryOf(url).has('cors');

/** Response header naming the lint codes of the configuration a PUT stored or a GET returns (S3 clients ignore it). */
export const LINT_HEADER = 'x-bucket-cors-lint';

function setLintHeader(res: ServerResponse, configuration: CorsConfiguration): void {
  const codes = [...new Set(lint(configuration).map((warning) => warning.code))];
  if (codes.length > 0) res.setHeader(LINT_HEADER, codes.join(','));
}

/**
 * The hypothetical request of `GET ?cors&explain`: `origin`, `method` (default GET), `headers`
 * (comma-separated), `preflight` (`true` unless `false`), `requestMethod` (a preflight's
 * Access-Control-Request-Method; default `method`).
 */
function explainRequestOf(query: URLSearchParams): ExplainRequest {
  const method = query.get('method') ?? 'GET';
  const requestMethod = query.get('requestMethod');
  const headers = query.get('headers');
  return {
    origin: query.get('origin') ?? undefined,
    method,
    preflight: query.get('preflight') !== 'false',
    ...(requestMethod !== null && { requestMethod }),
    ...(headers !== null && { requestHeaders: headers }),
  };
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

/**
 * The handler for the `?cors` sub-resource of a bucket, S3-compatible (AWS SDKs and the AWS CLI work
 * against it): `PUT` stores a configuration (XML, or JSON with `Content-Type: application/json`),
 * `GET` returns it (XML, or JSON with `Accept: application/json`), `DELETE` removes it. Any other
 * request — another method, no `cors` in the query, an object path — goes to `next()`.
 *
 * Owner-only extensions, authorized like GetBucketCors: `GET ?cors&explain&origin=…&method=…`
 * answers `explain()` of that request against the stored rules, `GET ?cors&lint` answers `lint()`;
 * PUT and GET answers name the lint codes in `x-bucket-cors-lint`.
 *
 * Checks, in order: bucket exists (404 NoSuchBucket) → `authorize` (403 AccessDenied) →
 * `x-amz-expected-bucket-owner` → for PUT: integrity header present, body ≤ 65,536 bytes, checksums
 * match, configuration valid. Every answer carries `x-amz-request-id` and `x-amz-id-2`; errors are
 * S3 XML errors; a failing store answers 503 ServiceUnavailable with `Retry-After`.
 *
 * @throws TypeError when an option is missing or wrong (notably `authorize`).
 */
export function corsRouter<Req extends IncomingMessage = IncomingMessage>(options: CorsRouterOptions<Req>): CorsRouterHandler<Req> {
  // `app.use(corsRouter)` hands Express's (req, res, next) here.
  refuseMiddlewareArguments('corsRouter', arguments, 'app.use(corsRouter({ store, authorize }))');
  if (options === undefined) throw new TypeError('corsRouter(options): pass an options object with at least `store` and `authorize`.');
  const checked = readOptions('corsRouter', options, OPTION_CHECKS);
  const { store, expectedBucketOwner, retryAfterSeconds, logger } = checked;
  const resolveBucket = createBucketResolver(checked.addressing);
  const admin = createAdminService<Req, CorsRouterAction>({
    store,
    // The checks above are written for the default request type; the callbacks are the caller's, typed for `Req`.
    authorize: checked.authorize as CorsAuthorizer<Req>,
    bucketExists: checked.bucketExists as BucketExists<Req> | undefined,
    bucketOwner: checked.bucketOwner as CorsRouterOptions<Req>['bucketOwner'],
    storeTimeoutMs: checked.storeTimeoutMs,
    logger,
    isAnswer: isS3Error,
  });

  /** The `x-amz-expected-bucket-owner` value to check, unless the router ignores it. */
  function expectedOwner(req: IncomingMessage): string | undefined {
    const expected = req.headers['x-amz-expected-bucket-owner'];
    if (expectedBucketOwner === 'ignore' || expected === undefined) return undefined;
    return Array.isArray(expected) ? expected.join(',') : expected;
  }

  /** The request body, read at most once (by `authorize` or by the operation), within S3's 64 KB limit. */
  function bodyReader(req: IncomingMessage): () => Promise<Buffer> {
    let body: Promise<Buffer> | undefined;
    return () => (body ??= readRequestBody(req, MAX_CORS_DOCUMENT_BYTES, S3Errors.maxMessageLengthExceeded));
  }

  /** Verifies, parses and validates a PutBucketCors body; the integrity header is required before any byte is read. */
  async function readConfiguration(req: IncomingMessage, readBody: () => Promise<Buffer>): Promise<CorsConfiguration> {
    const integrity = requireIntegrityHeaders(req.headers);
    const body = await readBody();
    await verifyIntegrity(body, integrity);
    return parseCorsConfiguration(body, bodyFormat(req));
  }

  function sendEmpty(res: ServerResponse, status: number): void {
    ensureRequestIds(res);
    res.statusCode = status;
    if (status !== 204) res.setHeader('Content-Length', 0);
    res.end();
  }

  function sendJson(res: ServerResponse, value: unknown): void {
    const body = JSON.stringify(value);
    ensureRequestIds(res);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }

  async function perform(req: Req, res: ServerResponse, operation: Operation, bucket: string): Promise<string> {
    const readBody = bodyReader(req);
    await admin.checkAccess(req, ACTIONS[operation], bucket, expectedOwner(req), readBody);
    if (operation === 'PutBucketCors') {
      const configuration = await readConfiguration(req, readBody);
      await admin.put(bucket, configuration);
      setLintHeader(res, configuration);
      sendEmpty(res, 200);
      return `stored ${configuration.CORSRules.length} rule(s)`;
    }
    if (operation === 'DeleteBucketCors') {
      await admin.delete(bucket);
      sendEmpty(res, 204);
      return 'deleted';
    }
    const stored = await admin.get(bucket);
    if (stored === null) throw S3Errors.noSuchCorsConfiguration(bucket);
    const query = queryOf(req.url);
    if (query.has('lint')) {
      sendJson(res, { warnings: lint(stored.configuration) });
      return 'returned lint warnings';
    }
    if (query.has('explain')) {
      sendJson(res, explain(stored.configuration, explainRequestOf(query)));
      return 'returned an explanation';
    }
    setLintHeader(res, stored.configuration);
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
    } else if (isAdminError(error)) {
      answer = s3ErrorForAdmin(error, bucket, retryAfterSeconds);
    } else {
      // BodyConsumedError is a mounting mistake of the application, not of the client: 500, explained in the log.
      logger.error(`express-bucket-cors: ${operation} on bucket "${bucket}" failed${error instanceof BodyConsumedError ? '' : ' unexpectedly'}`, error);
      answer = S3Errors.internalError();
    }
    debug('%s %s %s: %d %s', operation, ACTIONS[operation], bucket, answer.status, answer.code);
    discardUnreadBody(req, res);
    sendS3Error(req, res, answer);
  }

  async function handle(req: Req, res: ServerResponse, operation: Operation): Promise<boolean> {
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
