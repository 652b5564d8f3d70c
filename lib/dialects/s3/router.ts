// The S3 `?cors` sub-resource of a bucket: PutBucketCors, GetBucketCors and DeleteBucketCors (express-bucket-cors/docs/behaviour.md §3–§6), and the report-only candidate beside it (§19.11).

import createDebug from 'debug';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAdminError, type AdminAccessContext, type AdminAccessHook, type AdminAuthorizer, type AdminRefusal, type AdminService } from '../../admin/service.js';
import { explain, type ExplainRequest } from '../../core/explain.js';
import { lint } from '../../core/lint.js';
import { S3_LINT_PACKS } from './lint.js';
import type { CorsConfiguration } from '../../core/model.js';
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
import { bucketExistsOption, type BucketExists } from '../../http/options.js';
import { createBucketResolver, type AddressingOptions, type BucketAddress, type BucketResolver } from '../../http/resolve.js';
import { oneOf, optionalFunction, validConfiguration, type OptionChecks } from '../../options.js';
import type { StoredConfiguration, StorePromoteOptions, StoreWriteOptions } from '../../store/types.js';
import { requireIntegrityHeaders, verifyIntegrity } from './checksum.js';
import { ANY_VERSION, conditionHeaderOf, ENFORCED_IF_MATCH, entityTagOf, promoteConditionsOf, writeConditionOf, type WriteCondition } from './conditions.js';
import { isS3Error, MAX_CORS_DOCUMENT_BYTES, S3Errors, type S3Error } from './errors.js';
import { serializeCorsJson } from './json.js';
import { ensureRequestIds, sendS3Error } from './response.js';
import { S3_PROFILE } from './profile.js';
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
export interface CorsRouterOptions<Req extends IncomingMessage = IncomingMessage> extends AdminRouterOptions<Req, CorsRouterAction> {
  /**
   * Who may read and change CORS configurations. Required, with no default: pass `() => true` to
   * let everyone (e.g. behind your own authentication middleware), explicitly. Anything but `true`
   * answers 403 AccessDenied.
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
   * The deployment's `defaultRules`, the same object you give `bucketCors`, so that the owner-only
   * `GET ?cors&explain` on a bucket without rules of its own explains what the middleware decides
   * (`source: 'default'`) instead of answering NoSuchCORSConfiguration. `GET ?cors` itself still
   * answers NoSuchCORSConfiguration, as S3 does. Checked against S3's profile at construction.
   * Default: none. (`serviceRules` apply to requests naming no bucket, which `?cors` never is.)
   */
  readonly defaultRules?: CorsConfiguration;
}

/**
 * What {@link corsRouter} returns: a connect-style handler (Express 4 and 5 `app.use()`, or any
 * framework passing `(req, res, next)`), with `bucketDeleted(bucket)` for buckets your server deletes
 * where the router does not see it.
 */
export type CorsRouterHandler<Req extends IncomingMessage = IncomingMessage> = AdminRouterHandler<Req>;

type Operation = 'PutBucketCors' | 'GetBucketCors' | 'DeleteBucketCors' | 'PutBucketCorsReportOnly' | 'GetBucketCorsReportOnly' | 'DeleteBucketCorsReportOnly' | 'PromoteBucketCors';

/** What a `?cors` call is about: the bucket of a bucket path. */
interface S3Target {
  readonly bucket: string;
}

type S3Call = AdminCall<IncomingMessage, CorsRouterAction, S3Target>;

const OPTION_CHECKS = {
  ...adminOptionChecks('bucket CORS configurations'),
  // Checked in full by createBucketResolver.
  addressing: (value) => value as AddressingOptions | undefined,
  bucketExists: bucketExistsOption,
  bucketOwner: optionalFunction<NonNullable<CorsRouterOptions['bucketOwner']>>('(bucket, req) => string | undefined | Promise<…> returning a 12-digit account ID'),
  expectedBucketOwner: oneOf(['enforce', 'ignore'], 'enforce'),
  defaultRules: validConfiguration(S3_PROFILE, 's3'),
} satisfies OptionChecks<CorsRouterOptions>;

