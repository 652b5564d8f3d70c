// The demo's MediaStore API on the S3 port: the control plane (POST / with a MediaStore_20170901.* target) and each container's data plane.

import createDebug from 'debug';
import express from 'express';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bucketCors, discardUnreadBody, readRequestBody, RequestAbortedError, type Logger, type RuleStore } from 'express-bucket-cors';
import {
  isContainerName,
  isMediaStoreError,
  isMediaStoreRequest,
  MAX_POLICY_CHARACTERS,
  MEDIASTORE_TARGET_PREFIX,
  MediaStoreError,
  MediaStoreErrors,
  mediaStoreDialect,
  mediaStoreRouter,
  sendMediaStoreError,
  parseMediaStoreInput,
  sendMediaStoreJson,
} from 'express-bucket-cors/mediastore';
import { isS3Error, type S3Error } from 'express-bucket-cors/s3';
import { createSigV4Verifier, type Principal, type SigV4Verifier } from 'express-bucket-cors/sigv4';
import { RETRY_AFTER_SECONDS, type BucketRecord, type ObjectRecord, type ObjectStore } from './object-store.js';
import { readPayload } from './payload.js';
import { headerValue } from './request.js';
import type { Credentials } from './sigv4.js';

const debug = createDebug('express-bucket-cors:demo:mediastore');

/** Where containers' data planes are served: `<endpoint>/_mediastore/<container>/<path>` (no S3 bucket name starts with `_`). */
export const MEDIASTORE_DATA_PATH = '/_mediastore';
/** The SigV4 service name of both planes. */
export const MEDIASTORE_SERVICE = 'mediastore';

/** Options of {@link createMediaStoreEndpoint}. */
export interface MediaStoreEndpointOptions {
  /** The store `bucketCors` and `corsRouter` of the S3 side use: policies and S3 configurations share it. */
  readonly ruleStore: RuleStore;
  /** Containers are the object store's buckets (one namespace for both APIs), their objects its objects. */
  readonly objects: ObjectStore;
  readonly credentials: Credentials;
  /** The account in container ARNs. */
  readonly accountId: string;
  /** Largest object PutObject accepts, in bytes. */
  readonly maxObjectBytes: number;
  readonly logger: Logger;
}

/** The two planes, to mount on the S3 app before anything of S3's. */
export interface MediaStoreEndpoint {
  /** Answers MediaStore control-plane calls (see `isMediaStoreRequest`); everything else goes to `next()`. */
  readonly controlPlane: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
  /** Mount at {@link MEDIASTORE_DATA_PATH}: `bucketCors` with the MediaStore dialect, then the object operations. */
  readonly dataPlane: express.Router;
  close(): void;
}

type ContainerOperation = 'CreateContainer' | 'DescribeContainer' | 'ListContainers' | 'DeleteContainer';
const CONTAINER_OPERATIONS: ReadonlySet<string> = new Set<ContainerOperation>(['CreateContainer', 'DescribeContainer', 'ListContainers', 'DeleteContainer']);
/** A control-plane body holds at most a policy and a container name (mediaStoreRouter's own cap). */
const MAX_CONTROL_BODY_BYTES = 2 * MAX_POLICY_CHARACTERS;
const MAX_LIST_RESULTS = 100;

/** Errors of the data plane, which answers 404 where the control plane answers 400. */
const DataPlaneErrors = {
  containerNotFound: () => new MediaStoreError(404, 'ContainerNotFoundException', 'The specified container does not exist.'),
  objectNotFound: () => new MediaStoreError(404, 'ObjectNotFoundException', 'Could not perform an operation on an object that does not exist.'),
} as const;

/**
 * The demo's shared parts (payload reader, object store) speak S3's errors; the MediaStore planes
 * answer them as MediaStore does (the library's verifier already speaks MediaStore's). Anything but
 * an outage is invalid input.
 */
