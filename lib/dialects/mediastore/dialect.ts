// The MediaStore dialect of bucketCors: how a container's data plane refuses preflights (express-bucket-cors/docs/behaviour.md §13).

import type { PreflightRefusal } from '../../core/decision.js';
import type { CorsDialect } from '../../http/dialect.js';
import { MediaStoreError, MediaStoreErrors } from './errors.js';
import { MEDIASTORE_PROFILE } from './profile.js';
import { sendMediaStoreError } from './response.js';

/** Why each refusal happened, in the words a developer reading the response needs (and no more than S3 says). */
const REFUSALS: Readonly<Record<Exclude<PreflightRefusal, 'unavailable'>, string>> = {
  'no-origin': 'CORS preflight refused: the request has no Origin header.',
  'invalid-method': 'CORS preflight refused: Access-Control-Request-Method is not a method a rule could allow.',
  'no-bucket': 'CORS preflight refused: the container does not exist.',
  'no-configuration': 'CORS preflight refused: the container has no CORS policy.',
  'missing-method': 'CORS preflight refused: the request has no Access-Control-Request-Method header.',
  'too-many-headers': 'CORS preflight refused: Access-Control-Request-Headers lists more headers than a preflight evaluates.',
  'no-match': 'CORS preflight refused: no rule of the CORS policy allows this origin, method and headers.',
};

/**
 * MediaStore's data plane does not document how it refuses a preflight; this dialect answers 403
 * `{"__type":"AccessDeniedException","Message":…}` (JSON, no CORS headers, so the browser blocks the
 * request), or 503 `ServiceUnavailable` with `Retry-After` while the rules cannot be read.
 * A choice: express-bucket-cors/docs/behaviour.md §15.
 */
export const mediaStoreDialect: CorsDialect = Object.freeze({
  name: 'mediastore',
  profile: MEDIASTORE_PROFILE,
  refusePreflight(req, res, refusal, retryAfterSeconds) {
    const error =
      refusal.reason === 'unavailable' ? MediaStoreErrors.serviceUnavailable(retryAfterSeconds) : new MediaStoreError(403, 'AccessDeniedException', REFUSALS[refusal.reason]);
    sendMediaStoreError(req, res, error, 'application/json');
  },
  beforeAllowedPreflight() {
    // MediaStore's allowed preflights carry only the CORS headers.
  },
} satisfies CorsDialect);