/** The S3 error for a refusal of the admin service. */
function s3ErrorForAdmin(reason: AdminRefusal, bucket: string, retryAfterSeconds: number, req: IncomingMessage): S3Error {
  switch (reason) {
    case 'no-bucket':
      return S3Errors.noSuchBucket(bucket);
    case 'access-denied':
      return S3Errors.accessDenied();
    case 'unavailable':
      return S3Errors.serviceUnavailable(retryAfterSeconds);
    case 'precondition-failed':
      return S3Errors.preconditionFailed(conditionHeaderOf(req.headers) ?? 'If-Match');
    case 'not-implemented':
      return S3Errors.notImplemented(conditionHeaderOf(req.headers));
    case 'no-such-version':
      return S3Errors.noSuchVersion();
    case 'no-candidate':
      return S3Errors.noSuchReportOnlyConfiguration(bucket);
  }
}

/** S3's envelope: XML errors with request ids (express-bucket-cors/docs/behaviour.md §7). */
const S3_ENVELOPE: AdminEnvelope<S3Error> = {
  is: isS3Error,
  refusal: s3ErrorForAdmin,
  internal: S3Errors.internalError,
  send: sendS3Error,
  label: (error) => `${error.status} ${error.code}`,
};

/** The raw URL's query parameters. */
function queryOf(url: string | undefined): URLSearchParams {
  const start = url?.indexOf('?') ?? -1;
  return new URLSearchParams(start === -1 ? '' : url!.slice(start + 1));
}

/** Response header naming the lint codes of the configuration a PUT stored or a GET returns (S3 clients ignore it). */
export const LINT_HEADER = 'x-bucket-cors-lint';

