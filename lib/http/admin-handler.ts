// The one skeleton of every dialect's admin router: route → locate → access checks → operation, one
// error triage, the body read once, never a hung request; and rules dropped with their bucket.

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createAdminService,
  DEFAULT_STORE_TIMEOUT_MS,
  isAdminError,
  type AdminAccessHook,
  type AdminAuthorizer,
  type AdminRefusal,
  type AdminService,
} from '../admin/service.js';
import { durationMs, flag, readOptions, refuseMiddlewareArguments, type CheckedOptions, type Logger, type OptionCheck, type OptionChecks } from '../options.js';
import type { ChangeOrigin, RuleStore } from '../store/types.js';
import { BodyConsumedError, discardUnreadBody, readRequestBody, RequestAbortedError } from './body.js';
import { loggerOption, retryAfterSecondsOption, storeOption, type BucketExists } from './options.js';

/** Default {@link AdminRouterOptions.dropRulesOnDelete}: on, as S3 deletes a bucket's CORS configuration with the bucket. */
export const DEFAULT_DROP_RULES_ON_DELETE = true;

/** The options every dialect's admin router takes (`corsRouter`, `mediaStoreRouter`); `Action` names its IAM actions. */
export interface AdminRouterOptions<Req extends IncomingMessage = IncomingMessage, Action extends string = string> {
  /** Where configurations are read and written (a `MemoryRuleStore`, a `RedisRuleStore`, or yours). Required. */
  readonly store: RuleStore;
  /**
   * Who may read and change the rules. Required, with no default: pass `() => true` to let everyone
   * (e.g. behind your own authentication middleware), explicitly.
   */
  readonly authorize: AdminAuthorizer<Req, Action>;
  /**
   * Longest wait, in ms, for one store call (and for the existence check) before answering 503
   * (S3 `ServiceUnavailable`, MediaStore `ServiceUnavailable`). A put answered so may still be
   * applied later; repeating it is safe. Default: 1,000.
   */
  readonly storeTimeoutMs?: number;
  /** `Retry-After` seconds sent with the 503 when the store fails. Default: 1. */
  readonly retryAfterSeconds?: number;
  /** Where store failures (at most one line per error kind per 10 s) and unexpected errors are reported. Default: `console`. */
  readonly logger?: Logger;
  /**
   * Whether a successful bucket deletion passing through the router to your backend (S3 `DELETE
   * /<bucket>` answered 204 or 200; MediaStore `DeleteContainer` answered 200) also deletes that
   * bucket's rules from the store, as S3 does: a bucket created again later starts without rules.
   * A failed deletion (409 BucketNotEmpty, 404, 403, …) leaves them. Every instance's cache hears of
   * the drop through the store's invalidation. A store failure while dropping is logged (rate-limited)
   * and never changes the backend's answer; repeat the drop with the handler's `bucketDeleted()`.
   * Default: `true`.
   */
  readonly dropRulesOnDelete?: boolean;
}

/** What a dialect's admin router returns: a connect-style handler (Express 4 and 5 `app.use()`), plus the lifecycle hook. */
export interface AdminRouterHandler<Req extends IncomingMessage = IncomingMessage> {
  (req: Req, res: ServerResponse, next: (error?: unknown) => void): void;
  /**
   * Drops the rules of `bucket` (a MediaStore container too) after your server deleted it somewhere
   * the router does not see, exactly as after a deletion through the router: within
   * `storeTimeoutMs`, every instance's cache notified. Never rejects: resolves `false` when the store
   * failed (logged, rate-limited); calling it again is safe.
   */
  bucketDeleted(bucket: string): Promise<boolean>;
}

/** One admin call, handed to its operation once the access checks passed. */
export interface AdminCall<Req extends IncomingMessage, Action extends string, Target> {
  readonly req: Req;
  readonly res: ServerResponse;
  /** What the dialect's `locate` found: at least the bucket. */
  readonly target: Target;
  /** The request body, read once within the dialect's limit (the same bytes `authorize` may have read). */
  readonly body: () => Promise<Buffer>;
  readonly admin: AdminService<Req, Action>;
  /** What the call's changes are recorded as: source `router`, and the principal of `authorize`'s grant, if any. */
  readonly origin: ChangeOrigin;
}

/** One row of a dialect's operations table. */
export interface AdminOperation<Req extends IncomingMessage, Action extends string, Target> {
  /** The IAM action `authorize` is asked about. */
  readonly action: Action;
  /** Validates, calls the store and sends the answer; resolves with a short outcome for the debug line. */
  perform(call: AdminCall<Req, Action, Target>): Promise<string>;
}

/** How a dialect renders its answers: errors in its own format. */
export interface AdminEnvelope<Answer> {
  /** Errors answered as they are (thrown by the dialect's own code, `authorize` or `bucketExists`). */
  is(error: unknown): error is Answer;
  /** The dialect's error for a refusal of the admin service (`req`: to name the request's condition headers). */
  refusal(reason: AdminRefusal, bucket: string, retryAfterSeconds: number, req: IncomingMessage): Answer;
  /** The 500 answered for anything unexpected (which is logged). */
  internal(): Answer;
  send(req: IncomingMessage, res: ServerResponse, answer: Answer): void;
  /** Status and name, for the debug line. */
  label(answer: Answer): string;
}

