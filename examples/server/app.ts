// The demo S3 object server: an Express app with bucketCors() and corsRouter() mounted before SigV4 authentication.

import createDebug from 'debug';
import express from 'express';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { validateHeaderValue, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  bucketCors,
  createBucketResolver,
  discardUnreadBody,
  MemoryRuleStore,
  RedisRuleStore,
  RequestAbortedError,
  type AddressingOptions,
  type BucketAddress,
  type Logger,
  type RuleStore,
} from 'express-bucket-cors';
import { corsRouter, ensureRequestIds, isS3Error, requireIntegrityHeaders, s3BucketNameProblem, S3Errors, sendS3Error, verifyIntegrity, type S3Error } from 'express-bucket-cors/s3';
import { createSigV4Verifier, sigv4Authorizer, type Principal } from 'express-bucket-cors/sigv4';
import { DemoErrors } from './errors.js';
import { createMediaStoreEndpoint, MEDIASTORE_DATA_PATH } from './mediastore.js';
import { MemoryObjectStore, RedisObjectStore, type BucketRecord, type CannedAcl, type ObjectRecord, type ObjectStore } from './object-store.js';
import { readPayload } from './payload.js';
import { headerValue, queryValue, requestTarget, type QueryParameters } from './request.js';
import {
  continuationToken,
  deleteResultXml,
  listBucketsXml,
  listObjectsV2Xml,
  listObjectsXml,
  listPage,
  listVersionsXml,
  parseDeleteRequest,
  type ListingEcho,
  type Owner,
} from './s3-xml.js';
import type { Credentials } from './sigv4.js';

const debug = createDebug('express-bucket-cors:demo');

/** The demo's credentials when none are configured (printed at start; never use them for anything real). */
export const DEMO_CREDENTIALS: Credentials = { accessKeyId: 'DEMOACCESSKEYID00000', secretAccessKey: 'demo-secret-access-key-change-me' };
/** The account owning every bucket (compared with `x-amz-expected-bucket-owner`). */
export const DEMO_ACCOUNT_ID = '123456789012';
const DEMO_OWNER: Owner = { id: createHash('sha256').update(DEMO_ACCOUNT_ID).digest('hex'), displayName: 'demo' };

/** Options of {@link createDemoServer}. */
export interface DemoServerOptions {
  /** The one account's keys. Default {@link DEMO_CREDENTIALS}. */
  readonly credentials?: Credentials;
  /** Base domain for virtual-hosted-style requests (`photos.localhost`). Default `'localhost'`. */
  readonly domain?: string;
  /**
   * Redis URL: CORS rules, buckets, ACLs and objects all live there, so several instances on the
   * same Redis are one S3 endpoint. Default: none (everything in this process's memory).
   */
  readonly redisUrl?: string;
  /** Prefix of the demo's own Redis keys (objects, buckets). Default `'demo-s3:'`. */
  readonly redisKeyPrefix?: string;
  /** Largest object PutObject accepts, in bytes. Default 16 MiB. */
  readonly maxObjectBytes?: number;
  /** Where unexpected errors go. Default `console`. */
  readonly logger?: Logger;
}

/** A created demo server: mount or listen with `app`, then `close()` to release stores and Redis clients. */
export interface DemoServer {
  readonly app: express.Express;
  /** The CORS rule store (Memory or Redis). */
  readonly ruleStore: RuleStore;
  readonly objects: ObjectStore;
  readonly credentials: Credentials;
  close(): Promise<void>;
}

/** Operations the demo implements, chosen from method, address and sub-resource. */
type Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'DeleteBucket'
  | 'HeadBucket'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListObjectVersions'
  | 'DeleteObjects'
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject';

/**
 * Query parameters that select an S3 operation the demo does not implement (any other parameter —
 * `x-id` of the JavaScript SDK, presigned parameters, `x-amz-checksum-*` — is ignored).
 */
