// MediaStore's CORS-policy control plane: PutCorsPolicy, GetCorsPolicy, DeleteCorsPolicy over JSON 1.1 (express-bucket-cors/docs/behaviour.md §13).

import createDebug from 'debug';
import type { IncomingMessage } from 'node:http';
import type { AdminAuthorizer, AdminRefusal } from '../../admin/service.js';
import { isPlainObject } from '../../core/values.js';
import {
  adminOptionChecks,
  createAdminRouter,
  readAdminRouterOptions,
  type AdminCall,
  type AdminEnvelope,
  type AdminOperation,
  type AdminRouterHandler,
  type AdminRouterOptions,
  type BucketDeletion,
} from '../../http/admin-handler.js';
import { watchRequestBody } from '../../http/body.js';
import { bucketExistsOption, type BucketExists } from '../../http/options.js';
import type { Logger, OptionChecks } from '../../options.js';
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

/**
 * Decides whether the request may perform `action` on `bucket` (the container). `true` allows;
 * anything else answers `AccessDeniedException`. May throw a `MediaStoreError` to answer with it.
 */
export type MediaStoreAuthorizer<Req extends IncomingMessage = IncomingMessage> = AdminAuthorizer<Req, MediaStoreAction>;

/** Options of {@link mediaStoreRouter}; `Req` is the request type your server's handlers see. */
export interface MediaStoreRouterOptions<Req extends IncomingMessage = IncomingMessage> extends AdminRouterOptions<Req, MediaStoreAction> {
  /**
   * Who may read and change CORS policies. Required, with no default: pass `() => true` to let
   * everyone, explicitly. Anything but `true` answers `AccessDeniedException`.
   */
  readonly authorize: MediaStoreAuthorizer<Req>;
  /**
   * Whether the container exists; when not, `ContainerNotFoundException`. When it throws or does not
   * answer within `storeTimeoutMs`, 503 `ServiceUnavailable`. Default: every container exists.
   */
  readonly containerExists?: BucketExists<Req>;
}

/** What {@link mediaStoreRouter} returns: a connect-style handler, with `bucketDeleted(container)` for containers deleted elsewhere. */
export type MediaStoreRouterHandler<Req extends IncomingMessage = IncomingMessage> = AdminRouterHandler<Req>;

const OPTION_CHECKS = {
  ...adminOptionChecks('CORS policies'),
  containerExists: bucketExistsOption,
} satisfies OptionChecks<MediaStoreRouterOptions>;

/** A PutCorsPolicy body holds the policy and a container name: room for both, and no more is read. */
const MAX_BODY_BYTES = 2 * MAX_POLICY_CHARACTERS;

/** What a call is about: the container it names, and the rest of its JSON input. */
interface MediaStoreTarget {
  readonly bucket: string;
  readonly input: Record<string, unknown>;
}

type MediaStoreCall = AdminCall<IncomingMessage, MediaStoreAction, MediaStoreTarget>;

/** The operation an `X-Amz-Target` names, whatever it is, for a request of MediaStore's control plane. */
function targetOperation(req: IncomingMessage): string | undefined {
  if (req.method !== 'POST' || !isRoot(req)) return undefined;
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(MEDIASTORE_TARGET_PREFIX) ? target.slice(MEDIASTORE_TARGET_PREFIX.length) : undefined;
}

/** The raw URL's path is `/` (the control plane is served at the endpoint's root, relative to a mount point). */
const isRoot = (req: IncomingMessage): boolean => req.url === '/' || req.url?.startsWith('/?') === true;

/** True for a request of MediaStore's control plane (`POST /` with a `MediaStore_20170901.*` target), whatever its operation. */
export function isMediaStoreRequest(req: IncomingMessage): boolean {
  return targetOperation(req) !== undefined;
}

function mediaStoreErrorForAdmin(reason: AdminRefusal, _container: string, retryAfterSeconds: number): MediaStoreError {
  switch (reason) {
    case 'no-bucket':
      return MediaStoreErrors.containerNotFound();
    case 'unavailable':
      return MediaStoreErrors.serviceUnavailable(retryAfterSeconds);
    default:
      return MediaStoreErrors.accessDenied();
  }
}

/** MediaStore's envelope: JSON 1.1 errors `{"__type": …, "Message": …}` (express-bucket-cors/docs/behaviour.md §13.3). */
const MEDIASTORE_ENVELOPE: AdminEnvelope<MediaStoreError> = {
  is: isMediaStoreError,
  refusal: mediaStoreErrorForAdmin,
  internal: MediaStoreErrors.internal,
  send: sendMediaStoreError,
  label: (error) => `${error.status} ${error.type}`,
};

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

/** The container a call names, from its JSON body; `ValidationException` for a malformed name. */
async function locateContainer(body: () => Promise<Buffer>): Promise<MediaStoreTarget> {
  const input = parseMediaStoreInput(await body());
  const container = input.ContainerName;
  if (!isContainerName(container)) throw MediaStoreErrors.validation('ContainerName must be 1 to 255 letters, digits, underscores or hyphens.');
  return { bucket: container, input };
}