/** A request that may delete a bucket, watched as it passes to the backend. */
export interface BucketDeletion {
  /** Whether the backend's status says the bucket is gone. */
  succeeded(status: number): boolean;
  /** The bucket deleted, asked once the answer was sent; `null` when the request named none. */
  bucket(): string | null | Promise<string | null>;
}

/** What a dialect fills the skeleton with: its operations table, how requests map to it, its envelope. */
export interface AdminRouterDialect<Req extends IncomingMessage, Operation extends string, Action extends string, Target extends { readonly bucket: string }, Answer> {
  /** Where the router's debug lines go (a `debug` instance, e.g. `createDebug('my-dialect')`). */
  readonly debug: (format: string, ...args: unknown[]) => void;
  /** What the dialect calls a bucket, for log lines (`bucket`, `container`). */
  readonly noun: string;
  readonly operations: Readonly<Record<Operation, AdminOperation<Req, Action, Target>>>;
  /** The operation a request asks for, decided from the method, URL and headers alone; `undefined` passes it on. */
  route(req: Req): Operation | undefined;
  /** What the call is about; `null` passes the request on. Throws (rejects with) the dialect's error for bad input. */
  locate(req: Req, body: () => Promise<Buffer>): Target | null | Promise<Target | null>;
  /** Largest body read, in bytes, and the dialect's error for a larger one. */
  readonly bodyLimit: number;
  tooLarge(): unknown;
  /** The dialect's own access check after `authorize` (S3: the expected bucket owner). */
  readonly afterAuthorize?: AdminAccessHook<Req, Action>;
  readonly envelope: AdminEnvelope<Answer>;
  /** Recognises a bucket deletion among the requests passed on; `undefined` for any other. Default: none is. */
  deletion?(req: Req): BucketDeletion | undefined;
}

/**
 * What the skeleton runs with: {@link AdminRouterOptions} once checked, every default applied (see
 * there), and the dialect's existence check under its own name.
 */
export interface AdminRouterSettings<Req extends IncomingMessage, Action extends string> {
  readonly store: RuleStore;
  readonly authorize: AdminAuthorizer<Req, Action>;
  /** Whether the bucket exists; `undefined`: every bucket does. */
  readonly exists: BucketExists<Req> | undefined;
  readonly storeTimeoutMs: number;
  readonly retryAfterSeconds: number;
  readonly logger: Logger;
  readonly dropRulesOnDelete: boolean;
}

/** `authorize`: required, a function; the message says how to allow everyone, explicitly. */
function authorizeOption(subject: string): OptionCheck<AdminAuthorizer> {
  return (value, fail) => {
    if (typeof value !== 'function')
      fail(
        `be given: a function (req, { action, bucket, body }) => boolean | Promise<boolean> deciding who may read and change ${subject}. ` +
          'To allow everyone, say so explicitly with `authorize: () => true`',
      );
    return value as AdminAuthorizer;
  };
}

/** The checks of {@link AdminRouterOptions}; `subject` names what `authorize` guards (`bucket CORS configurations`). */
export function adminOptionChecks(subject: string) {
  return {
    store: storeOption(['get', 'put', 'delete'], false),
    authorize: authorizeOption(subject),
    storeTimeoutMs: durationMs(DEFAULT_STORE_TIMEOUT_MS),
    retryAfterSeconds: retryAfterSecondsOption,
    logger: loggerOption,
    dropRulesOnDelete: flag(DEFAULT_DROP_RULES_ON_DELETE),
  } satisfies OptionChecks<AdminRouterOptions>;
}

/**
 * The `options` of the router factory `owner`, called with `args` (its `arguments`): refuses
 * `app.use(owner)` and a missing options object, then checks each option once.
 * @throws TypeError naming `owner` and the option.
 */
export function readAdminRouterOptions<C extends Record<string, OptionCheck<unknown>>>(owner: string, options: unknown, args: ArrayLike<unknown>, checks: C): CheckedOptions<C> {
  // `app.use(owner)` hands Express's (req, res, next) to the factory.
  refuseMiddlewareArguments(owner, args, `app.use(${owner}({ store, authorize }))`);
  if (options === undefined) throw new TypeError(`${owner}(options): pass an options object with at least \`store\` and \`authorize\`.`);
  return readOptions(owner, options, checks);
}

/** The request body, read at most once (by `authorize`, `locate` or the operation), within `limit`. */
function bodyReader(req: IncomingMessage, limit: number, tooLarge: () => unknown): () => Promise<Buffer> {
  let body: Promise<Buffer> | undefined;
  return () => (body ??= readRequestBody(req, limit, tooLarge));
}

/** The skeleton's steps, one method each; a dialect's router is one of these with its table and envelope. */
class AdminRouter<Req extends IncomingMessage, Operation extends string, Action extends string, Target extends { readonly bucket: string }, Answer> {
  readonly #settings: AdminRouterSettings<Req, Action>;
  readonly #dialect: AdminRouterDialect<Req, Operation, Action, Target, Answer>;
  readonly admin: AdminService<Req, Action>;