function setLintHeader(res: ServerResponse, configuration: CorsConfiguration): void {
  const codes = [...new Set(lint(configuration, { packs: S3_LINT_PACKS }).map((warning) => warning.code))];
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

function sendEmpty(res: ServerResponse, status: number): void {
  ensureRequestIds(res);
  res.statusCode = status;
  if (status !== 204) res.setHeader('Content-Length', 0);
  res.end();
}

function sendBody(res: ServerResponse, contentType: string, body: string): void {
  ensureRequestIds(res);
  res.statusCode = 200;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

type S3Admin = AdminService<IncomingMessage, CorsRouterAction>;

/** Which configuration a `?cors` call reads and writes: the enforced one, or with `&report-only` the candidate (express-bucket-cors/docs/behaviour.md §19.11). */
interface ConfigurationSlot {
  get(admin: S3Admin, bucket: string): Promise<StoredConfiguration | null>;
  put(admin: S3Admin, bucket: string, configuration: CorsConfiguration, options: StoreWriteOptions): Promise<StoredConfiguration>;
  delete(admin: S3Admin, bucket: string, options: StoreWriteOptions): Promise<void>;
  /** The 404 of a GET when there is none. */
  missing(bucket: string): S3Error;
}

const ENFORCED: ConfigurationSlot = {
  get: (admin, bucket) => admin.get(bucket),
  put: (admin, bucket, configuration, options) => admin.put(bucket, configuration, options),
  delete: (admin, bucket, options) => admin.delete(bucket, options),
  missing: S3Errors.noSuchCorsConfiguration,
};

const CANDIDATE: ConfigurationSlot = {
  get: (admin, bucket) => admin.getCandidate(bucket),
  put: (admin, bucket, configuration, options) => admin.putCandidate(bucket, configuration, options),
  delete: (admin, bucket, options) => admin.deleteCandidate(bucket, options),
  missing: S3Errors.noSuchReportOnlyConfiguration,
};

/**
 * The version a condition asks for: its ETag's, `null` for `If-None-Match: *`, or for `If-Match: *`
 * the slot's current version (412 naming `condition.header` when there is none).
 */
async function conditionVersion({ target, admin }: S3Call, condition: WriteCondition, slot: ConfigurationSlot): Promise<string | null> {
  if (condition.version !== ANY_VERSION) return condition.version;
  const current = await slot.get(admin, target.bucket);
  if (current === null) throw S3Errors.preconditionFailed(condition.header);
  return current.version;
}

/**
 * The store options of a PUT or DELETE: the principal `authorize` granted, its condition (`If-Match` with the ETag GET answered,
 * `If-Match: *`, `If-None-Match: *`; none: S3's unconditional write) and, when `If-Match: *`, the
 * current version it stands for (412 when there is none).
 */
async function writeOptionsOf(call: S3Call, condition: WriteCondition | undefined, slot: ConfigurationSlot): Promise<StoreWriteOptions> {
  if (condition === undefined) return call.origin;
  return { ...call.origin, ifVersion: await conditionVersion(call, condition, slot) };
}

/** `ETag` with the version, when the header can carry it. */
function setEntityTag(res: ServerResponse, version: string): void {
  const tag = entityTagOf(version);
  if (tag !== undefined) res.setHeader('ETag', tag);
}

/** Verifies, parses and validates a PutBucketCors body; the integrity header is required before any byte is read. */
async function putBucketCors(call: S3Call, slot: ConfigurationSlot): Promise<string> {
  const { req, res, target, body, admin } = call;
  const condition = writeConditionOf(req.headers); // an unsupported condition is refused before the body is read
  const integrity = requireIntegrityHeaders(req.headers);
  const bytes = await body();
  await verifyIntegrity(bytes, integrity);
  const configuration = parseCorsConfiguration(bytes, bodyFormat(req));
  const stored = await slot.put(admin, target.bucket, configuration, await writeOptionsOf(call, condition, slot));
  setLintHeader(res, configuration);
  // S3 answers no ETag here; a conditional writer gets the new one, to chain its next change on.
  if (condition !== undefined) setEntityTag(res, stored.version);
  sendEmpty(res, 200);
  return `stored ${configuration.CORSRules.length} rule(s)${slot === CANDIDATE ? ' as the report-only candidate' : ''}${condition === undefined ? '' : ` (${condition.header})`}`;
}

/** `GET ?cors&history`: the bucket's last changes, also once its configuration is deleted. */
async function sendHistory({ res, target, admin }: S3Call): Promise<string> {
  const history = await admin.history(target.bucket);
  sendBody(res, 'application/json', JSON.stringify({ bucket: target.bucket, history }));
  return `returned ${history.length} change(s)`;
}

/**
 * The configuration as XML (or JSON when asked), or the owner-only `&lint` / `&explain` / `&history`
 * answers; an explanation for a bucket without rules uses the deployment's `defaultRules` when there are some.
 */
async function getBucketCors(call: S3Call, defaultRules: CorsConfiguration | undefined): Promise<string> {
  const { req, res, target, admin } = call;
  const query = queryOf(req.url);
  if (query.has('history')) return sendHistory(call);
  const stored = await admin.get(target.bucket);
  if (query.has('explain')) {
    const candidate = await candidateToExplain(admin, target.bucket);
    if (stored !== null || defaultRules !== undefined || candidate !== null) {
      const source = stored === null && defaultRules !== undefined ? 'default' : 'bucket';
      const options = { source, ...(candidate !== null && { candidate: candidate.configuration }) } as const;
      sendBody(res, 'application/json', JSON.stringify(explain(stored?.configuration ?? defaultRules ?? null, explainRequestOf(query), options)));
      return `returned an explanation (${source} rules${candidate === null ? '' : ', and the report-only candidate'})`;
    }
  }
  if (stored === null) throw S3Errors.noSuchCorsConfiguration(target.bucket);
  if (query.has('lint')) {
    sendBody(res, 'application/json', JSON.stringify({ warnings: lint(stored.configuration, { packs: S3_LINT_PACKS }) }));
    return 'returned lint warnings';
  }
  return sendConfiguration(req, res, stored);
}

/** The bucket's candidate for `&explain`; `null` also when the store keeps none. */
async function candidateToExplain(admin: S3Admin, bucket: string): Promise<StoredConfiguration | null> {
  try {
    return await admin.getCandidate(bucket);
  } catch (error) {
    if (isAdminError(error) && error.reason === 'not-implemented') return null;
    throw error;
  }
}

/** A configuration as GetBucketCors answers it: XML (or JSON when asked), its version as `ETag`, its lint codes. */
function sendConfiguration(req: IncomingMessage, res: ServerResponse, stored: StoredConfiguration): string {
  setLintHeader(res, stored.configuration);
  setEntityTag(res, stored.version);
  const json = wantsJson(req);
  sendBody(res, json ? 'application/json' : 'application/xml', json ? serializeCorsJson(stored.configuration) : serializeCorsXml(stored.configuration));
  return `returned ${stored.configuration.CORSRules.length} rule(s) as ${json ? 'JSON' : 'XML'}`;
}

/** `GET ?cors&report-only`: the candidate, as GetBucketCors answers the rules. */
async function getReportOnlyCors({ req, res, target, admin }: S3Call): Promise<string> {
  const stored = await admin.getCandidate(target.bucket);
  if (stored === null) throw S3Errors.noSuchReportOnlyConfiguration(target.bucket);
  return sendConfiguration(req, res, stored);
}

async function deleteBucketCors(call: S3Call, slot: ConfigurationSlot): Promise<string> {
  await slot.delete(call.admin, call.target.bucket, await writeOptionsOf(call, writeConditionOf(call.req.headers), slot));
  sendEmpty(call.res, 204);
  return slot === CANDIDATE ? 'deleted the report-only candidate' : 'deleted';
}

/**
 * `POST ?cors&promote`: the candidate becomes the rules, atomically, on both conditions: `If-Match`
 * the candidate's ETag, `x-bucket-cors-enforced-if-match` (or `-if-none-match: *`) the rules'.
 * Answers 200 with the promoted configuration's ETag (the candidate's: its version stays).
 */
async function promoteBucketCors(call: S3Call): Promise<string> {
  const { res, target, admin, origin, body } = call;
  const conditions = promoteConditionsOf(call.req.headers);
  await body(); // nothing is expected; read so that the connection stays usable
  const options: StorePromoteOptions = {
    ...origin,
    ...(conditions.candidate !== undefined && conditions.candidate.version !== ANY_VERSION && { ifCandidateVersion: conditions.candidate.version as string }),
    ...(conditions.enforced !== undefined && { ifVersion: await conditionVersion(call, conditions.enforced, ENFORCED) }),
  };
  let promoted: StoredConfiguration;
  try {
    promoted = await admin.promote(target.bucket, options);
  } catch (error) {
    if (isAdminError(error) && error.reason === 'precondition-failed' && error.configuration === 'enforced') throw S3Errors.preconditionFailed(conditions.enforced?.header ?? ENFORCED_IF_MATCH);
    throw error;
  }
  setLintHeader(res, promoted.configuration);
  setEntityTag(res, promoted.version);
  sendEmpty(res, 200);
  return `promoted the report-only candidate (version ${promoted.version})`;
}

/** The operations table: each `?cors` operation → its IAM action (S3 authorizes DeleteBucketCors as `s3:PutBucketCORS`) and its work. */
function operationsOf(defaultRules: CorsConfiguration | undefined): Readonly<Record<Operation, AdminOperation<IncomingMessage, CorsRouterAction, S3Target>>> {
  return {
    PutBucketCors: { action: 's3:PutBucketCORS', perform: (call) => putBucketCors(call, ENFORCED) },
    GetBucketCors: { action: 's3:GetBucketCORS', perform: (call) => getBucketCors(call, defaultRules) },
    DeleteBucketCors: { action: 's3:PutBucketCORS', perform: (call) => deleteBucketCors(call, ENFORCED) },
    PutBucketCorsReportOnly: { action: 's3:PutBucketCORS', perform: (call) => putBucketCors(call, CANDIDATE) },
    GetBucketCorsReportOnly: { action: 's3:GetBucketCORS', perform: getReportOnlyCors },
    DeleteBucketCorsReportOnly: { action: 's3:PutBucketCORS', perform: (call) => deleteBucketCors(call, CANDIDATE) },
    PromoteBucketCors: { action: 's3:PutBucketCORS', perform: promoteBucketCors },
  };
}

const OPERATION_OF_METHOD: ReadonlyMap<string | undefined, Operation> = new Map([
  ['PUT', 'PutBucketCors'],
  ['GET', 'GetBucketCors'],
  ['DELETE', 'DeleteBucketCors'],
]);

/** With `&report-only` (an extension): the same operations on the bucket's report-only candidate. */
const REPORT_ONLY_OPERATION_OF_METHOD: ReadonlyMap<string | undefined, Operation> = new Map([
  ['PUT', 'PutBucketCorsReportOnly'],
  ['GET', 'GetBucketCorsReportOnly'],
  ['DELETE', 'DeleteBucketCorsReportOnly'],
]);

/** The operation of a request: a `?cors` request by its method, `&report-only` on the candidate, `POST ?cors&promote`. */
function operationOf(req: IncomingMessage): Operation | undefined {
  const query = queryOf(req.url);
  if (!query.has('cors')) return undefined;
  if (query.has('report-only')) return REPORT_ONLY_OPERATION_OF_METHOD.get(req.method);
  if (req.method === 'POST' && query.has('promote')) return 'PromoteBucketCors';
  return OPERATION_OF_METHOD.get(req.method);
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

/**
 * S3's check after `authorize` (express-bucket-cors/docs/behaviour.md §6): `x-amz-expected-bucket-owner`, when sent, is a
 * 12-digit account ID (else 400 InvalidBucketOwnerAWSAccountID) and, with `bucketOwner`, the owner
 * (else 403 AccessDenied). `undefined` with `'ignore'`.
 */
function expectedOwnerCheck<Req extends IncomingMessage>(mode: 'enforce' | 'ignore', bucketOwner: CorsRouterOptions<Req>['bucketOwner']): AdminAccessHook<Req, CorsRouterAction> | undefined {
  if (mode === 'ignore') return undefined;
  return async (req, { bucket }) => {
    const header = req.headers['x-amz-expected-bucket-owner'];
    if (header === undefined) return;
    const expected = Array.isArray(header) ? header.join(',') : header;
    if (!isAccountId(expected)) throw S3Errors.invalidBucketOwner(expected);
    if (bucketOwner === undefined) return;
    const owner = await bucketOwner(bucket, req);
    if (owner !== undefined && owner !== expected) throw S3Errors.accessDenied();
  };
}

/** DeleteBucket's query names no sub-resource: none at all, or only the `x-id=DeleteBucket` some SDKs add. */
function namesNoSubresource(url: string | undefined): boolean {
  const query = [...queryOf(url)];
  return query.length === 0 || (query.length === 1 && query[0]![0] === 'x-id' && query[0]![1] === 'DeleteBucket');
}

/**
 * A DeleteBucket (`DELETE /<bucket>` with no sub-resource) on its way to the backend, resolved now
 * (before later handlers may rewrite `req.url`); deleted when the backend answers 204 (or 200).
 */
function deleteBucketOf(resolveBucket: BucketResolver, req: IncomingMessage): BucketDeletion | undefined {
  if (req.method !== 'DELETE' || !namesNoSubresource(req.url)) return undefined;
  const bucket = new Promise<BucketAddress | null>((resolve) => resolve(resolveBucket(req))).then((address) => (address !== null && address.key === '' ? address.bucket : null));
  // A resolver that throws names no bucket here; bucketCors and the backend report it on the request itself.
  bucket.catch(() => {});
  return { succeeded: (status) => status === 204 || status === 200, bucket: () => bucket };
}

/**
 * The handler for the `?cors` sub-resource of a bucket, S3-compatible (AWS SDKs and the AWS CLI work
 * against it): `PUT` stores a configuration (XML, or JSON with `Content-Type: application/json`),
 * `GET` returns it (XML, or JSON with `Accept: application/json`), `DELETE` removes it. Any other
 * request — another method, no `cors` in the query, an object path — goes to `next()`.
 *
 * Owner-only extensions, authorized like GetBucketCors: `GET ?cors&explain&origin=…&method=…`
 * answers `explain()` of that request against the stored rules (or, for a bucket without any, the
 * `defaultRules` option's, saying so in `source` and `summary`), `GET ?cors&lint` answers `lint()`,
 * `GET ?cors&history` the bucket's last changes (JSON); PUT and GET answers name the lint codes in
 * `x-bucket-cors-lint`. GET answers the configuration's version as `ETag`; PUT and DELETE take
 * `If-Match` (that ETag, or `*`) and `If-None-Match: *` and answer 412 PreconditionFailed when it does
 * not hold (express-bucket-cors/docs/behaviour.md §19.9). Without those headers, PUT and DELETE are S3's.
 * Report-only rules (§19.11): `PUT`/`GET`/`DELETE ?cors&report-only` do the same on the bucket's
 * candidate (authorized as PutBucketCors/GetBucketCors, with its own ETag), `POST ?cors&promote`
 * makes it the rules atomically (`If-Match`: the candidate's ETag; `x-bucket-cors-enforced-if-match`
 * or `x-bucket-cors-enforced-if-none-match: *`: the rules'), and `&explain` explains both.
 *
 * Checks, in order: bucket exists (404 NoSuchBucket) → `authorize` (403 AccessDenied) →
 * `x-amz-expected-bucket-owner` → for PUT: integrity header present, body ≤ 65,536 bytes, checksums
 * match, configuration valid. Every answer carries `x-amz-request-id` and `x-amz-id-2`; errors are
 * S3 XML errors; a failing store answers 503 ServiceUnavailable with `Retry-After`.
 *
 * Lifecycle (as S3): a DeleteBucket — `DELETE /<bucket>` without sub-resource, in any addressing
 * style the router resolves — that your backend answers 204 or 200 also deletes the bucket's
 * configuration (`dropRulesOnDelete`, default on); `bucketDeleted(bucket)` does the same for buckets
 * deleted elsewhere.
 *
 * @throws TypeError when an option is missing or wrong (notably `authorize`).
 */
export function corsRouter<Req extends IncomingMessage = IncomingMessage>(options: CorsRouterOptions<Req>): CorsRouterHandler<Req> {
  const checked = readAdminRouterOptions('corsRouter', options, arguments, OPTION_CHECKS);
  const resolveBucket = createBucketResolver(checked.addressing);
  return createAdminRouter(
    {
      ...checked,
      // The checks are written for the default request type; the callbacks are the caller's, typed for `Req`.
      authorize: checked.authorize as CorsAuthorizer<Req>,
      exists: checked.bucketExists as BucketExists<Req> | undefined,
    },
    {
      debug,
      noun: 'bucket',
      operations: operationsOf(checked.defaultRules),
      route: operationOf,
      locate: async (req) => {
        const address = await resolveBucket(req);
        return address === null || address.key !== '' ? null : { bucket: address.bucket };
      },
      bodyLimit: MAX_CORS_DOCUMENT_BYTES,
      tooLarge: S3Errors.maxMessageLengthExceeded,
      afterAuthorize: expectedOwnerCheck(checked.expectedBucketOwner, checked.bucketOwner as CorsRouterOptions<Req>['bucketOwner']),
      envelope: S3_ENVELOPE,
      deletion: (req) => deleteBucketOf(resolveBucket, req),
    },
  );
}
