// The defaults that need a dialect: bucketCors is createBucketCors with S3's, bound here, above both lib/http and the S3 dialect.

import { isPlainObject } from './core/values.js';
import { s3Dialect } from './dialects/s3/dialect.js';
import { createBucketCors, type BucketCorsMiddleware, type BucketCorsOptions, type DialectCorsOptions } from './http/middleware.js';
import { refuseMiddlewareArguments } from './options.js';

/**
 * The CORS middleware: per bucket, exactly as Amazon S3 answers (docs/behaviour.md §8, §9) — see
 * `createBucketCors` for what it answers and passes on. `dialect` defaults to `s3Dialect`.
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