const UNIMPLEMENTED_SUBRESOURCES = [
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'encryption', 'intelligent-tiering', 'inventory', 'legal-hold',
  'lifecycle', 'location', 'logging', 'metadataTable', 'metrics', 'notification', 'object-lock', 'ownershipControls',
  'partNumber', 'policy', 'policyStatus', 'publicAccessBlock', 'renameObject', 'replication', 'requestPayment', 'restore',
  'retention', 'select', 'session', 'tagging', 'torrent', 'uploadId', 'uploads', 'versioning', 'website',
];
/** Headers that ask for something the demo does not do. */
const UNIMPLEMENTED_HEADERS = ['x-amz-copy-source', 'x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-full-control', 'x-amz-grant-read-acp', 'x-amz-grant-write-acp'];
/** Canned ACLs that mean "owner only" for a one-account server. */
const PRIVATE_ACLS = new Set(['private', 'bucket-owner-read', 'bucket-owner-full-control']);
const OTHER_CANNED_ACLS = new Set(['public-read-write', 'authenticated-read', 'aws-exec-read', 'log-delivery-write']);
const RESPONSE_OVERRIDES = ['content-type', 'content-language', 'expires', 'cache-control', 'content-disposition', 'content-encoding'];
const DEFAULT_MAX_KEYS = 1000;
const MAX_BUCKET_BODY_BYTES = 65536;
const MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024;
/** The longest any Redis command of the demo waits for its reply (ioredis `commandTimeout`). */
const REDIS_COMMAND_TIMEOUT_MS = 1000;

/** Which operation the request is, or the 501 NotImplemented for anything else. */
function classify(method: string, address: BucketAddress | null, query: QueryParameters, req: IncomingMessage): Operation | S3Error {
  for (const name of UNIMPLEMENTED_SUBRESOURCES) if (name in query) return DemoErrors.notImplemented(`the ?${name} sub-resource (${method})`);
  for (const name of UNIMPLEMENTED_HEADERS) if (req.headers[name] !== undefined) return S3Errors.notImplemented(name);
  if (address === null) return method === 'GET' ? 'ListBuckets' : DemoErrors.notImplemented(`${method} on the service root`);
  if (address.key === '') {
    if (method === 'GET') return 'versions' in query ? 'ListObjectVersions' : queryValue(query, 'list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    if (method === 'POST' && 'delete' in query) return 'DeleteObjects';
    return DemoErrors.notImplemented(`${method} on a bucket`);
  }
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'PUT') return 'PutObject';
  if (method === 'DELETE') return 'DeleteObject';
  return DemoErrors.notImplemented(`${method} on an object`);
}

/** `x-amz-acl` as the demo honours it; other canned ACLs are 501, unknown values 400. */
function cannedAcl(req: IncomingMessage): CannedAcl {
  const value = headerValue(req, 'x-amz-acl');
  if (value === undefined || PRIVATE_ACLS.has(value)) return 'private';
  if (value === 'public-read') return 'public-read';
  if (OTHER_CANNED_ACLS.has(value)) throw S3Errors.notImplemented('x-amz-acl');
  throw DemoErrors.invalidArgument('Invalid canned ACL', 'x-amz-acl', value);
}

function maxKeys(query: QueryParameters): number {
  const text = queryValue(query, 'max-keys');
  if (text === undefined) return DEFAULT_MAX_KEYS;
  const value = Number(text);
  if (text === '' || !Number.isSafeInteger(value) || value < 0) throw DemoErrors.invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', text);
  return Math.min(value, DEFAULT_MAX_KEYS);
}

const userMetadata = (req: IncomingMessage): Record<string, string> => {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice(11)] = String(value);
  return metadata;
};

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status;
  if (status !== 204) res.setHeader('Content-Length', 0);
  res.end();
}

function checkOptions(options: DemoServerOptions) {
  const { credentials = DEMO_CREDENTIALS, domain = 'localhost', redisUrl, redisKeyPrefix = 'demo-s3:', maxObjectBytes = 16 * 1024 * 1024, logger = console } = options;
  if (typeof credentials?.accessKeyId !== 'string' || credentials.accessKeyId === '' || typeof credentials.secretAccessKey !== 'string' || credentials.secretAccessKey === '')
    throw new TypeError('createDemoServer: `credentials` must be { accessKeyId, secretAccessKey }, both non-empty strings.');
  if (typeof domain !== 'string' || domain === '') throw new TypeError('createDemoServer: `domain` must be a host name such as "localhost".');
  if (redisUrl !== undefined && (typeof redisUrl !== 'string' || !redisUrl.startsWith('redis')))
    throw new TypeError('createDemoServer: `redisUrl` must be a redis:// or rediss:// URL, or be left out.');
  if (!Number.isSafeInteger(maxObjectBytes) || maxObjectBytes < 1) throw new TypeError('createDemoServer: `maxObjectBytes` must be a positive whole number.');
  return { credentials, domain, redisUrl, redisKeyPrefix, maxObjectBytes, logger };
}