function mediaStoreErrorOf(error: S3Error): MediaStoreError {
  if (error.code === 'ServiceUnavailable') return new MediaStoreError(503, 'ServiceUnavailable', error.message, error.headers);
  return new MediaStoreError(400, 'ValidationException', error.message);
}

function containerNameOf(input: Record<string, unknown>): string {
  const name = input.ContainerName;
  if (!isContainerName(name)) throw MediaStoreErrors.validation('ContainerName must be 1 to 255 letters, digits, underscores or hyphens.');
  return name;
}

/** `ListContainers` paging: the token is the last name of the previous page, base64url-encoded. */
const nextToken = {
  encode: (name: string): string => Buffer.from(name, 'utf8').toString('base64url'),
  decode(token: unknown): string {
    const name = typeof token === 'string' ? Buffer.from(token, 'base64url').toString('utf8') : undefined;
    if (!isContainerName(name)) throw MediaStoreErrors.validation('NextToken is not a token an earlier ListContainers returned.');
    return name;
  },
};

function maxResultsOf(input: Record<string, unknown>): number {
  const value = input.MaxResults;
  if (value === undefined) return MAX_LIST_RESULTS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_LIST_RESULTS)
    throw MediaStoreErrors.validation(`MaxResults must be a whole number from 1 to ${MAX_LIST_RESULTS}.`);
  return value;
}

/** `http://<Host>` the client reached the demo at, so Endpoint URLs work from where it runs; `localhost` when Host is unusable. */
function originOf(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  return /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? `http://${host}` : 'http://localhost';
}

/** The container path after the mount point: `/<container>/<path>` → both, the path decoded. */
function dataAddress(req: IncomingMessage): { readonly container: string; readonly path: string } {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const rawPath = query === -1 ? url : url.slice(0, query);
  const slash = rawPath.indexOf('/', 1);
  const container = slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash);
  let path: string;
  try {
    path = slash === -1 ? '' : decodeURIComponent(rawPath.slice(slash + 1));
  } catch {
    throw MediaStoreErrors.validation('The object path is not valid percent-encoding.');
  }
  return { container, path };
}

/**
 * Builds both planes over the demo's stores.
 *
 * - Control plane: SigV4 with service `mediastore` (the body's hash is signed, so the body is read
 *   first) → `mediaStoreRouter` (Put/Get/DeleteCorsPolicy, signed callers only) → CreateContainer,
 *   DescribeContainer, ListContainers, DeleteContainer; any other operation is
 *   `UnknownOperationException`. A container is created `ACTIVE` at once (the service said
 *   `CREATING` first), and is the object store's bucket of that name.
 * - Data plane: `bucketCors` with the MediaStore dialect first (preflights need no credentials), then
 *   GET and HEAD for anyone, PUT and DELETE signed (header or presigned URL, service `mediastore`).
 */
