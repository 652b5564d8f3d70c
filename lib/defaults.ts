// The defaults that need a dialect: bucketCors is createBucketCors with S3's, bound here, above both lib/http and the S3 dialect.

import { isPlainObject } from './core/values.js';
import { s3Dialect } from './dialects/s3/dialect.js';
import { createBucketCors, type BucketCorsMiddleware, type BucketCorsOptions, type DialectCorsOptions } from './http/middleware.js';
import { refuseMiddlewareArguments } from './options.js';

/**
 * The CORS middleware: per bucket, exactly as Amazon S3 answers (express-bucket-cors/docs/behaviour.md §8, §9), refusals
 * in the words of `dialect` (default `s3Dialect`; `createBucketCors` is the same without a default).
 *
 * - Requests naming no bucket (see `addressing`) pass through untouched.
 * - Every `OPTIONS` on a bucket or object is a preflight, answered here and never passed on:
 *   200 with the matched rule's headers, or the dialect's refusal (S3: XML 400/403, no CORS headers),
 *   or 503 ServiceUnavailable with `Retry-After` while the store is unreachable and nothing is cached.
 *   Query strings, presigned parameters and `Authorization` play no part. An `OPTIONS` with
 *   `Origin` to the path-style service root `/` is refused with 403 "Bucket not found".
 * - Other requests with an `Origin` get the matched rule's headers set before `next()`, so they
 *   survive whatever the server answers (200, 304, 404, 500…); without a match they pass on without
 *   CORS headers — CORS never blocks them. When the store is unreachable they pass on without CORS
 *   headers (browsers then refuse to read the response: fail closed).
 * - Every request it passes on carries what the addressing resolved: read it with `requestTarget(req)`.
 *   A custom resolver is called once per request.
 *
 * Errors of a custom resolver or of `bucketExists` go to `next(err)`, exactly once.
 *
 * @throws TypeError when an option is wrong; the message says what to change.
 */
export function bucketCors(options?: BucketCorsOptions): BucketCorsMiddleware {
  // `app.use(bucketCors)` hands Express's (req, res, next) here.
  refuseMiddlewareArguments('bucketCors', arguments, 'app.use(bucketCors({ store }))');
  if (options === undefined) return createBucketCors({ dialect: s3Dialect });
  // Anything but an options object (or a wrong dialect) is passed on as it is, for the one options path to refuse.
  const given = isPlainObject(options) && options.dialect === undefined ? { ...options, dialect: s3Dialect } : options;
  return createBucketCors(given as DialectCorsOptions);
}