/**
 * Creates the demo S3 server (not listening: use `app.listen()` or `http.createServer(app)`).
 *
 * MediaStore's API (mediastore.ts) is mounted first: its data plane under `/_mediastore/<container>`
 * and its control plane (`POST /` with `X-Amz-Target: MediaStore_20170901.*`).
 *
 * S3's middleware order: request ids → `bucketCors()` (preflights answered before any authentication;
 * actual requests get their CORS headers here, so 403/404 answers carry them too) → SigV4
 * authentication (bad signatures end here) → `corsRouter()` (the `?cors` sub-resource, owner only:
 * `sigv4Authorizer` checks a signed payload hash against the body) → the object operations.
 */
export function createDemoServer(options: DemoServerOptions = {}): DemoServer {
  const { credentials, domain, redisUrl, redisKeyPrefix, maxObjectBytes, logger } = checkOptions(options);
  // The options README's "Your ioredis client" explains: no request waits on Redis longer than REDIS_COMMAND_TIMEOUT_MS,
  // whether Redis is down (a command fails after one reconnect attempt) or stalled (no reply); such failures answer 503.
  const redis =
    redisUrl === undefined
      ? undefined
      : new Redis(redisUrl, {
          maxRetriesPerRequest: 1,
          commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
          enableOfflineQueue: true, // commands sent while connecting wait for the connection (bounded by commandTimeout)
          retryStrategy: (times) => Math.min(times * 50, 500),
        });
  // Without a listener ioredis reports every reconnect attempt as "Unhandled error event".
  redis?.on('error', (error: Error) => debug('redis: %s', error.message));
  const ruleStore: RuleStore = redis === undefined ? new MemoryRuleStore({ logger }) : new RedisRuleStore({ client: redis, logger });
  const objects: ObjectStore = redis === undefined ? new MemoryObjectStore() : new RedisObjectStore({ client: redis, keyPrefix: redisKeyPrefix });
  const addressing: AddressingOptions = { virtualHostDomains: [domain] };
  const resolveBucket = createBucketResolver(addressing);
  const verify = createSigV4Verifier({ credentials: [credentials] });
  const principals = new WeakMap<IncomingMessage, Principal>();
  // A container whose name is no bucket name (`Movies_2026`) shares the namespace but is reached through MediaStore only.
  const bucketExists = async (bucket: string): Promise<boolean> => s3BucketNameProblem(bucket) === undefined && (await objects.getBucket(bucket)) !== null;
  const principalOf = (req: IncomingMessage): Principal => principals.get(req) ?? { kind: 'anonymous' };

  const cors = bucketCors({ store: ruleStore, addressing, bucketExists, logger });
  const router = corsRouter({
    store: ruleStore,
    addressing,
    bucketExists,
    bucketOwner: () => DEMO_ACCOUNT_ID,
    // Only the owner reads or changes CORS rules (GET ?cors is not public even on a public-read bucket); the
    // authorizer verifies the signature again with the body, so a signed payload hash is checked against it.
    authorize: sigv4Authorizer({ verifier: verify }),
    logger,
  });

  function fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (error instanceof RequestAbortedError) return;
    if (!isS3Error(error)) logger.error('demo S3 server: unexpected error', error);
    const answer = isS3Error(error) ? error : S3Errors.internalError();
    debug('%s %s → %d %s', req.method, req.url, answer.status, answer.code);
    discardUnreadBody(req, res);
    sendS3Error(req, res, answer);
  }

  async function authenticate(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): Promise<void> {
    let principal: Principal;
    try {
      principal = await verify(req);
    } catch (error) {
      fail(req, res, error);
      return;
    }
    principals.set(req, principal);
    next();
  }

  /** Existence first (a signed request to a missing bucket is 404), then the bucket record. */
  async function existingBucket(name: string): Promise<BucketRecord> {
    const bucket = s3BucketNameProblem(name) === undefined ? await objects.getBucket(name) : null;
    if (bucket === null) throw S3Errors.noSuchBucket(name);
    return bucket;
  }

  /**
   * Optional on PutObject: `Content-MD5` and `x-amz-checksum-*` headers, when sent, must match the
   * bytes. Checksums sent as aws-chunked trailers are not verified (see payload.ts).
   */
  async function checkIntegrity(req: IncomingMessage, body: Buffer, principal: Principal): Promise<void> {
    if (principal.kind === 'signed' && principal.payload.kind === 'streaming') {
      const contentMd5 = headerValue(req, 'content-md5');
      if (contentMd5 !== undefined) await verifyIntegrity(body, { contentMd5, checksums: [] });
      return;
    }
    let integrity: ReturnType<typeof requireIntegrityHeaders>;
    try {
      integrity = requireIntegrityHeaders(req.headers);
    } catch (error) {
      if (isS3Error(error) && error.id === 'missingIntegrityHeader') return;
      throw error;
    }
    await verifyIntegrity(body, integrity);
  }

  const requireOwner = (principal: Principal): void => {
    if (principal.kind !== 'signed') throw S3Errors.accessDenied();
  };

  function listingEcho(bucket: string, query: QueryParameters, after: string): ListingEcho {
    const encodingType = queryValue(query, 'encoding-type');
    if (encodingType !== undefined && encodingType !== 'url') throw DemoErrors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
    return {
      bucket,
      encodingType,
      owner: DEMO_OWNER,
      request: { prefix: queryValue(query, 'prefix') ?? '', delimiter: queryValue(query, 'delimiter') || undefined, after, maxKeys: maxKeys(query) },
    };
  }

  function sendObjectHeaders(res: ServerResponse, record: ObjectRecord, query: QueryParameters, principal: Principal): void {
    const overrides = RESPONSE_OVERRIDES.flatMap((name) => {
      const value = queryValue(query, `response-${name}`);
      if (value === undefined) return [];
      try {
        validateHeaderValue(name, value);
      } catch {
        throw DemoErrors.invalidArgument(`Invalid value for response-${name}`, `response-${name}`, value);
      }
      return [[name, value] as const];
    });
    if (overrides.length > 0 && principal.kind !== 'signed') throw DemoErrors.anonymousResponseOverrides();
    res.setHeader('Content-Type', record.contentType);
    res.setHeader('Content-Length', record.size);
    res.setHeader('ETag', record.etag);
    res.setHeader('Last-Modified', new Date(record.lastModified).toUTCString());
    res.setHeader('Accept-Ranges', 'bytes');
    for (const [name, value] of Object.entries(record.metadata)) res.setHeader(`x-amz-meta-${name}`, value);
    for (const [name, value] of overrides) res.setHeader(name, value);
  }

  async function perform(req: IncomingMessage, res: ServerResponse, operation: Operation, address: BucketAddress | null, query: QueryParameters): Promise<void> {
    const principal = principalOf(req);
    if (operation === 'ListBuckets') {
      requireOwner(principal);
      return sendXml(res, 200, listBucketsXml(DEMO_OWNER, (await objects.listBuckets()).filter((bucket) => s3BucketNameProblem(bucket.name) === undefined)));
    }
    const { bucket: name, key } = address!;
    if (operation === 'CreateBucket') {
      requireOwner(principal);
      if (s3BucketNameProblem(name) !== undefined) throw DemoErrors.invalidBucketName(name);
      const acl = cannedAcl(req);
      await readPayload(req, principal, MAX_BUCKET_BODY_BYTES); // CreateBucketConfiguration (region): accepted, ignored
      if (!(await objects.createBucket({ name, acl, created: new Date().toISOString() }))) throw DemoErrors.bucketAlreadyOwnedByYou(name);
      res.setHeader('Location', `/${name}`);
      return sendEmpty(res, 200);
    }

    const bucket = await existingBucket(name);
    const publicBucket = bucket.acl === 'public-read';
    switch (operation) {
      case 'HeadBucket':
        if (principal.kind !== 'signed' && !publicBucket) throw S3Errors.accessDenied();
        res.setHeader('x-amz-bucket-region', 'us-east-1');
        return sendEmpty(res, 200);
      case 'ListObjects': {
        if (principal.kind !== 'signed' && !publicBucket) throw S3Errors.accessDenied();
        const marker = queryValue(query, 'marker') ?? '';
        const echo = listingEcho(name, query, marker);
        return sendXml(res, 200, listObjectsXml(echo, listPage(await objects.listObjects(name), echo.request), marker));
      }
      case 'ListObjectsV2': {
        if (principal.kind !== 'signed' && !publicBucket) throw S3Errors.accessDenied();
        const token = queryValue(query, 'continuation-token');
        const startAfter = queryValue(query, 'start-after');
        const echo = listingEcho(name, query, token !== undefined ? continuationToken.decode(token) : (startAfter ?? ''));
        const page = { continuationToken: token, startAfter, fetchOwner: queryValue(query, 'fetch-owner') === 'true' };
        return sendXml(res, 200, listObjectsV2Xml(echo, listPage(await objects.listObjects(name), echo.request), page));
      }
      case 'ListObjectVersions': {
        if (principal.kind !== 'signed' && !publicBucket) throw S3Errors.accessDenied();
        const keyMarker = queryValue(query, 'key-marker') ?? '';
        const echo = listingEcho(name, query, keyMarker);
        return sendXml(res, 200, listVersionsXml(echo, listPage(await objects.listObjects(name), echo.request), keyMarker, queryValue(query, 'version-id-marker') ?? ''));
      }
      case 'GetObject':
      case 'HeadObject': {
        const found = operation === 'GetObject' ? await objects.getObject(name, key) : await objects.headObject(name, key);
        const record = found === null ? null : 'body' in found ? found.record : found;
        if (principal.kind !== 'signed' && record?.acl !== 'public-read' && !(record === null && publicBucket)) throw S3Errors.accessDenied();
        if (record === null) throw DemoErrors.noSuchKey(key);
        const versionId = queryValue(query, 'versionId');
        if (versionId !== undefined && versionId !== 'null') throw DemoErrors.invalidArgument('Invalid version id specified', 'versionId', versionId);
        sendObjectHeaders(res, record, query, principal);
        res.statusCode = 200;
        res.end(operation === 'GetObject' && found !== null && 'body' in found ? found.body : undefined);
        return;
      }
      case 'PutObject': {
        requireOwner(principal);
        const acl = cannedAcl(req);
        const body = await readPayload(req, principal, maxObjectBytes);
        await checkIntegrity(req, body, principal);
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        const contentType = headerValue(req, 'content-type') ?? 'binary/octet-stream';
        const record: ObjectRecord = { key, size: body.length, etag, lastModified: new Date().toISOString(), contentType, acl, metadata: userMetadata(req) };
        await objects.putObject(name, record, body);
        res.setHeader('ETag', etag);
        return sendEmpty(res, 200);
      }
      case 'DeleteObject':
        requireOwner(principal);
        await objects.deleteObject(name, key);
        return sendEmpty(res, 204);
      case 'DeleteObjects': {
        requireOwner(principal);
        // x-amz-bypass-governance-retention is accepted and has nothing to bypass here.
        const integrity = requireIntegrityHeaders(req.headers);
        const body = await readPayload(req, principal, MAX_DELETE_BODY_BYTES);
        await verifyIntegrity(body, integrity);
        const { quiet, targets } = parseDeleteRequest(body);
        for (const target of targets) await objects.deleteObject(name, target.key);
        return sendXml(res, 200, deleteResultXml(quiet, targets));
      }
      case 'DeleteBucket': {
        requireOwner(principal);
        const outcome = await objects.deleteBucket(name);
        if (outcome === 'not-empty') throw DemoErrors.bucketNotEmpty(name);
        if (outcome === 'missing') throw S3Errors.noSuchBucket(name);
        // corsRouter, which this request passed through, drops the bucket's CORS configuration once the 204 is sent, as S3 does.
        return sendEmpty(res, 204);
      }
    }
  }

  const mediaStore = createMediaStoreEndpoint({ ruleStore, objects, credentials, accountId: DEMO_ACCOUNT_ID, maxObjectBytes, logger });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // One endpoint, both APIs: MediaStore's data plane under /_mediastore, its control plane on POST / by X-Amz-Target; the rest is S3.
  app.use(MEDIASTORE_DATA_PATH, mediaStore.dataPlane);
  app.use(mediaStore.controlPlane);
  app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
    ensureRequestIds(res);
    res.setHeader('Server', 'AmazonS3');
    next();
  });
  app.use(cors);
  app.use((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void authenticate(req, res, next));
  app.use(router);
  app.use((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        const address = await resolveBucket(req);
        const { query } = requestTarget(req);
        const operation = classify(req.method ?? 'GET', address, query, req);
        if (typeof operation !== 'string') throw operation;
        debug('%s %s → %s', req.method, req.url, operation);
        await perform(req, res, operation, address, query);
      } catch (error) {
        fail(req, res, error);
      }
    })();
  });
  app.use((error: unknown, req: IncomingMessage, res: ServerResponse, _next: (error?: unknown) => void) => fail(req, res, error));

  let closed: Promise<void> | undefined;
  return {
    app,
    ruleStore,
    objects,
    credentials,
    close() {
      closed ??= (async () => {
        cors.close();
        mediaStore.close();
        await ruleStore.close?.();
        await objects.close();
        if (redis !== undefined) await redis.quit().catch(() => redis.disconnect());
      })();
      return closed;
    },
  };
}
