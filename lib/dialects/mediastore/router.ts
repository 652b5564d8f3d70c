// MediaStore's CORS-policy control plane: PutCorsPolicy, GetCorsPolicy, DeleteCorsPolicy over JSON 1.1 (docs/behaviour.md §13).

import createDebug from 'debug';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAdminService, DEFAULT_STORE_TIMEOUT_MS, isAdminError, type AdminAuthorizer, type AdminError } from '../../admin/service.js';
import { BodyConsumedError, discardUnreadBody, readRequestBody, RequestAbortedError } from '../../http/body.js';
import { bucketExistsOption, loggerOption, retryAfterSecondsOption, storeOption, type BucketExists } from '../../http/options.js';
import { positiveNumber, readOptions, refuseMiddlewareArguments, type OptionCheck, type OptionChecks } from '../../options.js';
import type { Logger } from '../../options.js';
import type { RuleStore } from '../../store/types.js';
import { isMediaStoreError, MediaStoreErrors, type MediaStoreError } from './errors.js';
import { parseCorsPolicy, policyOf } from './policy.js';
import { isContainerName, MAX_POLICY_CHARACTERS } from './profile.js';
import { sendMediaStoreError, sendMediaStoreJson } from './response.js';

const debug = createDebug('express-bucket-cors:mediastore');

/** `X-Amz-Target` prefix of every MediaStore control-plane call. */
export const MEDIASTORE_TARGET_PREFIX = 'MediaStore_20170901.';

/** The IAM action each operation needs (`mediastore:<Operation>`). */
export type MediaStoreAction = 'mediastore:PutCorsPolicy' | 'mediastore:GetCorsPolicy' | 'mediastore:DeleteCorsPolicy';

type Operation = 'PutCorsPolicy' | 'GetCorsPolicy' | 'DeleteCorsPolicy';
const OPERATIONS: ReadonlySet<string> = new Set<Operation>(['PutCorsPolicy', 'GetCorsPolicy', 'DeleteCorsPolicy']);

/**
 * Decides whether the request may perform `action` on `bucket` (the container). `true` allows;
 * anything else answers `AccessDeniedException`. May throw a `MediaStoreError` to answer with it.
 */
export type MediaStoreAuthorizer<Req extends IncomingMessage = IncomingMessage> = AdminAuthorizer<Req, MediaStoreAction>;

/** Options of {@link mediaStoreRouter}; `Req` is the request type your server's handlers see. */
export interface MediaStoreRouterOptions<Req extends IncomingMessage = IncomingMessage> {
  /** Where policies are read and written: the same store `bucketCors` and `corsRouter` use. Required. */
  readonly store: RuleStore;
  /** Who may read and change CORS policies. Required, with no default: pass `() => true` to let everyone, explicitly. */
  readonly authorize: MediaStoreAuthorizer<Req>;
  /**
   * Whether the container exists; when not, `ContainerNotFoundException`. When it throws or does not
   * answer within `storeTimeoutMs`, 503 `ServiceUnavailable`. Default: every container exists.
   */
  readonly containerExists?: BucketExists<Req>;
  /** Longest wait, in ms, for one store call (and for `containerExists`) before answering 503. Default: 1,000. */
  readonly storeTimeoutMs?: number;
  /** `Retry-After` seconds of the 503 `ServiceUnavailable`. Default: 1. */
  readonly retryAfterSeconds?: number;
  /** Where store failures (rate-limited) and unexpected errors are reported. Default: `console`. */
  readonly logger?: Logger;
}

const authorizeOption: OptionCheck<MediaStoreAuthorizer> = (value, fail) => {
  if (typeof value !== 'function')
    fail('be given: a function (req, { action, bucket }) => boolean | Promise<boolean> deciding who may read and change CORS policies. To allow everyone, say so explicitly with `authorize: () => true`');
  return value as MediaStoreAuthorizer;
};

const OPTION_CHECKS = {
  store: storeOption(['get', 'put', 'delete'], false),
  authorize: authorizeOption,
  containerExists: bucketExistsOption,
  storeTimeoutMs: positiveNumber(DEFAULT_STORE_TIMEOUT_MS, 'milliseconds', false),
  retryAfterSeconds: retryAfterSecondsOption,
  logger: loggerOption,
} satisfies OptionChecks<MediaStoreRouterOptions>;

/** A PutCorsPolicy body holds the policy and a container name: room for both, and no more is read. */
const MAX_BODY_BYTES = 2 * MAX_POLICY_CHARACTERS;

/** The operation an `X-Amz-Target` names, when it is one of this router's. */
function operationOf(req: IncomingMessage): Operation | undefined {
  if (req.method !== 'POST') return undefined;
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(MEDIASTORE_TARGET_PREFIX)) return undefined;
  const operation = target.slice(MEDIASTORE_TARGET_PREFIX.length);
  return OPERATIONS.has(operation) ? (operation as Operation) : undefined;
}

/** The raw URL's path is `/` (the control plane is served at the endpoint's root, relative to a mount point). */
const isRoot = (req: IncomingMessage): boolean => req.url === '/' || req.url?.startsWith('/?') === true;

/** True for a request of MediaStore's control plane (`POST /` with a `MediaStore_20170901.*` target), whatever its operation. */
export function isMediaStoreRequest(req: IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  return req.method === 'POST' && isRoot(req) && typeof target === 'string' && target.startsWith(MEDIASTORE_TARGET_PREFIX);
}