export function createMediaStoreEndpoint(options: MediaStoreEndpointOptions): MediaStoreEndpoint {
  const { ruleStore, objects, accountId, maxObjectBytes, logger } = options;
  const credentials = [options.credentials];
  // The control plane signs every body; the data plane's PutObject may send it unsigned (and presigned URLs do).
  const verifyControl = createSigV4Verifier({ credentials, service: MEDIASTORE_SERVICE });
  const verifyData = createSigV4Verifier({ credentials, service: MEDIASTORE_SERVICE, unsignedPayload: true });
  const principals = new WeakMap<IncomingMessage, Principal>();
  const principalOf = (req: IncomingMessage): Principal => principals.get(req) ?? { kind: 'anonymous' };
  const containerExists = async (name: string): Promise<boolean> => isContainerName(name) && (await objects.getBucket(name)) !== null;

  const policies = mediaStoreRouter({
    store: ruleStore,
    // The control plane verified the signature (body included) before the router runs.
    authorize: (req) => principalOf(req).kind === 'signed',
    containerExists,
    logger,
  });

  function fail(req: IncomingMessage, res: ServerResponse, error: unknown, contentType?: string): void {
    if (error instanceof RequestAbortedError) return;
    let answer: MediaStoreError;
    if (isMediaStoreError(error)) answer = error;
    else if (isS3Error(error)) answer = mediaStoreErrorOf(error);
    else {
      logger.error('demo MediaStore: unexpected error', error);
      answer = MediaStoreErrors.internal();
    }
    debug('%s %s → %d %s', req.method, req.url, answer.status, answer.type);
    discardUnreadBody(req, res);
    sendMediaStoreError(req, res, answer, contentType);
  }

  /**
   * Verifies the signature. A header-signed request without `x-amz-content-sha256` signs its body's
   * hash, so then — and always when `readBody` — the body (at most `maxBytes`) is read first, handed
   * to the verifier (which checks it against a signed hash) and left in `req.body` for whoever reads
   * it next (mediaStoreRouter does).
   */
  async function authenticate(req: IncomingMessage, verify: SigV4Verifier, maxBytes: number, readBody: boolean): Promise<Principal> {
    let body: Buffer | undefined;
    if (readBody || (headerValue(req, 'authorization') !== undefined && headerValue(req, 'x-amz-content-sha256') === undefined)) {
      body = await readRequestBody(req, maxBytes, () => MediaStoreErrors.validation(`The request body is larger than ${maxBytes} bytes.`));
      (req as IncomingMessage & { body?: Buffer }).body = body;
    }
    const principal = await verify(req, body);
    principals.set(req, principal);
    return principal;
  }

  /** A container as DescribeContainer, CreateContainer and ListContainers answer it. */
  function containerJson(req: IncomingMessage, record: BucketRecord, principal: Principal & { kind: 'signed' }) {
    return {
      Endpoint: `${originOf(req)}${MEDIASTORE_DATA_PATH}/${record.name}`,
      CreationTime: Date.parse(record.created) / 1000, // JSON 1.1 timestamps are epoch seconds
      ARN: `arn:aws:mediastore:${principal.region}:${accountId}:container/${record.name}`,
      Name: record.name,
      Status: 'ACTIVE',
      AccessLoggingEnabled: false,
    };
  }

  async function containerOperation(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target']);
    const operation = target.slice(MEDIASTORE_TARGET_PREFIX.length);
    if (!CONTAINER_OPERATIONS.has(operation)) throw MediaStoreErrors.unknownOperation(target);
    const principal = principalOf(req);
    if (principal.kind !== 'signed') throw MediaStoreErrors.accessDenied();
    const input = parseMediaStoreInput(await readRequestBody(req, MAX_CONTROL_BODY_BYTES, () => MediaStoreErrors.validation(`The request body is larger than ${MAX_CONTROL_BODY_BYTES} bytes.`)));
    switch (operation as ContainerOperation) {
      case 'CreateContainer': {
        const record: BucketRecord = { name: containerNameOf(input), created: new Date().toISOString(), acl: 'private' };
        if (!(await objects.createBucket(record))) throw MediaStoreErrors.containerInUse();
        return sendMediaStoreJson(res, 200, { Container: containerJson(req, record, principal) });
      }
      case 'DescribeContainer': {
        const record = await objects.getBucket(containerNameOf(input));
        if (record === null) throw MediaStoreErrors.containerNotFound();
        return sendMediaStoreJson(res, 200, { Container: containerJson(req, record, principal) });
      }
      case 'ListContainers': {
        const maxResults = maxResultsOf(input);
        const after = input.NextToken === undefined ? undefined : nextToken.decode(input.NextToken);
        // S3 bucket names with dots are not container names: those buckets are not containers.
        const containers = (await objects.listBuckets()).filter((bucket) => isContainerName(bucket.name) && (after === undefined || bucket.name > after));
        const page = containers.slice(0, maxResults);
        const more = containers.length > page.length;
        return sendMediaStoreJson(res, 200, {
          Containers: page.map((record) => containerJson(req, record, principal)),
          ...(more ? { NextToken: nextToken.encode(page[page.length - 1]!.name) } : {}),
        });
      }
      case 'DeleteContainer': {
        const name = containerNameOf(input);
        const outcome = await objects.deleteBucket(name);
        if (outcome === 'missing') throw MediaStoreErrors.containerNotFound();
        if (outcome === 'not-empty') throw MediaStoreErrors.containerInUse();
        // mediaStoreRouter, which this request passed through, drops the container's policy once the 200 is sent.
        return sendMediaStoreJson(res, 200, {});
      }
    }
  }

  const controlPlane: MediaStoreEndpoint['controlPlane'] = (req, res, next) => {
    if (!isMediaStoreRequest(req)) return next();
    void (async () => {
      try {
        await authenticate(req, verifyControl, MAX_CONTROL_BODY_BYTES, true);
      } catch (error) {
        return fail(req, res, error);
      }
      policies(req, res, () => void containerOperation(req, res).catch((error: unknown) => fail(req, res, error)));
    })();
  };

  async function serveObject(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD' && method !== 'PUT' && method !== 'DELETE') throw MediaStoreErrors.unknownOperation(`${method} on an object`);
    const principal = await authenticate(req, verifyData, maxObjectBytes, false);
    const { container, path } = dataAddress(req);
    if (!(await containerExists(container))) throw DataPlaneErrors.containerNotFound();
    if (path === '' || path.endsWith('/')) throw MediaStoreErrors.validation('Name an object: <Endpoint>/<path>, the path not ending with "/".');
    if ((method === 'PUT' || method === 'DELETE') && principal.kind !== 'signed') throw new MediaStoreError(403, 'AccessDeniedException', `${method} needs a request signed for "${MEDIASTORE_SERVICE}" (Authorization header or presigned URL).`);

    if (method === 'PUT') {
      const body = await readPayload(req, principal, maxObjectBytes);
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      const contentType = headerValue(req, 'content-type') ?? 'application/octet-stream';
      const record: ObjectRecord = { key: path, size: body.length, etag, lastModified: new Date().toISOString(), contentType, acl: 'private', metadata: {} };
      await objects.putObject(container, record, body);
      res.setHeader('ETag', etag);
      return sendMediaStoreJson(res, 200, { ContentSHA256: createHash('sha256').update(body).digest('hex'), ETag: etag, StorageClass: 'TEMPORAL' }, 'application/json');
    }
    if (method === 'DELETE') {
      if ((await objects.headObject(container, path)) === null) throw DataPlaneErrors.objectNotFound();
      await objects.deleteObject(container, path);
      return sendMediaStoreJson(res, 200, {}, 'application/json');
    }
    const found = method === 'GET' ? await objects.getObject(container, path) : await objects.headObject(container, path);
    if (found === null) throw DataPlaneErrors.objectNotFound();
    const record = 'record' in found ? found.record : found;
    res.statusCode = 200;
    res.setHeader('Content-Type', record.contentType);
    res.setHeader('Content-Length', record.size);
    res.setHeader('ETag', record.etag);
    res.setHeader('Last-Modified', new Date(record.lastModified).toUTCString());
    res.end('body' in found ? found.body : undefined);
  }

  const cors = bucketCors({ store: ruleStore, dialect: mediaStoreDialect, bucketExists: containerExists, logger });
  const dataPlane = express.Router();
  dataPlane.use(cors);
  dataPlane.use((req: IncomingMessage, res: ServerResponse) => void serveObject(req, res).catch((error: unknown) => fail(req, res, error, 'application/json')));
  // bucketCors hands a container check that failed (the store down) to next(error): answered here in MediaStore's JSON.
  dataPlane.use((error: unknown, req: IncomingMessage, res: ServerResponse, _next: (error?: unknown) => void) =>
    fail(req, res, isMediaStoreError(error) ? error : MediaStoreErrors.serviceUnavailable(RETRY_AFTER_SECONDS), 'application/json'),
  );

  return { controlPlane, dataPlane, close: () => cors.close() };
}