async function putCorsPolicy({ res, target, admin, origin }: MediaStoreCall): Promise<string> {
  const configuration = parseCorsPolicy(target.input.CorsPolicy);
  await admin.put(target.bucket, configuration, origin);
  sendMediaStoreJson(res, 200, {});
  return `${target.bucket}: stored ${configuration.CORSRules.length} rule(s)`;
}

async function getCorsPolicy({ res, target, admin }: MediaStoreCall): Promise<string> {
  const stored = await admin.get(target.bucket);
  if (stored === null) throw MediaStoreErrors.corsPolicyNotFound();
  sendMediaStoreJson(res, 200, { CorsPolicy: policyOf(stored.configuration) });
  return `${target.bucket}: returned ${stored.configuration.CORSRules.length} rule(s)`;
}

/** As MediaStore, deleting a policy that is not there is `CorsPolicyNotFoundException`. */
async function deleteCorsPolicy({ res, target, admin, origin }: MediaStoreCall): Promise<string> {
  if ((await admin.get(target.bucket)) === null) throw MediaStoreErrors.corsPolicyNotFound();
  await admin.delete(target.bucket, origin);
  sendMediaStoreJson(res, 200, {});
  return `${target.bucket}: deleted`;
}

/** The operations table: each `X-Amz-Target` operation, its IAM action (`mediastore:<Operation>`) and its work. */
const OPERATIONS: Readonly<Record<Operation, AdminOperation<IncomingMessage, MediaStoreAction, MediaStoreTarget>>> = {
  PutCorsPolicy: { action: 'mediastore:PutCorsPolicy', perform: putCorsPolicy },
  GetCorsPolicy: { action: 'mediastore:GetCorsPolicy', perform: getCorsPolicy },
  DeleteCorsPolicy: { action: 'mediastore:DeleteCorsPolicy', perform: deleteCorsPolicy },
};

/** The container a DeleteContainer body names (raw bytes, or what a body parser made of them); `null` when unknown. */
function containerNamed(body: unknown): string | null {
  let input: unknown = body;
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    try {
      input = parseMediaStoreInput(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
    } catch {
      return null;
    }
  }
  const container = isPlainObject(input) ? input.ContainerName : undefined;
  return isContainerName(container) ? container : null;
}

/**
 * A DeleteContainer on its way to the backend; deleted when answered 200. The container is in the
 * body, which the router does not read: it is seen as the backend reads it (see `watchRequestBody`).
 * When it was not, the router says once how to drop the rules itself.
 */
function deleteContainerOf(req: IncomingMessage, logger: Logger, warned: { once: boolean }): BucketDeletion | undefined {
  if (targetOperation(req) !== 'DeleteContainer') return undefined;
  const body = watchRequestBody(req, MAX_BODY_BYTES);
  return {
    succeeded: (status) => status === 200,
    bucket: () => {
      const container = containerNamed(body());
      if (container === null && !warned.once) {
        warned.once = true;
        logger.warn(
          'express-bucket-cors: mediaStoreRouter saw a DeleteContainer succeed but not the container it named (the backend read the body ' +
            "without 'data' listeners, or no body parser left it on req.body); call bucketDeleted(container) from your DeleteContainer handler.",
        );
      }
      return container;
    },
  };
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
 * Lifecycle (as S3 with its buckets): a `DeleteContainer` your backend answers 200 also deletes the
 * container's policy (`dropRulesOnDelete`, default on); `bucketDeleted(container)` does the same for
 * containers deleted elsewhere. Every applied Put and Delete is versioned, recorded in the store's
 * history (source `router`, the principal `authorize` granted) and announced as one
 * `express-bucket-cors:change` event; MediaStore's API has no place for conditions, reading the
 * history, rollback or report-only candidates, so those are the CLI's and the store's
 * (express-bucket-cors/docs/behaviour.md §19.12).
 *
 * @throws TypeError when an option is missing or wrong (notably `authorize`).
 */
export function mediaStoreRouter<Req extends IncomingMessage = IncomingMessage>(options: MediaStoreRouterOptions<Req>): MediaStoreRouterHandler<Req> {
  const checked = readAdminRouterOptions('mediaStoreRouter', options, arguments, OPTION_CHECKS);
  const warned = { once: false };
  return createAdminRouter(
    {
      ...checked,
      authorize: checked.authorize as MediaStoreAuthorizer<Req>,
      exists: checked.containerExists as BucketExists<Req> | undefined,
    },
    {
      debug,
      noun: 'container',
      operations: OPERATIONS,
      route: (req) => {
        const operation = targetOperation(req);
        return operation !== undefined && Object.hasOwn(OPERATIONS, operation) ? (operation as Operation) : undefined;
      },
      locate: (_req, body) => locateContainer(body),
      bodyLimit: MAX_BODY_BYTES,
      tooLarge: () => MediaStoreErrors.validation(`The request body is larger than ${MAX_BODY_BYTES} bytes.`),
      envelope: MEDIASTORE_ENVELOPE,
      deletion: (req) => deleteContainerOf(req, checked.logger, warned),
    },
  );
}
