// What bucketCors needs of an API dialect: how it answers the preflights it refuses.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PreflightRefusalDecision } from '../core/decision.js';
import type { LintPack } from '../core/lint.js';
import type { RuleProfile } from '../core/validate.js';

/**
 * How one API (S3, MediaStore, …) answers preflights on top of the shared engine. The decisions are
 * the core's; a dialect only words them. Implement it to give `bucketCors` another API's refusals.
 */
export interface CorsDialect {
  /** Short name, shown in debug lines and diagnostics events (e.g. `'s3'`). */
  readonly name: string;
  /** What this API accepts in a configuration: `defaultRules` and `serviceRules` are checked against it. */
  readonly profile: RuleProfile;
  /** The lint advice of this API's clients (e.g. what the AWS SDKs send), run on `defaultRules` and `serviceRules`. Default: none. */
  readonly lintPacks?: readonly LintPack[];
  /**
   * Sends the answer to a refused preflight: never any CORS header. `retryAfterSeconds` is for the
   * `unavailable` reason (the rules could not be read).
   */
  refusePreflight(req: IncomingMessage, res: ServerResponse, refusal: PreflightRefusalDecision, retryAfterSeconds: number): void;
  /** Called just before an allowed preflight's empty 200 is sent, to add the dialect's own headers. */
  beforeAllowedPreflight(res: ServerResponse): void;
}