  constructor(settings: AdminRouterSettings<Req, Action>, dialect: AdminRouterDialect<Req, Operation, Action, Target, Answer>) {
    this.#settings = settings;
    this.#dialect = dialect;
    this.admin = createAdminService<Req, Action>({
      store: settings.store,
      authorize: settings.authorize,
      bucketExists: settings.exists,
      afterAuthorize: dialect.afterAuthorize,
      storeTimeoutMs: settings.storeTimeoutMs,
      logger: settings.logger,
      isAnswer: dialect.envelope.is,
    });
  }

  /** Route: an operation of the table is handled here, anything else goes on to the backend. */
  route(req: Req, res: ServerResponse, next: (error?: unknown) => void): void {
    const operation = this.#dialect.route(req);
    if (operation === undefined) {
      this.#passOn(req, res, next);
      return;
    }
    this.#handle(req, res, operation)
      .then((handled) => {
        if (handled) return;
        this.#dialect.debug('%s: not a %s request of this router, passing on', operation, this.#dialect.noun);
        this.#passOn(req, res, next);
      })
      // #fail() itself threw (e.g. a broken logger), or next() did: never leave the request hanging or the promise rejected.
      .catch(() => {
        if (!res.writableEnded) res.destroy();
      });
  }

  /** Locate → access checks → perform; resolves `false` when `locate` passes the request on. */
  async #handle(req: Req, res: ServerResponse, operation: Operation): Promise<boolean> {
    const { bodyLimit, tooLarge, operations, debug } = this.#dialect;
    const body = bodyReader(req, bodyLimit, tooLarge);
    let bucket = '';
    try {
      const target = await this.#dialect.locate(req, body);
      if (target === null) return false;
      bucket = target.bucket;
      const { action, perform } = operations[operation];
      const principal = await this.admin.checkAccess(req, action, bucket, body);
      const origin: ChangeOrigin = principal === undefined ? { source: 'router' } : { source: 'router', principal };
      debug('%s %s %s: %s', operation, action, bucket, await perform({ req, res, target, body, admin: this.admin, origin }));
    } catch (error) {
      this.#fail(req, res, operation, bucket, error);
    }
    return true;
  }

  /** Error triage: the dialect's own errors as they are, refusals in its words, aborted clients unanswered, the rest a logged 500. */
  #fail(req: Req, res: ServerResponse, operation: Operation, bucket: string, error: unknown): void {
    const { envelope, debug, noun } = this.#dialect;
    if (error instanceof RequestAbortedError) {
      debug('%s %s: client aborted the request', operation, bucket);
      return;
    }
    let answer: Answer;
    if (envelope.is(error)) answer = error;
    else if (isAdminError(error)) answer = envelope.refusal(error.reason, bucket, this.#settings.retryAfterSeconds, req);
    else {
      // BodyConsumedError is a mounting mistake of the application, not of the client: 500, explained in the log.
      const where = bucket === '' ? '' : ` on ${noun} ${JSON.stringify(bucket)}`;
      this.#settings.logger.error(`express-bucket-cors: ${operation}${where} failed${error instanceof BodyConsumedError ? '' : ' unexpectedly'}`, error);
      answer = envelope.internal();
    }
    debug('%s %s: %s', operation, bucket, envelope.label(answer));
    discardUnreadBody(req, res);
    envelope.send(req, res, answer);
  }

  #passOn(req: Req, res: ServerResponse, next: (error?: unknown) => void): void {
    if (this.#settings.dropRulesOnDelete) this.#watchDeletion(req, res);
    next();
  }

  /** Lifecycle: drops the rules of the bucket a passed-on request deleted, once its successful answer was sent. */
  #watchDeletion(req: Req, res: ServerResponse): void {
    const deletion = this.#dialect.deletion?.(req);
    if (deletion === undefined) return;
    const { debug, noun } = this.#dialect;
    res.once('finish', () => {
      if (!deletion.succeeded(res.statusCode)) return;
      new Promise<string | null>((resolve) => resolve(deletion.bucket()))
        .then(async (bucket) => {
          if (bucket === null) return;
          const dropped = await this.admin.bucketDeleted(bucket);
          debug('%s %s deleted by the backend: rules %s', noun, bucket, dropped ? 'dropped' : 'kept (the store failed)');
        })
        .catch((error: unknown) => debug('finding the deleted %s failed: %O', noun, error));
    });
  }
}

/** Builds a dialect's admin router on the skeleton; see {@link AdminRouterDialect}. */
export function createAdminRouter<Req extends IncomingMessage, Operation extends string, Action extends string, Target extends { readonly bucket: string }, Answer>(
  settings: AdminRouterSettings<Req, Action>,
  dialect: AdminRouterDialect<Req, Operation, Action, Target, Answer>,
): AdminRouterHandler<Req> {
  const router = new AdminRouter(settings, dialect);
  const handler = (req: Req, res: ServerResponse, next: (error?: unknown) => void): void => router.route(req, res, next);
  return Object.assign(handler, { bucketDeleted: (bucket: string) => router.admin.bucketDeleted(bucket) });
}
