// A tiny S3-like object server for HTTP tests (docs/behaviour.md §16 setup), and Express 4/5 apps mounting it behind given middleware.

import express5, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import vary from 'vary';
import { S3Error, S3Errors, ensureRequestIds, sendS3Error } from 'express-bucket-cors/s3';
import { createBucketResolver, type AddressingOptions } from 'express-bucket-cors';

// Express 4 is installed under an npm alias that has no type declarations of its own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const express4 = require('express4') as typeof express5;
export { express5 };

/** The Express majors every HTTP test runs against, for `describe.each`. */
export const EXPRESS_VERSIONS = [
  ['Express 5', express5],
  ['Express 4', express4],
] as const;

/** Marker header on every response the object server itself writes: proves a request reached it. */
export const OBJECT_SERVER_HEADER = 'x-object-server';

/** Key whose GET calls `next(err)`, so Express's default error handler answers 500. */
export const ERROR_KEY = 'fails';

/** Body of the object `k` in bucket `b` (docs/behaviour.md §16 setup). */
export const OBJECT_BODY = 'hello from b/k';

const ETAG = '"etag-of-k"';

/** Buckets → keys → bodies. Default: bucket `b` holding object `k`. */
export type Objects = Map<string, Map<string, string>>;

export const defaultObjects = (): Objects => new Map([['b', new Map([['k', OBJECT_BODY]])]]);

const noSuchKey = (): S3Error => new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');

/**
 * The object server: `GET /` lists buckets; GET/HEAD of an object answers it (304 on a matching
 * `If-None-Match`, and appends `Vary: Accept-Encoding` to show later Vary values merge), a missing key
 * 404 NoSuchKey, a missing bucket 404 NoSuchBucket; PUT without `Authorization` 403 AccessDenied;
 * GET of {@link ERROR_KEY} calls `next(err)`. Every answer carries {@link OBJECT_SERVER_HEADER}.
 */
export function objectServer(objects: Objects = defaultObjects(), addressing?: AddressingOptions): RequestHandler {
  const resolve = createBucketResolver(addressing);
  return (req, res, next) => {
    Promise.resolve(resolve(req))
      .then((address) => serve(req, res, next, objects, address))
      .catch(next);
  };
}

function serve(
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
  objects: Objects,
  address: { bucket: string; key: string } | null,
): void {
  res.setHeader(OBJECT_SERVER_HEADER, '1');
  ensureRequestIds(res);
  if (address === null) {
    if (req.method !== 'GET') return sendS3Error(req, res, S3Errors.accessDenied());
    res.setHeader('Content-Type', 'application/xml');
    res.end(`<ListAllMyBucketsResult>${[...objects.keys()].map((name) => `<Bucket><Name>${name}</Name></Bucket>`).join('')}</ListAllMyBucketsResult>`);
    return;
  }
  const { bucket, key } = address;
  const keys = objects.get(bucket);
  if (keys === undefined) return sendS3Error(req, res, S3Errors.noSuchBucket(bucket));
  if (req.method === 'PUT') {
    if (req.headers.authorization === undefined) return sendS3Error(req, res, S3Errors.accessDenied());
    keys.set(key, '');
    res.end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendS3Error(req, res, new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.'));
  if (key === '') {
    res.setHeader('Content-Type', 'application/xml');
    res.end(`<ListBucketResult><Name>${bucket}</Name><KeyCount>${keys.size}</KeyCount></ListBucketResult>`);
    return;
  }
  if (key === ERROR_KEY) return next(new Error('object server failure'));
  const body = keys.get(key);
  if (body === undefined) return sendS3Error(req, res, noSuchKey());
  vary(res, 'Accept-Encoding');
  res.setHeader('ETag', ETAG);
  if (req.headers['if-none-match'] === ETAG) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** How {@link objectApp} builds its app. */
export interface ObjectAppSetup {
  readonly express: typeof express5;
  /** Mounted in order before the object server (e.g. `bucketCors(...)`). */
  readonly middleware: readonly RequestHandler[];
  readonly objects?: Objects;
  readonly addressing?: AddressingOptions;
}

/** An Express app: `middleware`, then the object server; errors go to Express's default error handler. */
export function objectApp(setup: ObjectAppSetup): express5.Express {
  const app = setup.express();
  for (const middleware of setup.middleware) app.use(middleware);
  app.use(objectServer(setup.objects, setup.addressing));
  return app;
}

/** An error handler answering 599 with the error's message: shows which error reached it. */
export const reportingErrorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  res.status(599).send(error instanceof Error ? error.message : String(error));
};

/** `Vary` S3 sends with every CORS match (docs/behaviour.md §8.5). */
export const CORS_VARY_VALUE = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

/** The response's `access-control-*` headers, by lower-cased name. */
export function corsHeadersOf(res: { readonly headers: object }): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) if (name.startsWith('access-control-')) found[name] = String(value);
  return found;
}