function mediaStoreErrorForAdmin(error: AdminError, retryAfterSeconds: number): MediaStoreError {
  switch (error.reason) {
    case 'no-bucket':
      return MediaStoreErrors.containerNotFound();
    case 'unavailable':
      return MediaStoreErrors.serviceUnavailable(retryAfterSeconds);
    default:
      return MediaStoreErrors.accessDenied();
  }
}

/**
 * The JSON object of a control-plane request body (`{}` for an empty body). Throws
 * `SerializationException` for invalid UTF-8 or JSON, or anything but an object.
 */
export function parseMediaStoreInput(body: Uint8Array): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw MediaStoreErrors.serialization('The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw MediaStoreErrors.serialization('The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

/**
 * The handler for MediaStore's CORS-policy operations (`aws mediastore put-cors-policy`,
 * `@aws-sdk/client-mediastore`, boto3 `mediastore`): `POST /` with `X-Amz-Target:
 * MediaStore_20170901.PutCorsPolicy|GetCorsPolicy|DeleteCorsPolicy` and a JSON 1.1 body. Every other
 * request — other operations included, so you can serve `CreateContainer` and the rest — goes to
 * `next()`.
 *
 * Checks, in order: `ContainerName` valid → container exists → `authorize` → (Put) policy valid by
 * MediaStore's rules. Answers: Put and Delete `{}`; Get `{"CorsPolicy": […]}`; errors
 * `{"__type": …, "Message": …}` (`ContainerNotFoundException`, `CorsPolicyNotFoundException` — also
 * for a Delete without a policy —, `ValidationException`, `AccessDeniedException`, 503
 * `ServiceUnavailable`). A policy is stored under the container's name in the same store as S3's
 * configurations: a container reached through both APIs has one set of rules.
 *
 * @throws TypeError when an option is missing or wrong (notably `authorize`).
 */
export function mediaStoreRouter<Req extends IncomingMessage = IncomingMessage>(
  options: MediaStoreRouterOptions<Req>,
): (req: Req, res: ServerResponse, next: (error?: unknown) => void) => void {
  // `app.use(mediaStoreRouter)` hands Express's (req, res, next) here.
  refuseMiddlewareArguments('mediaStoreRouter', arguments, 'app.use(mediaStoreRouter({ store, authorize }))');
  if (options === undefined) throw new TypeError('mediaStoreRouter(options): pass an options object with at least `store` and `authorize`.');
  const checked = readOptions('mediaStoreRouter', options, OPTION_CHECKS);
  const { retryAfterSeconds, logger } = checked;
  const admin = createAdminService<Req, MediaStoreAction>({
    store: checked.store,
    authorize: checked.authorize as MediaStoreAuthorizer<Req>,
    bucketExists: checked.containerExists as BucketExists<Req> | undefined,
    bucketOwner: undefined,
    storeTimeoutMs: checked.storeTimeoutMs,
    logger,
    isAnswer: isMediaStoreError,
  });

  async function perform(req: Req, res: ServerResponse, operation: Operation): Promise<string> {
    const body = await readRequestBody(req, MAX_BODY_BYTES, () => MediaStoreErrors.validation(`The request body is larger than ${MAX_BODY_BYTES} bytes.`));
    const input = parseMediaStoreInput(body);
    const container = input.ContainerName;
    if (!isContainerName(container))
      throw MediaStoreErrors.validation('ContainerName must be 1 to 255 letters, digits, underscores or hyphens.');
    await admin.checkAccess(req, `mediastore:${operation}`, container, undefined, () => Promise.resolve(body));
    if (operation === 'PutCorsPolicy') {
      const configuration = parseCorsPolicy(input.CorsPolicy);
      await admin.put(container, configuration);
      sendMediaStoreJson(res, 200, {});
      return `${container}: stored ${configuration.CORSRules.length} rule(s)`;
    }
    const stored = await admin.get(container);
    if (stored === null) throw MediaStoreErrors.corsPolicyNotFound();
    if (operation === 'GetCorsPolicy') {
      sendMediaStoreJson(res, 200, { CorsPolicy: policyOf(stored.configuration) });
      return `${container}: returned ${stored.configuration.CORSRules.length} rule(s)`;
    }
    await admin.delete(container);
    sendMediaStoreJson(res, 200, {});
    return `${container}: deleted`;
  }

  function fail(req: Req, res: ServerResponse, operation: Operation, error: unknown): void {
    if (error instanceof RequestAbortedError) return;
    let answer: MediaStoreError;
    if (isMediaStoreError(error)) answer = error;
    else if (isAdminError(error)) answer = mediaStoreErrorForAdmin(error, retryAfterSeconds);
    else {
      logger.error(`express-bucket-cors: ${operation} failed${error instanceof BodyConsumedError ? '' : ' unexpectedly'}`, error);
      answer = MediaStoreErrors.internal();
    }
    debug('%s: %d %s', operation, answer.status, answer.type);
    discardUnreadBody(req, res);
    sendMediaStoreError(req, res, answer);
  }

  return (req, res, next) => {
    const operation = operationOf(req);
    if (operation === undefined || !isRoot(req)) {
      next();
      return;
    }
    perform(req, res, operation).then(
      (outcome) => debug('%s %s', operation, outcome),
      (error: unknown) => {
        try {
          fail(req, res, operation, error);
        } catch {
          // fail() itself threw (e.g. a broken logger): never leave the request hanging.
          if (!res.writableEnded) res.destroy();
        }
      },
    );
  };
}
