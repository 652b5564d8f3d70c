// The S3 dialect of bucketCors: refusals as S3's XML errors, request ids on every preflight.

import type { CorsDialect } from '../../http/dialect.js';
import { s3PreflightError } from './preflight.js';
import { S3_LINT_PACKS } from './lint.js';
import { S3_PROFILE } from './profile.js';
import { ensureRequestIds, sendS3Error } from './response.js';

/** S3's answers (express-bucket-cors/docs/behaviour.md §8): XML `<Error>` refusals with S3's codes and messages, `x-amz-request-id` and `x-amz-id-2`. The default dialect. */
export const s3Dialect: CorsDialect = Object.freeze({
  name: 's3',
  profile: S3_PROFILE,
  lintPacks: S3_LINT_PACKS,
  refusePreflight(req, res, refusal, retryAfterSeconds) {
    sendS3Error(req, res, s3PreflightError(refusal, retryAfterSeconds));
  },
  beforeAllowedPreflight(res) {
    ensureRequestIds(res);
  },
} satisfies CorsDialect);
